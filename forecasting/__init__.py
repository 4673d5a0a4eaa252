"""Stakeholder-table forecasting: reading a user's table and playing a protocol on it.
Uses the engine (``model.protocols``, ``model.state``, ``model.inputs``, ``model.io``); the
engine never imports it."""
