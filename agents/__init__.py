"""Mesa agents standing for the actors: member states, the US, bureaucracies, stakeholders."""

from agents.actor import (
    AGENT_TYPES,
    Bureaucracy,
    MemberState,
    NegotiationActor,
    Stakeholder,
    UnitedStates,
    make_agent,
)

__all__ = [
    "AGENT_TYPES", "Bureaucracy", "MemberState", "NegotiationActor", "Stakeholder",
    "UnitedStates", "make_agent",
]
