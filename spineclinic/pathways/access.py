"""Fetch and authorise intakes, questionnaire responses and recommendations: each is found
by its id, then its patient is opened through patients.access (which audits) at the
clinical level, so only the care team (or a clinician who broke the glass) sees scores."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from django.db.models import Model
from django.http import Http404

from spineclinic.instruments.models import Intake, QuestionnaireResponse
from spineclinic.pathways.models import Recommendation
from spineclinic.patients.access import PatientAccess, access_patient

M = TypeVar("M", bound=Model)


def _get(model: type[M], object_id: Any) -> M:
    try:
        pk = object_id if isinstance(object_id, uuid.UUID) else uuid.UUID(str(object_id))
    except ValueError as exc:
        raise Http404("Not found.") from exc
    found = model._default_manager.filter(pk=pk).first()
    if found is None:
        raise Http404("Not found.")
    return found


def access_intake(user: Any, intake_id: Any, *, purpose: str) -> tuple[PatientAccess, Intake]:
    intake = _get(Intake, intake_id)
    access = access_patient(user, intake.patient_id, level="clinical", purpose=purpose)
    intake.patient = access.patient
    return access, intake


def access_recommendation(
    user: Any, recommendation_id: Any, *, purpose: str
) -> tuple[PatientAccess, Recommendation]:
    recommendation = _get(Recommendation, recommendation_id)
    access = access_patient(user, recommendation.patient_id, level="clinical", purpose=purpose)
    recommendation.patient = access.patient
    return access, recommendation


def access_response(
    user: Any, response_id: Any, *, purpose: str
) -> tuple[PatientAccess, QuestionnaireResponse]:
    response = _get(QuestionnaireResponse, response_id)
    access = access_patient(user, response.patient_id, level="clinical", purpose=purpose)
    response.patient = access.patient
    return access, response
