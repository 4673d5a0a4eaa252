"""Plumbing shared by every room: safe file I/O and input ceilings, terminal tables and
output formats, provenance. Imports only ``model.inputs`` (the scenario hash) and libraries."""
