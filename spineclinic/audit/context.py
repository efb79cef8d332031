"""Who is acting, and from where: set per request, read by every audit write."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    user: Any | None
    client_ip: str | None


current_actor: ContextVar[Actor | None] = ContextVar("current_actor", default=None)
