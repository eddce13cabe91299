"""Requisitions: questions the assistant could not answer, routed to the integration task force.

Use `RequisitionService` (bot/requisitions/service.py); it returns the views of bot/requisitions/views.py.
See docs/SERVICE.md for the whole API.
"""

from bot.requisitions.service import EXPORT_COLUMNS, Publisher, RequisitionService, Sender
from bot.requisitions.views import (
    Candidate,
    Changed,
    CitedSource,
    Created,
    DeliveryReport,
    DuplicateSuggestion,
    Durations,
    FeedbackSummary,
    GapSignal,
    GroupStats,
    Inbox,
    Note,
    OutboxMessage,
    Page,
    RequisitionView,
    Stats,
)

__all__ = [
    "EXPORT_COLUMNS",
    "Candidate",
    "Changed",
    "CitedSource",
    "Created",
    "DeliveryReport",
    "DuplicateSuggestion",
    "Durations",
    "FeedbackSummary",
    "GapSignal",
    "GroupStats",
    "Inbox",
    "Note",
    "OutboxMessage",
    "Page",
    "Publisher",
    "RequisitionService",
    "RequisitionView",
    "Sender",
    "Stats",
]
