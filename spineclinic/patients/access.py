"""Fetch and authorise patient data in one call. No view reads a patient any other way.

Levels: "registration" (identity, contact, insurance: front desk, admins, and anyone who
may see the clinical chart) and "clinical" (notes, questionnaires, referrals, images:
the care team, or a clinician who broke the glass). Every call writes an audit row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.utils import timezone

from spineclinic.accounts.models import Role
from spineclinic.audit.actions import Entry, record, record_many
from spineclinic.audit.models import Action
from spineclinic.patients.models import BreakGlassGrant, CareTeamMember, Patient
from spineclinic.patients.search import patient_query

Level = Literal["registration", "clinical"]


class BreakGlassRequired(PermissionDenied):
    """A clinician outside the care team: access only with a recorded reason."""

    def __init__(self, patient: Patient) -> None:
        super().__init__("You are not on this patient's care team.")
        self.patient = patient


@dataclass(frozen=True)
class PatientAccess:
    patient: Patient
    clinical: bool  # may see the clinical chart
    break_glass: BreakGlassGrant | None


def is_on_care_team(user: Any, patient: Patient) -> bool:
    practitioner = getattr(user, "practitioner", None)
    if practitioner is None:
        return False
    return CareTeamMember.objects.filter(
        patient=patient, practitioner=practitioner, active=True
    ).exists()


def active_break_glass(user: Any, patient: Patient) -> BreakGlassGrant | None:
    return (
        BreakGlassGrant.objects.filter(user=user, patient=patient, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


def _parse_id(patient_id: Any) -> uuid.UUID:
    try:
        return patient_id if isinstance(patient_id, uuid.UUID) else uuid.UUID(str(patient_id))
    except ValueError as exc:
        raise Http404("No such patient.") from exc


def _decide(user: Any, patient: Patient, level: Level) -> PatientAccess:
    role = getattr(user, "role", None)
    if role == Role.PATIENT:
        if patient.user_id == user.pk:
            return PatientAccess(patient, clinical=True, break_glass=None)
        raise PermissionDenied("Patients can see their own record only.")
    if role == Role.CLINICIAN:
        if is_on_care_team(user, patient):
            return PatientAccess(patient, clinical=True, break_glass=None)
        grant = active_break_glass(user, patient)
        if grant is not None:
            return PatientAccess(patient, clinical=True, break_glass=grant)
        raise BreakGlassRequired(patient)
    if role in (Role.FRONT_DESK, Role.CLINIC_ADMIN):
        if level == "clinical":
            raise PermissionDenied("The clinical chart is for the patient's care team.")
        return PatientAccess(patient, clinical=False, break_glass=None)
    raise PermissionDenied("Your account has no access to patient records.")


def access_patient(
    user: Any, patient_id: Any, *, level: Level = "registration", purpose: str = "chart"
) -> PatientAccess:
    """Return the patient if `user` may see it at `level`; 404 if none, 403 if not allowed.

    Writes an audit row either way: a view (with the break-the-glass reason when that is
    the ground of access) or a refusal.
    """
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Sign in first.")
    patient = Patient.objects.filter(pk=_parse_id(patient_id)).first()
    if patient is None:
        raise Http404("No such patient.")
    try:
        access = _decide(user, patient, level)
    except PermissionDenied:
        record(
            Action.DENIED,
            by=user,
            patient_id=patient.pk,
            obj=patient,
            detail={"purpose": purpose, "level": level},
        )
        raise
    record(
        Action.VIEW,
        by=user,
        patient_id=patient.pk,
        obj=patient,
        detail={"purpose": purpose, "level": level},
        break_glass_reason=access.break_glass.reason if access.break_glass else "",
    )
    return access


PAGE_SIZE = 25


def search_patients(user: Any, query: str, page_number: Any = 1) -> Page[Patient]:
    """A page of patients matching the query (name, date of birth, MRN or phone), for staff.

    Each patient shown is audited: appearing in a result list discloses that the person
    is a patient of the clinic.
    """
    if getattr(user, "role", None) not in (Role.FRONT_DESK, Role.CLINIC_ADMIN, Role.CLINICIAN):
        raise PermissionDenied("Only clinic staff can search patients.")
    queryset = Patient.objects.filter(patient_query(query)).order_by(
        "family_name", "given_name", "date_of_birth"
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(page_number)
    record_many(
        [
            Entry(
                action=Action.SEARCH,
                patient_id=p.pk,
                object_type="patients.patient",
                object_id=str(p.pk),
                detail={"query": query[:100]},
            )
            for p in page.object_list
        ],
        by=user,
    )
    return page
