from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from spineclinic.accounts.access import role_required, staff_required
from spineclinic.accounts.models import Role
from spineclinic.audit.models import AuditEvent
from spineclinic.patients import actions
from spineclinic.patients.access import (
    BreakGlassRequired,
    PatientAccess,
    access_patient,
    search_patients,
)
from spineclinic.patients.chart import sections_for
from spineclinic.patients.forms import (
    BreakGlassForm,
    CareTeamForm,
    DuplicateOverrideForm,
    PatientSearchForm,
    RegistrationForm,
)
from spineclinic.patients.models import CareTeamMember

REGISTRARS = (Role.FRONT_DESK, Role.CLINIC_ADMIN)


@staff_required
def search(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET or None)
    page = None
    query = ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        page = search_patients(request.user, query, request.GET.get("page"))
    return render(request, "patients/search.html", {"form": form, "page": page, "query": query})


@role_required(*REGISTRARS)
def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    override = DuplicateOverrideForm(request.POST or None)
    candidates: list[actions.DuplicateCandidate] = []
    if request.method == "POST" and form.is_valid() and override.is_valid():
        reason = ""
        if override.cleaned_data["confirm_new_patient"]:
            reason = override.cleaned_data["override_reason"]
        try:
            patient = actions.do_register_patient(
                form.cleaned_data,
                by=request.user,
                mrn=form.cleaned_data["mrn"],
                override_reason=reason,
            )
        except actions.DuplicateSuspected as suspected:
            candidates = suspected.candidates
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Registered {patient.display_name}, MRN {patient.mrn}.")
            return redirect("patients:chart", patient_id=patient.pk)
    context = {"form": form, "override": override, "candidates": candidates}
    return render(request, "patients/register.html", context)


def _access_or_break_glass(request: HttpRequest, patient_id: Any, **kw: Any) -> Any:
    try:
        return access_patient(request.user, patient_id, **kw)
    except BreakGlassRequired as refused:
        form = BreakGlassForm()
        context = {"patient": refused.patient, "form": form}
        return render(request, "patients/break_glass.html", context, status=403)


@staff_required
def chart(request: HttpRequest, patient_id: Any) -> HttpResponse:
    access = _access_or_break_glass(request, patient_id)
    if isinstance(access, HttpResponse):
        return access
    patient = access.patient
    sections = [
        (section, section.context(request.user, patient))
        for section in sections_for(access.clinical)
    ]
    context = {
        "patient": patient,
        "access": access,
        "care_team": patient.care_team.filter(active=True).select_related(
            "practitioner", "discipline"
        ),
        "sections": sections,
        "recent_access": AuditEvent.objects.filter(patient_id=patient.pk)[:10],
        "can_edit_registration": getattr(request.user, "role", "") in REGISTRARS,
        "care_team_form": CareTeamForm(),
    }
    return render(request, "patients/chart.html", context)


@role_required(*REGISTRARS)
def edit_registration(request: HttpRequest, patient_id: Any) -> HttpResponse:
    patient = access_patient(request.user, patient_id, purpose="edit registration").patient
    form = RegistrationForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        # form.is_valid() wrote the values onto the instance; reload so the action compares.
        patient.refresh_from_db()
        changed = actions.do_update_registration(patient, form.cleaned_data, by=request.user)
        messages.success(
            request, f"Saved: {', '.join(changed)}." if changed else "Nothing changed."
        )
        return redirect("patients:chart", patient_id=patient.pk)
    return render(request, "patients/edit.html", {"form": form, "patient": patient})


@role_required(Role.CLINICIAN)
def break_glass(request: HttpRequest, patient_id: Any) -> HttpResponse:
    form = BreakGlassForm(request.POST or None)
    try:
        access_patient(request.user, patient_id, purpose="break-glass request")
        return redirect("patients:chart", patient_id=patient_id)  # already allowed
    except BreakGlassRequired as refused:
        patient = refused.patient
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_break_glass(patient, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error("reason", error)
        else:
            messages.warning(
                request,
                "Emergency access granted for 4 hours. It is recorded with your reason and "
                "reviewed by the clinic.",
            )
            return redirect("patients:chart", patient_id=patient.pk)
    return render(
        request, "patients/break_glass.html", {"patient": patient, "form": form}, status=403
    )


def _may_manage_care_team(request: HttpRequest, access: PatientAccess) -> None:
    if request.user.role == Role.CLINICIAN and not access.clinical:  # type: ignore[union-attr]
        raise PermissionDenied("Only the care team can change the care team.")


@require_POST
@staff_required
def add_care_team_member(request: HttpRequest, patient_id: Any) -> HttpResponse:
    access = access_patient(request.user, patient_id, purpose="care team")
    _may_manage_care_team(request, access)
    form = CareTeamForm(request.POST)
    if form.is_valid():
        try:
            actions.do_add_care_team_member(
                access.patient,
                form.cleaned_data["practitioner"],
                discipline=form.cleaned_data["discipline"],
                is_lead=form.cleaned_data["is_lead"],
                by=request.user,
            )
            messages.success(request, "Added to the care team.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Choose a clinician to add.")
    return redirect("patients:chart", patient_id=access.patient.pk)


@require_POST
@staff_required
def remove_care_team_member(request: HttpRequest, patient_id: Any, member_id: Any) -> HttpResponse:
    access = access_patient(request.user, patient_id, purpose="care team")
    _may_manage_care_team(request, access)
    member = get_object_or_404(CareTeamMember, pk=member_id, patient=access.patient, active=True)
    actions.do_remove_care_team_member(member, by=request.user)
    messages.success(request, f"{member.practitioner} left the care team.")
    return redirect("patients:chart", patient_id=access.patient.pk)


@role_required(Role.PATIENT)
def my_record(request: HttpRequest) -> HttpResponse:
    """A patient's own registration, care team and who has opened their record."""
    own = getattr(request.user, "patient", None)
    if own is None:
        return render(request, "patients/my_record.html", {"patient": None})
    patient = access_patient(request.user, own.pk, purpose="own record").patient
    context = {
        "patient": patient,
        "care_team": patient.care_team.filter(active=True).select_related(
            "practitioner", "discipline"
        ),
        "recent_access": AuditEvent.objects.filter(patient_id=patient.pk)[:20],
    }
    return render(request, "patients/my_record.html", context)


@staff_required
def access_log(request: HttpRequest, patient_id: Any) -> HttpResponse:
    access = access_patient(request.user, patient_id, purpose="access log")
    events = AuditEvent.objects.filter(patient_id=access.patient.pk).select_related("user")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "patients/access_log.html", {"patient": access.patient, "page": page})
