"""Stored rule sets and the recommendations made with them.

A recommendation keeps the facts it was made from and the version of the rules that made
it, so that it can be reproduced and explained long after the rules have changed.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from spineclinic.instruments.models import Intake
from spineclinic.pathways.rules import DISCIPLINES, parse_rules
from spineclinic.pathways.rules import RuleSet as ParsedRules
from spineclinic.patients.models import Patient

# The radius of the directory search offered for a discipline the clinic does not have.
REFER_OUTSIDE_RADIUS_MILES = 25


class RuleSetSource(models.TextChoices):
    BUNDLED = "bundled", "Shipped default"
    CLINIC = "clinic", "Edited by the clinic"


class RuleSet(models.Model):
    """One version of the pathway rules, as YAML text; exactly one is active."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.CharField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    yaml_text = models.TextField("rules (YAML)")
    source = models.CharField(max_length=8, choices=RuleSetSource.choices)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Two active rule sets would make the same intake's recommendation a coin toss.
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="one_active_rule_set"
            )
        ]

    def __str__(self) -> str:
        return f"rules {self.version}{' (active)' if self.active else ''}"

    def parsed(self) -> ParsedRules:
        """The rules as the engine reads them; stored text was validated when saved."""
        cached: ParsedRules | None = getattr(self, "_parsed", None)
        if cached is None:
            cached = parse_rules(self.yaml_text, source=f"rules {self.version}")
            self._parsed = cached
        return cached


class RecommendationStatus(models.TextChoices):
    PENDING = "pending", "Awaiting a clinician"
    ACCEPTED = "accepted", "Accepted"
    OVERRIDDEN = "overridden", "Overridden"
    # A newer intake's recommendation replaced it before anyone decided.
    SUPERSEDED = "superseded", "Replaced by a newer intake"


RECOMMENDATION_TRANSITIONS: dict[str, frozenset[str]] = {
    RecommendationStatus.PENDING: frozenset(
        {
            RecommendationStatus.ACCEPTED,
            RecommendationStatus.OVERRIDDEN,
            RecommendationStatus.SUPERSEDED,
        }
    ),
    RecommendationStatus.ACCEPTED: frozenset(),
    RecommendationStatus.OVERRIDDEN: frozenset(),
    RecommendationStatus.SUPERSEDED: frozenset(),
}


class Recommendation(models.Model):
    """What the rules recommended after an intake, and what a clinician decided."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="recommendations")
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="recommendations")
    ruleset = models.ForeignKey(RuleSet, null=True, on_delete=models.PROTECT, related_name="+")
    rules_version = models.CharField(max_length=64)
    facts = models.JSONField()
    # How response_to_care was judged: the measures compared, with values and thresholds.
    response_measures = models.JSONField(default=list, blank=True)
    # The engine's whole result (Recommendation.to_dict()); the columns below repeat the
    # parts that are queried or shown in lists.
    result = models.JSONField()
    outcome = models.CharField(max_length=20)  # recommendation | clinician_review
    urgency = models.CharField(max_length=10)
    disciplines = models.JSONField(default=list)  # [{code, urgency, refer_outside, rule_ids}]
    choices = models.JSONField(default=list)  # [{options: [[advice, ...], ...], urgency, ...}]
    rules_fired = models.JSONField(default=list)
    explanation = models.TextField()
    status = models.CharField(
        max_length=12, choices=RecommendationStatus.choices, default=RecommendationStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The disciplines the patient is to see: the recommendation's (with the options the
    # clinician chose) when accepted, the clinician's own when overridden.
    decided_disciplines = models.JSONField(default=list, blank=True)
    override_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["patient", "-created_at"], name="recommendation_patient"),
            models.Index(fields=["status", "urgency"], name="recommendation_worklist"),
        ]

    def __str__(self) -> str:
        return f"recommendation for {self.patient} ({self.get_status_display()})"

    @property
    def needs_review(self) -> bool:
        return self.outcome == "clinician_review"

    @property
    def review_reasons(self) -> list[str]:
        return list(self.result.get("review_reasons", []))

    @property
    def fact_problems(self) -> list[dict[str, Any]]:
        return list(self.result.get("fact_problems", []))

    def directory_url(self, code: str) -> str:
        """The public directory search for `code` near the patient's home."""
        query: dict[str, Any] = {"discipline": code, "radius": REFER_OUTSIDE_RADIUS_MILES}
        zip5 = self.patient.postal_code[:5]
        if zip5:
            query = {"near": zip5, **query}
        return f"{reverse('directory:search')}?{urlencode(query)}"

    def _advice(self, advice: dict[str, Any]) -> dict[str, Any]:
        code = advice["code"]
        shown = {**advice, "name": discipline_name(code)}
        if advice.get("refer_outside"):
            shown["directory_url"] = self.directory_url(code)
        return shown

    def required_advice(self) -> list[dict[str, Any]]:
        """Every discipline to see, with its name and, when outside, the directory link."""
        return [self._advice(advice) for advice in self.disciplines]

    def choice_advice(self) -> list[dict[str, Any]]:
        """Each choice: its urgency and options, each option a list of shown advice."""
        return [
            {
                "urgency": choice["urgency"],
                "options": [[self._advice(a) for a in option] for option in choice["options"]],
            }
            for choice in self.choices
        ]

    def option_codes(self, choice_index: int) -> list[list[str]]:
        return [[a["code"] for a in option] for option in self.choices[choice_index]["options"]]

    @property
    def decided_names(self) -> list[str]:
        return [discipline_name(code) for code in self.decided_disciplines]


def discipline_name(code: str) -> str:
    name = DISCIPLINES.get(code, code.replace("_", " "))
    return name[:1].upper() + name[1:]


class RecommendationEvent(models.Model):
    """One change of a recommendation's status: who, when, from, to, why."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(max_length=12, choices=RecommendationStatus.choices)
    to_status = models.CharField(max_length=12, choices=RecommendationStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    disciplines = models.JSONField(default=list)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"
