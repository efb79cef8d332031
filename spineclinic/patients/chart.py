"""Sections of the shared chart. Later apps add theirs (questionnaires, referrals, images)
from their AppConfig.ready, so this app never imports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from spineclinic.patients.models import Patient


@dataclass(frozen=True)
class ChartSection:
    key: str
    title: str
    template: str
    context: Callable[[Any, Patient], dict[str, Any]]
    order: int = 100
    clinical: bool = True  # hidden from front desk and admins


SECTIONS: dict[str, ChartSection] = {}


def register_section(section: ChartSection) -> None:
    SECTIONS[section.key] = section


def sections_for(clinical: bool) -> list[ChartSection]:
    return sorted(
        (s for s in SECTIONS.values() if clinical or not s.clinical), key=lambda s: s.order
    )
