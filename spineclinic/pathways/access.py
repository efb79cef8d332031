"""Fetch and authorise intakes, questionnaire responses and recommendations: each is found
by its id, then its patient is opened through patients.access (which audits) at the
clinical level, so only the care team (or a clinician who broke the glass) sees scores."""

from __future__ import annotations

import uuid
from typing import Any, Protocol, TypeVar

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


class _PatientOwned(Protocol):
    patient_id: Any
    patient: Any


def _access_owned(
    model: type[M], user: Any, object_id: Any, purpose: str
) -> tuple[PatientAccess, M]:
    """Find the object, then open its patient at the clinical level (audited there)."""
    found = _get(model, object_id)
    owned: _PatientOwned = found  # type: ignore[assignment]
    access = access_patient(user, owned.patient_id, level="clinical", purpose=purpose)
    owned.patient = access.patient
    return access, found


def access_intake(user: Any, intake_id: Any, *, purpose: str) -> tuple[PatientAccess, Intake]:
    return _access_owned(Intake, user, intake_id, purpose)


def access_recommendation(
    user: Any, recommendation_id: Any, *, purpose: str
) -> tuple[PatientAccess, Recommendation]:
    return _access_owned(Recommendation, user, recommendation_id, purpose)


def access_response(
    user: Any, response_id: Any, *, purpose: str
) -> tuple[PatientAccess, QuestionnaireResponse]:
    return _access_owned(QuestionnaireResponse, user, response_id, purpose)
