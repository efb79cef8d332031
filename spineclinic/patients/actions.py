"""Every state change of the patients app: registration, care team, break-the-glass."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from spineclinic.audit.actions import record
from spineclinic.audit.models import Action
from spineclinic.directory.models import Discipline, Practitioner
from spineclinic.patients import identity
from spineclinic.patients.models import (
    BreakGlassGrant,
    CareTeamMember,
    MrnCounter,
    Patient,
)

REGISTRATION_FIELDS = [
    "given_name",
    "middle_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "line1",
    "line2",
    "city",
    "state",
    "postal_code",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "insurance_payer",
    "insurance_member_id",
    "insurance_group",
    "consent_to_treat",
    "consent_to_share_in_clinic",
]


@dataclass
class DuplicateCandidate:
    patient: Patient
    reasons: list[str] = field(default_factory=list)


class DuplicateSuspected(Exception):
    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        super().__init__(f"{len(candidates)} possible duplicate(s)")
        self.candidates = candidates


def find_duplicate_candidates(
    *,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    phone: str = "",
    email: str = "",
    exclude_id: Any = None,
    limit: int = 10,
) -> list[DuplicateCandidate]:
    """Patients who may be this person: the same date of birth and a similar name, or the
    same phone number, or the same email address."""
    digits = identity.phone_digits(phone)
    email_key = email.strip().lower()
    query = Q(date_of_birth=date_of_birth)
    if digits:
        query |= Q(phone_digits=digits)
    if email_key:
        query |= Q(email_key=email_key)
    found: list[DuplicateCandidate] = []
    for patient in Patient.objects.filter(query).exclude(pk=exclude_id)[:200]:
        reasons = []
        if patient.date_of_birth == date_of_birth and identity.names_similar(
            given_name, family_name, patient.given_name, patient.family_name
        ):
            reasons.append("same date of birth and a similar name")
        if digits and patient.phone_digits == digits:
            reasons.append("same phone number")
        if email_key and patient.email_key == email_key:
            reasons.append("same email address")
        if reasons:
            found.append(DuplicateCandidate(patient, reasons))
    return found[:limit]


def _next_mrn() -> str:
    # Lock the counter row: two front desks registering at once must not draw one MRN.
    counter, _ = MrnCounter.objects.select_for_update().get_or_create(
        id=1, defaults={"last_serial": identity.MRN_FIRST_SERIAL - 1}
    )
    while True:
        counter.last_serial += 1
        mrn = identity.mrn_for_serial(counter.last_serial)
        if not Patient.objects.filter(mrn=mrn).exists():  # a hand-entered MRN may hold it
            break
    counter.save(update_fields=["last_serial"])
    return mrn


def _refresh_keys(patient: Patient) -> None:
    patient.name_key = identity.name_key(patient.family_name, patient.given_name)
    patient.phone_digits = identity.phone_digits(patient.phone)
    patient.email_key = patient.email.strip().lower()


def do_register_patient(
    data: dict[str, Any],
    *,
    by: Any,
    mrn: str = "",
    override_reason: str = "",
) -> Patient:
    """Register a new patient with one MRN for every discipline of the clinic.

    Raises DuplicateSuspected when likely duplicates exist and no override reason is
    given; the caller shows the candidates and asks for an explicit decision.
    """
    candidates = find_duplicate_candidates(
        given_name=data["given_name"],
        family_name=data["family_name"],
        date_of_birth=data["date_of_birth"],
        phone=data.get("phone", ""),
        email=data.get("email", ""),
    )
    override_reason = override_reason.strip()
    if candidates and not override_reason:
        raise DuplicateSuspected(candidates)
    patient = Patient(**{k: data[k] for k in REGISTRATION_FIELDS if k in data})
    _refresh_keys(patient)
    patient.registered_by = by
    if patient.consent_to_treat or patient.consent_to_share_in_clinic:
        patient.consented_at = timezone.now()
    if candidates:
        patient.duplicate_override_reason = override_reason
        patient.duplicate_candidates = [
            {"patient_id": str(c.patient.pk), "mrn": c.patient.mrn, "reasons": c.reasons}
            for c in candidates
        ]
    try:
        with transaction.atomic():
            if mrn:
                if Patient.objects.filter(mrn=mrn).exists():
                    raise ValidationError({"mrn": f"MRN {mrn} already belongs to a patient."})
                patient.mrn = mrn
            else:
                patient.mrn = _next_mrn()
            patient.full_clean()
            patient.save()
            detail: dict[str, Any] = {"mrn": patient.mrn}
            if candidates:
                detail["duplicate_override"] = override_reason
                detail["candidates"] = [str(c.patient.pk) for c in candidates]
            record(Action.CREATE, by=by, patient_id=patient.pk, obj=patient, detail=detail)
    except IntegrityError as exc:  # the unique index caught a race on a hand-entered MRN
        raise ValidationError({"mrn": f"MRN {mrn} already belongs to a patient."}) from exc
    return patient


def do_update_registration(patient: Patient, data: dict[str, Any], *, by: Any) -> list[str]:
    """Change registration data; returns the names of the fields that changed."""
    changed = [k for k in REGISTRATION_FIELDS if k in data and getattr(patient, k) != data[k]]
    if not changed:
        return []
    with transaction.atomic():
        for name in changed:
            setattr(patient, name, data[name])
        _refresh_keys(patient)
        if {"consent_to_treat", "consent_to_share_in_clinic"} & set(changed):
            patient.consented_at = timezone.now()
        patient.full_clean(exclude=["mrn"])
        patient.save()
        record(Action.UPDATE, by=by, patient_id=patient.pk, obj=patient, detail={"fields": changed})
    return changed


def do_add_care_team_member(
    patient: Patient,
    practitioner: Practitioner,
    *,
    by: Any,
    discipline: Discipline | None = None,
    is_lead: bool = False,
) -> CareTeamMember:
    with transaction.atomic():
        member, created = CareTeamMember.objects.get_or_create(
            patient=patient,
            practitioner=practitioner,
            defaults={"discipline": discipline, "is_lead": is_lead, "added_by": by},
        )
        if not created and not member.active:
            member.active = True
            member.save(update_fields=["active"])
        elif not created:
            raise ValidationError(f"{practitioner} is already on this patient's care team.")
        record(
            Action.UPDATE,
            by=by,
            patient_id=patient.pk,
            obj=member,
            detail={"care_team": "added", "practitioner": str(practitioner.pk)},
        )
    return member


def do_remove_care_team_member(member: CareTeamMember, *, by: Any) -> None:
    with transaction.atomic():
        member.active = False
        member.save(update_fields=["active"])
        record(
            Action.UPDATE,
            by=by,
            patient_id=member.patient_id,
            obj=member,
            detail={"care_team": "removed", "practitioner": str(member.practitioner_id)},
        )


def do_break_glass(patient: Patient, *, by: Any, reason: str) -> BreakGlassGrant:
    reason = reason.strip()
    if len(reason) < 10:
        raise ValidationError("Give the clinical reason for this access (at least 10 characters).")
    with transaction.atomic():
        grant = BreakGlassGrant.objects.create(
            user=by,
            patient=patient,
            reason=reason,
            expires_at=timezone.now() + settings.BREAK_GLASS_DURATION,
        )
        record(
            Action.BREAK_GLASS,
            by=by,
            patient_id=patient.pk,
            obj=grant,
            break_glass_reason=reason,
            detail={"expires_at": grant.expires_at.isoformat()},
        )
    return grant
