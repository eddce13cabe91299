"""Requisitions: questions the assistant could not answer, routed to the integration task force.

Use `RequisitionService` (bot/queue/service.py); it returns the views of bot/queue/views.py.
See docs/SERVICE.md for the whole API.
"""

from bot.queue.base import Publisher
from bot.queue.export import EXPORT_COLUMNS
from bot.queue.service import RequisitionService, Sender
from bot.queue.views import (
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
