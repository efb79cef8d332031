"""The shipped default rules in the database: stored at migrate, once; a new shipped
version replaces a shipped one but never rules the clinic wrote."""

from __future__ import annotations

from spineclinic.pathways.actions import (
    default_rules_text,
    do_activate_ruleset,
    do_save_ruleset,
    ensure_default_ruleset,
)
from spineclinic.pathways.active import active_rules
from spineclinic.pathways.models import RuleSet, RuleSetSource
from spineclinic.pathways.rules import default_rules
from spineclinic.test import Clinic


def test_it_stores_the_default_rules_at_migrate(db: None) -> None:
    stored = RuleSet.objects.get()
    assert stored.active and stored.source == RuleSetSource.BUNDLED
    assert stored.version == default_rules().version
    assert stored.parsed().rules == default_rules().rules
    assert active_rules() == (stored, stored.parsed())


def test_it_stores_the_default_only_once(db: None) -> None:
    ensure_default_ruleset()
    ensure_default_ruleset()
    assert RuleSet.objects.count() == 1


def test_it_activates_a_new_shipped_version_over_an_old_shipped_one(db: None) -> None:
    RuleSet.objects.update(version="2025.01-1")
    ensure_default_ruleset()
    assert RuleSet.objects.get(active=True).version == default_rules().version
    assert RuleSet.objects.get(version="2025.01-1").active is False


def test_it_leaves_the_clinics_own_rules_active(clinic: Clinic) -> None:
    edited = default_rules_text().replace('version: "2026.11-1"', 'version: "ours-1"')
    ours = do_activate_ruleset(do_save_ruleset(edited, by=clinic.ada), by=clinic.ada)
    RuleSet.objects.filter(source=RuleSetSource.BUNDLED).update(version="2025.01-1")
    ensure_default_ruleset()  # a release ships 2026.11-1 again
    assert RuleSet.objects.get(active=True) == ours
    assert RuleSet.objects.filter(version=default_rules().version, active=False).exists()
