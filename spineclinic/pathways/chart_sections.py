"""The pathways parts of the shared chart: the intakes (every staff viewer) and the scores,
safety alerts and recommendation (the clinical chart only). Registered by PathwaysConfig."""

from __future__ import annotations

from typing import Any

from spineclinic.accounts.models import Role
from spineclinic.instruments.models import Intake, IntakeStatus, QuestionnaireResponse
from spineclinic.patients.chart import ChartSection
from spineclinic.patients.models import Patient


def results_context(user: Any, patient: Patient) -> dict[str, Any]:
    completed = list(
        Intake.objects.filter(patient=patient, status=IntakeStatus.COMPLETED)
        .order_by("-completed_at")
        .prefetch_related("responses", "recommendations")
    )
    latest = completed[0] if completed else None
    phq9 = QuestionnaireResponse.objects.filter(
        patient=patient, instrument_code="phq9", safety_reviewed_at__isnull=True
    )
    return {
        "latest": latest,
        "responses": latest.responses_in_order() if latest else [],
        "recommendation": latest.recommendations.first() if latest else None,
        # The flag lives in a JSON list; filtered here since SQLite cannot search JSON lists.
        "alerts": [response for response in phq9 if response.safety_alert],
        "history": [(intake, intake.responses_by_code()) for intake in completed],
    }


def intakes_context(user: Any, patient: Patient) -> dict[str, Any]:
    role = getattr(user, "role", None)
    return {
        "intakes": Intake.objects.filter(patient=patient).select_related("started_by")[:10],
        "can_start": role in (Role.FRONT_DESK, Role.CLINICIAN),
        "sees_results": role == Role.CLINICIAN,
    }


RESULTS = ChartSection(
    key="screening",
    title="Screening and recommendation",
    template="pathways/_chart_results.html",
    context=results_context,
    order=10,  # first: a safety alert must be the first clinical thing read
    clinical=True,
)
INTAKES = ChartSection(
    key="intakes",
    title="Intakes",
    template="pathways/_chart_intakes.html",
    context=intakes_context,
    order=11,
    clinical=False,  # the front desk starts intakes too; no scores are shown here
)
