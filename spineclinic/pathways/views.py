from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from spineclinic.accounts.access import role_required, staff_required
from spineclinic.accounts.models import Role
from spineclinic.instruments.actions import do_record_safety_assessment
from spineclinic.instruments.models import DISABILITY_INSTRUMENTS, Intake, Region
from spineclinic.pathways import actions
from spineclinic.pathways.access import access_intake, access_recommendation, access_response
from spineclinic.pathways.active import active_rules
from spineclinic.pathways.forms import (
    AcceptForm,
    IntakePage,
    OverrideForm,
    RulesForm,
    SafetyAssessmentForm,
    questionnaire_forms,
)
from spineclinic.pathways.intake_facts import treatment_rows
from spineclinic.pathways.models import Recommendation, RecommendationStatus, RuleSet
from spineclinic.pathways.preview import preview_rules
from spineclinic.pathways.rules import RuleFileError, parse_rules
from spineclinic.patients.access import (
    BreakGlassRequired,
    Level,
    PatientAccess,
    access_patient,
)
from spineclinic.patients.forms import BreakGlassForm

INTAKE_ROLES = (Role.FRONT_DESK, Role.CLINICIAN)


def _open_patient(
    request: HttpRequest, patient_id: Any, purpose: str
) -> PatientAccess | HttpResponse:
    # Clinicians start intakes for their own patients (clinical level); the front desk
    # for any registered patient (registration level: it will not see the scores).
    clinician = request.user.role == Role.CLINICIAN  # type: ignore[union-attr]
    level: Level = "clinical" if clinician else "registration"
    try:
        return access_patient(request.user, patient_id, level=level, purpose=purpose)
    except BreakGlassRequired as refused:
        context = {"patient": refused.patient, "form": BreakGlassForm()}
        return render(request, "patients/break_glass.html", context, status=403)


@role_required(*INTAKE_ROLES)
def start_intake(request: HttpRequest, patient_id: Any) -> HttpResponse:
    access = _open_patient(request, patient_id, "intake")
    if isinstance(access, HttpResponse):
        return access
    patient = access.patient
    baseline = actions.latest_baseline(patient)
    page = IntakePage(
        request.POST or None,
        baseline=baseline,
        questionnaires_url=reverse("pathways:intake_questionnaires"),
    )
    errors: list[str] = []
    if request.method == "POST":
        if page.is_valid():
            try:
                recommendation = actions.do_submit_intake(
                    patient, page.intake_details(), page.answers(), by=request.user
                )
            except ValidationError as error:
                errors = error.messages
            else:
                return _after_intake(request, recommendation)
        else:
            errors = ["Some answers are missing or not valid: see the items marked below."]
    context = {"patient": patient, "page": page, "errors": errors, "baseline": baseline}
    return render(request, "pathways/intake_form.html", context, status=400 if errors else 200)


def _after_intake(request: HttpRequest, recommendation: Recommendation) -> HttpResponse:
    safety = any(r.safety_alert for r in recommendation.intake.responses.all())
    if request.user.role == Role.CLINICIAN:  # type: ignore[union-attr]
        messages.success(request, "Intake completed and scored.")
        return redirect("pathways:intake", intake_id=recommendation.intake_id)
    if safety:
        messages.error(
            request,
            "SAFETY ALERT: the patient answered PHQ-9 item 9 above 0 (thoughts of self-harm). "
            "Tell the clinician on duty now; a same-day safety assessment is needed.",
        )
    messages.success(
        request, "Intake completed. The care team sees the scores and the recommendation."
    )
    return redirect("patients:chart", patient_id=recommendation.patient_id)


@role_required(*INTAKE_ROLES)
def intake_questionnaires(request: HttpRequest) -> HttpResponse:
    """The disability questionnaire(s) for a region: swapped into the intake form by htmx."""
    region = request.GET.get("region", Region.LOW_BACK)
    if region not in Region.values:
        region = Region.LOW_BACK
    context = {"forms": questionnaire_forms(DISABILITY_INSTRUMENTS[region])}
    return render(request, "pathways/_disability.html", context)


def _intake_context(request: HttpRequest, intake: Intake, **forms: Any) -> dict[str, Any]:
    recommendation = intake.recommendations.first()
    decide = (
        recommendation is not None
        and recommendation.status == RecommendationStatus.PENDING
        and request.user.role == Role.CLINICIAN  # type: ignore[union-attr]
    )
    context: dict[str, Any] = {
        "patient": intake.patient,
        "intake": intake,
        "responses": intake.responses_in_order(),
        "treatments": treatment_rows(intake),
        "recommendation": recommendation,
        "can_decide": decide,
        "safety_form": SafetyAssessmentForm(),
    }
    if recommendation is not None and decide:
        context["accept_form"] = forms.get("accept_form") or AcceptForm(
            recommendation=recommendation
        )
        context["override_form"] = forms.get("override_form") or OverrideForm()
    return context


@staff_required
def intake_detail(request: HttpRequest, intake_id: Any) -> HttpResponse:
    _, intake = access_intake(request.user, intake_id, purpose="intake results")
    return render(request, "pathways/intake_detail.html", _intake_context(request, intake))


@require_POST
@role_required(Role.CLINICIAN)
def accept_recommendation(request: HttpRequest, recommendation_id: Any) -> HttpResponse:
    _, recommendation = access_recommendation(
        request.user, recommendation_id, purpose="accept recommendation"
    )
    form = AcceptForm(request.POST, recommendation=recommendation)
    if form.is_valid():
        try:
            actions.do_accept_recommendation(
                recommendation, by=request.user, choices=form.choices()
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Recommendation accepted.")
        return redirect("pathways:intake", intake_id=recommendation.intake_id)
    context = _intake_context(request, recommendation.intake, accept_form=form)
    return render(request, "pathways/intake_detail.html", context, status=400)


@require_POST
@role_required(Role.CLINICIAN)
def override_recommendation(request: HttpRequest, recommendation_id: Any) -> HttpResponse:
    _, recommendation = access_recommendation(
        request.user, recommendation_id, purpose="override recommendation"
    )
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            actions.do_override_recommendation(
                recommendation,
                by=request.user,
                disciplines=form.cleaned_data["disciplines"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Override recorded, with your reason.")
        return redirect("pathways:intake", intake_id=recommendation.intake_id)
    context = _intake_context(request, recommendation.intake, override_form=form)
    return render(request, "pathways/intake_detail.html", context, status=400)


@require_POST
@role_required(Role.CLINICIAN)
def record_safety_assessment(request: HttpRequest, response_id: Any) -> HttpResponse:
    _, response = access_response(request.user, response_id, purpose="safety assessment")
    form = SafetyAssessmentForm(request.POST)
    if form.is_valid():
        try:
            do_record_safety_assessment(response, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Safety assessment recorded.")
    else:
        messages.error(request, "Say what the safety assessment found (at least 10 characters).")
    if response.intake_id is None:
        return redirect("patients:chart", patient_id=response.patient_id)
    return redirect("pathways:intake", intake_id=response.intake_id)


# ------------------------------------------------------------------------------ rules


@role_required(Role.CLINIC_ADMIN)
def rules_list(request: HttpRequest) -> HttpResponse:
    rulesets = RuleSet.objects.select_related("created_by", "activated_by")
    return render(request, "pathways/rules_list.html", {"rulesets": rulesets})


def _ruleset_or_none(ruleset_id: str) -> RuleSet | None:
    try:
        return RuleSet.objects.filter(pk=uuid.UUID(ruleset_id)).first()
    except ValueError:
        return None


@role_required(Role.CLINIC_ADMIN)
def rules_edit(request: HttpRequest) -> HttpResponse:
    """Edit a copy of a rule set: check and preview it on the sample cases, then save it."""
    based_on = _ruleset_or_none(request.GET.get("from", ""))
    if based_on is None:
        based_on = RuleSet.objects.filter(active=True).first()
    initial = {"yaml_text": based_on.yaml_text if based_on else actions.default_rules_text()}
    form = RulesForm(request.POST or None, initial=initial)
    problems: list[str] = []
    preview = None
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["yaml_text"]
        if "save" in request.POST:
            try:
                ruleset = actions.do_save_ruleset(text, by=request.user, based_on=based_on)
            except ValidationError as error:
                problems = error.messages
            else:
                messages.success(
                    request, f"Saved rules {ruleset.version}. Check the preview, then activate."
                )
                return redirect("pathways:rules_detail", ruleset_id=ruleset.pk)
        else:
            try:
                preview = preview_rules(parse_rules(text, "the edited rules"), active_rules()[1])
            except RuleFileError as error:
                problems = actions.rule_file_messages(error)
    context = {"form": form, "based_on": based_on, "problems": problems, "preview": preview}
    return render(request, "pathways/rules_edit.html", context, status=400 if problems else 200)


@role_required(Role.CLINIC_ADMIN)
def rules_detail(request: HttpRequest, ruleset_id: Any) -> HttpResponse:
    ruleset = get_object_or_404(RuleSet, pk=ruleset_id)
    preview = None if ruleset.active else preview_rules(ruleset.parsed(), active_rules()[1])
    return render(request, "pathways/rules_detail.html", {"ruleset": ruleset, "preview": preview})


@role_required(Role.CLINIC_ADMIN)
@require_POST
def rules_activate(request: HttpRequest, ruleset_id: Any) -> HttpResponse:
    ruleset = get_object_or_404(RuleSet, pk=ruleset_id)
    try:
        actions.do_activate_ruleset(ruleset, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Rules {ruleset.version} are now active for new intakes.")
    return redirect("pathways:rules_detail", ruleset_id=ruleset.pk)
