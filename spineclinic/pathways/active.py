"""What is in force now: the active pathway rules and the disciplines this clinic offers."""

from __future__ import annotations

from spineclinic.directory.models import PractitionerRole
from spineclinic.pathways.models import RuleSet
from spineclinic.pathways.rules import RuleSet as ParsedRules
from spineclinic.pathways.rules import default_rules


def active_ruleset() -> RuleSet | None:
    return RuleSet.objects.filter(active=True).first()


def active_rules() -> tuple[RuleSet | None, ParsedRules]:
    """The active stored rules, or the shipped default when none is stored yet."""
    stored = active_ruleset()
    return (stored, stored.parsed()) if stored is not None else (None, default_rules())


def in_house_disciplines() -> frozenset[str]:
    """Disciplines practised at this clinic's own locations; the rest are referred outside."""
    return frozenset(
        PractitionerRole.objects.filter(
            active=True,
            practitioner__active=True,
            location__organization__is_this_clinic=True,
            location__organization__active=True,
        )
        .values_list("discipline_id", flat=True)
        .distinct()
    )
