"""Every state change of the pathways app: intakes started and completed, recommendations
accepted or overridden, rule sets saved and activated. Each writes its audit row in the
same transaction as the change."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from spineclinic.accounts.models import Role
from spineclinic.audit.actions import record
from spineclinic.audit.models import Action
from spineclinic.instruments.actions import do_record_questionnaire
from spineclinic.instruments.catalog import clinic_thresholds
from spineclinic.instruments.models import (
    INTAKE_TRANSITIONS,
    MAX_PAIN_WEEKS,
    ImagingConcordance,
    Intake,
    IntakeKind,
    IntakeStatus,
    Region,
)
from spineclinic.pathways.active import active_rules, in_house_disciplines
from spineclinic.pathways.engine import evaluate
from spineclinic.pathways.facts import TREATMENTS, FactsError, validate_facts
from spineclinic.pathways.intake_facts import (
    TREATMENT_NAMES,
    TREATMENT_RESPONSES,
    answer_contradictions,
    intake_facts,
    missing_instruments,
    treatment_contradictions,
)
from spineclinic.pathways.models import (
    RECOMMENDATION_TRANSITIONS,
    Recommendation,
    RecommendationEvent,
    RecommendationStatus,
    RuleSet,
    RuleSetSource,
)
from spineclinic.pathways.rules import DISCIPLINES, RuleFileError, parse_rules
from spineclinic.patients.models import Patient

# ------------------------------------------------------------------------------ intakes


@dataclass(frozen=True)
class IntakeDetails:
    """The history an intake starts with; see instruments.models.Intake for each field."""

    region: str
    pain_duration_weeks: int
    leg_dominant: bool = False
    prior_treatments: Sequence[Mapping[str, Any]] = ()
    radicular_pain: bool | None = None
    imaging_concordant: str = ""
    not_surgical_candidate: bool = False
    follow_up: bool = False


def _clean_treatments(treatments: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    for entry in treatments:
        treatment, weeks, response = (
            entry.get("treatment"),
            entry.get("weeks"),
            entry.get("response"),
        )
        if treatment not in TREATMENTS:
            raise ValidationError(f"Unknown treatment {treatment!r}.")
        name = TREATMENT_NAMES[treatment]
        if (
            isinstance(weeks, bool)
            or not isinstance(weeks, int)
            or not 0 <= weeks <= MAX_PAIN_WEEKS
        ):
            raise ValidationError(f"{name}: give the weeks of treatment as a whole number.")
        if response not in TREATMENT_RESPONSES:
            raise ValidationError(f"{name}: say how it went.")
        if any(c["treatment"] == treatment for c in cleaned):
            raise ValidationError(f"{name} is listed twice; give it once, with its total weeks.")
        cleaned.append({"treatment": treatment, "weeks": weeks, "response": response})
    return cleaned


def _check_details(details: IntakeDetails) -> list[dict[str, Any]]:
    if details.region not in Region.values:
        raise ValidationError("Choose where the pain is: low back, neck, or both.")
    weeks = details.pain_duration_weeks
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 0 <= weeks <= MAX_PAIN_WEEKS:
        raise ValidationError(f"Pain duration is a whole number of weeks, 0 to {MAX_PAIN_WEEKS}.")
    if details.imaging_concordant not in ImagingConcordance.values:
        raise ValidationError("Unknown imaging finding.")
    treatments = _clean_treatments(details.prior_treatments)
    problems = treatment_contradictions(treatments, weeks)
    if problems:
        raise ValidationError(problems)
    return treatments


def latest_baseline(patient: Patient) -> Intake | None:
    """The first assessment a follow-up is compared with: the newest completed one."""
    return (
        Intake.objects.filter(
            patient=patient, kind=IntakeKind.INITIAL, status=IntakeStatus.COMPLETED
        )
        .order_by("-completed_at")
        .first()
    )


def do_start_intake(patient: Patient, details: IntakeDetails, *, by: Any) -> Intake:
    """Open an intake with the history taken; questionnaires are recorded on it next.

    A contradictory history (a treatment longer than the pain) is refused with a message
    and nothing is stored.
    """
    treatments = _check_details(details)
    baseline = None
    if details.follow_up:
        baseline = latest_baseline(patient)
        if baseline is None:
            raise ValidationError(
                "There is no completed first assessment to follow up: start a first assessment."
            )
    with transaction.atomic():
        intake = Intake.objects.create(
            patient=patient,
            kind=IntakeKind.FOLLOW_UP if baseline else IntakeKind.INITIAL,
            baseline=baseline,
            region=details.region,
            pain_duration_weeks=details.pain_duration_weeks,
            leg_dominant=details.leg_dominant,
            radicular_pain=details.radicular_pain,
            imaging_concordant=details.imaging_concordant,
            not_surgical_candidate=details.not_surgical_candidate,
            prior_treatments=treatments,
            started_by=by,
        )
        record(
            Action.CREATE,
            by=by,
            patient_id=patient.pk,
            obj=intake,
            detail={"kind": intake.kind, "region": intake.region},
        )
    return intake


def do_complete_intake(intake: Intake, *, by: Any) -> Recommendation:
    """Close the intake: build the facts from its scores, run the active rules, and store
    the recommendation (pending a clinician's decision).

    Missing questionnaires and contradictions between the answers and the history are
    refused with a message; the intake stays in progress and nothing else changes.
    """
    with transaction.atomic():
        # Lock the intake: two people completing it at once must not make two results.
        intake = Intake.objects.select_for_update().select_related("patient").get(pk=intake.pk)
        if IntakeStatus.COMPLETED not in INTAKE_TRANSITIONS[intake.status]:
            raise ValidationError("This intake is already completed.")
        responses = intake.responses_by_code()
        missing = missing_instruments(intake, responses)
        if missing:
            raise ValidationError(f"Record {', '.join(missing)} before completing the intake.")
        problems = answer_contradictions(intake, responses)
        if problems:
            raise ValidationError(problems)
        built = intake_facts(
            intake,
            responses,
            baseline=intake.baseline.responses_by_code() if intake.baseline else {},
            thresholds=clinic_thresholds(),
            today=timezone.localdate(),
        )
        try:
            checked = validate_facts(built.facts)
        except FactsError as error:  # a fact this module built wrongly: a bug, said plainly
            raise ValidationError(f"The intake could not be turned into facts: {error}") from error
        if checked.errors:
            raise ValidationError([problem.message for problem in checked.errors])
        stored_rules, rules = active_rules()
        result = evaluate(rules, built.facts, in_house_disciplines())

        intake.status = IntakeStatus.COMPLETED
        intake.completed_by = by
        intake.completed_at = timezone.now()
        intake.save(update_fields=["status", "completed_by", "completed_at"])
        _supersede_pending(intake, by=by)
        data = result.to_dict()
        recommendation = Recommendation.objects.create(
            patient=intake.patient,
            intake=intake,
            ruleset=stored_rules,
            rules_version=result.rules_version,
            facts=built.facts,
            response_measures=[change.to_dict() for change in built.measures],
            result=data,
            outcome=result.status.value,
            urgency=result.urgency.value,
            disciplines=data["disciplines"],
            choices=data["choices"],
            rules_fired=list(result.rules_fired),
            explanation=result.explanation,
        )
        record(
            Action.UPDATE,
            by=by,
            patient_id=intake.patient_id,
            obj=intake,
            detail={"status": IntakeStatus.COMPLETED},
        )
        record(
            Action.CREATE,
            by=by,
            patient_id=intake.patient_id,
            obj=recommendation,
            detail={
                "rules_version": result.rules_version,
                "outcome": result.status.value,
                "urgency": result.urgency.value,
                "disciplines": list(result.discipline_codes),
                "rules_fired": list(result.rules_fired),
            },
        )
    return recommendation


def _supersede_pending(intake: Intake, *, by: Any) -> None:
    """An undecided recommendation of an earlier intake no longer stands once a newer
    intake speaks: it leaves the clinicians' queue, with its history kept."""
    older = Recommendation.objects.select_for_update().filter(
        patient=intake.patient, status=RecommendationStatus.PENDING
    )
    for recommendation in older:
        recommendation.status = RecommendationStatus.SUPERSEDED
        recommendation.save(update_fields=["status"])
        RecommendationEvent.objects.create(
            recommendation=recommendation,
            from_status=RecommendationStatus.PENDING,
            to_status=RecommendationStatus.SUPERSEDED,
            by=by,
            reason=f"Replaced by the recommendation of the intake of {intake.started_at:%Y-%m-%d}.",
        )
        record(
            Action.UPDATE,
            by=by,
            patient_id=intake.patient_id,
            obj=recommendation,
            detail={"status": RecommendationStatus.SUPERSEDED.value, "by_intake": str(intake.pk)},
        )


def do_submit_intake(
    patient: Patient,
    details: IntakeDetails,
    answers: Mapping[str, Mapping[str, Any]],
    *,
    by: Any,
) -> Recommendation:
    """The whole intake form at once: start, record every questionnaire, complete.

    One transaction: a refusal at any step (an answer out of range, a contradiction)
    leaves nothing half-saved.
    """
    with transaction.atomic():
        intake = do_start_intake(patient, details, by=by)
        for code in intake.instruments:
            if code in answers:
                do_record_questionnaire(intake, code, answers[code], by=by)
        return do_complete_intake(intake, by=by)


# ------------------------------------------------------------------------------ decisions


def _decide(
    recommendation: Recommendation,
    to_status: RecommendationStatus,
    *,
    by: Any,
    disciplines: list[str],
    reason: str = "",
) -> Recommendation:
    if getattr(by, "role", None) != Role.CLINICIAN:
        raise PermissionDenied("Only a clinician decides on a recommendation.")
    with transaction.atomic():
        # Lock the row: two clinicians deciding at once must not both win.
        locked = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
        if to_status not in RECOMMENDATION_TRANSITIONS[locked.status]:
            raise ValidationError(
                f"This recommendation was already {locked.get_status_display().lower()}."
            )
        from_status = locked.status
        locked.status = to_status
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.decided_disciplines = disciplines
        locked.override_reason = reason
        locked.save(
            update_fields=[
                "status",
                "decided_by",
                "decided_at",
                "decided_disciplines",
                "override_reason",
            ]
        )
        RecommendationEvent.objects.create(
            recommendation=locked,
            from_status=from_status,
            to_status=to_status,
            by=by,
            disciplines=disciplines,
            reason=reason,
        )
        detail: dict[str, Any] = {"status": to_status.value, "disciplines": disciplines}
        if reason:
            detail["reason"] = reason
        record(Action.UPDATE, by=by, patient_id=locked.patient_id, obj=locked, detail=detail)
    return locked


def do_accept_recommendation(
    recommendation: Recommendation, *, by: Any, choices: Sequence[int] = ()
) -> Recommendation:
    """Accept what the rules recommend; `choices` picks one option of each choice, in order
    (e.g. orthopaedic spine surgery rather than neurosurgery)."""
    if recommendation.needs_review:
        raise ValidationError(
            "The rules could not recommend on their own: choose the disciplines and give "
            "your reason instead."
        )
    if len(choices) != len(recommendation.choices):
        raise ValidationError("Choose one option for each choice the recommendation offers.")
    decided = [advice["code"] for advice in recommendation.disciplines]
    for index, picked in enumerate(choices):
        options = recommendation.option_codes(index)
        if not 0 <= picked < len(options):
            raise ValidationError("Choose one of the options offered.")
        decided.extend(code for code in options[picked] if code not in decided)
    return _decide(recommendation, RecommendationStatus.ACCEPTED, by=by, disciplines=decided)


def do_override_recommendation(
    recommendation: Recommendation, *, by: Any, disciplines: Sequence[str], reason: str
) -> Recommendation:
    """Refer elsewhere than the rules say; the reason is required and recorded."""
    reason = reason.strip()
    if len(reason) < 10:
        raise ValidationError("Give the clinical reason for the override (at least 10 characters).")
    chosen = list(dict.fromkeys(disciplines))
    if not chosen:
        raise ValidationError("Choose the discipline(s) the patient should see instead.")
    unknown = [code for code in chosen if code not in DISCIPLINES]
    if unknown:
        raise ValidationError(f"Unknown discipline {', '.join(unknown)}.")
    return _decide(
        recommendation,
        RecommendationStatus.OVERRIDDEN,
        by=by,
        disciplines=chosen,
        reason=reason,
    )


# ------------------------------------------------------------------------------ rule sets


def rule_file_messages(error: RuleFileError) -> list[str]:
    return [
        f"line {line}: {reason}" if line is not None else reason for line, reason in error.problems
    ]


def do_save_ruleset(yaml_text: str, *, by: Any, based_on: RuleSet | None = None) -> RuleSet:
    """Store edited rules as a new, inactive version. An invalid file is refused with the
    line and reason of every problem; nothing is stored and the active rules stay."""
    yaml_text = yaml_text.replace("\r\n", "\n")  # a browser's textarea sends CRLF
    try:
        parsed = parse_rules(yaml_text, source="the edited rules")
    except RuleFileError as error:
        raise ValidationError(rule_file_messages(error)) from error
    with transaction.atomic():
        if RuleSet.objects.filter(version=parsed.version).exists():
            raise ValidationError(
                f"Version {parsed.version!r} already exists: give the edited rules a new "
                "version (e.g. add -2)."
            )
        ruleset = RuleSet.objects.create(
            version=parsed.version,
            description=parsed.description,
            yaml_text=yaml_text,
            source=RuleSetSource.CLINIC,
            based_on=based_on,
            created_by=by,
        )
        record(
            Action.CREATE,
            by=by,
            obj=ruleset,
            detail={"rules_version": ruleset.version, "rules": len(parsed.rules)},
        )
    return ruleset


def do_activate_ruleset(ruleset: RuleSet, *, by: Any) -> RuleSet:
    """Make `ruleset` the rules every new recommendation uses."""
    with transaction.atomic():
        # Lock every active row: two admins activating at once must leave exactly one.
        previous = list(RuleSet.objects.select_for_update().filter(active=True))
        ruleset = RuleSet.objects.select_for_update().get(pk=ruleset.pk)
        if ruleset.active:
            raise ValidationError(f"Rules {ruleset.version} are already active.")
        try:
            ruleset.parsed()  # stored text was valid when saved; the parser may have moved on
        except RuleFileError as error:
            raise ValidationError(rule_file_messages(error)) from error
        RuleSet.objects.filter(pk__in=[row.pk for row in previous]).update(active=False)
        ruleset.active = True
        ruleset.activated_by = by
        ruleset.activated_at = timezone.now()
        ruleset.save(update_fields=["active", "activated_by", "activated_at"])
        record(
            Action.UPDATE,
            by=by,
            obj=ruleset,
            detail={
                "rules_version": ruleset.version,
                "activated": True,
                "replaces": [row.version for row in previous],
            },
        )
    return ruleset


def default_rules_text() -> str:
    return (
        resources.files("spineclinic.pathways")
        .joinpath("default_rules.yaml")
        .read_text(encoding="utf-8")
    )


def ensure_default_ruleset() -> RuleSet:
    """Store the shipped default rules (idempotent; run after every migrate).

    A new shipped version becomes active only while the clinic runs shipped rules: rules
    the clinic edited stay active until an admin chooses otherwise.
    """
    text = default_rules_text()
    parsed = parse_rules(text, source="default_rules.yaml")
    with transaction.atomic():
        ruleset, _ = RuleSet.objects.get_or_create(
            version=parsed.version,
            defaults={
                "description": parsed.description,
                "yaml_text": text,
                "source": RuleSetSource.BUNDLED,
            },
        )
        active = RuleSet.objects.select_for_update().filter(active=True).first()
        if active is None or (active.source == RuleSetSource.BUNDLED and active != ruleset):
            RuleSet.objects.filter(active=True).update(active=False)
            ruleset.active = True
            ruleset.activated_at = timezone.now()
            ruleset.save(update_fields=["active", "activated_at"])
    return ruleset
