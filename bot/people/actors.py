"""Who does something: a staff user, a caseworker, or the system itself; every service call names one.

These are plain frozen views returned by `AccountService`; the services check roles on them, and the audit
log records `actor_label(actor)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Role = Literal["coordinator", "adviser"]
Channel = Literal["telegram", "web"]
ROLES: tuple[str, ...] = ("coordinator", "adviser")
CHANNELS: tuple[str, ...] = ("telegram", "web")


@dataclass(frozen=True)
class StaffUser:
    """A task-force member who logs in on the web: the coordinator or an adviser."""

    id: int
    username: str
    role: Role
    active: bool
    created_at: datetime

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"


@dataclass(frozen=True)
class Caseworker:
    """A caseworker known on one channel (a Telegram user id, or a web login)."""

    id: int
    channel: Channel
    external_id: str
    display_name: str
    department: str
    language: Literal["da", "en"]
    created_at: datetime
    active: bool = True


@dataclass(frozen=True)
class SystemActor:
    """An operator or a scheduled job (CLI, purge, outbox worker): may do what a coordinator may."""

    name: str = "system"


Actor = StaffUser | Caseworker | SystemActor

SYSTEM = SystemActor()


def actor_label(actor: Actor) -> str:
    """How an actor is written in the audit log: stable, unique, and free of personal names."""
    if isinstance(actor, StaffUser):
        return f"user:{actor.username}"
    if isinstance(actor, Caseworker):
        return f"caseworker:{actor.id}"
    return f"system:{actor.name}"


def is_privileged(actor: Actor) -> bool:
    """Coordinators and the system see and do everything."""
    return isinstance(actor, SystemActor) or (isinstance(actor, StaffUser) and actor.role == "coordinator" and actor.active)
