"""Every state change of the instruments app: definitions loaded, questionnaires recorded,
safety assessments recorded."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from spineclinic.audit.actions import record
from spineclinic.audit.models import Action
from spineclinic.instruments.catalog import active_definition
from spineclinic.instruments.definitions import (
    DefinitionError,
    Instrument,
    load_bundled,
    load_licensed_odi,
)
from spineclinic.instruments.models import (
    INSTRUMENT_NAMES,
    DefinitionSource,
    InstrumentDefinition,
    Intake,
    IntakeStatus,
    QuestionnaireResponse,
    definition_content,
)
from spineclinic.instruments.scoring import SCORERS, InvalidAnswer

log = logging.getLogger(__name__)


def sync_bundled_definitions() -> int:
    """Store every shipped definition that is not stored yet; returns how many were new.

    Idempotent; run after every migrate. The shipped version of an instrument becomes
    active unless the clinic has loaded its own licensed wording, which always wins.
    """
    created_count = 0
    with transaction.atomic():
        for instrument in load_bundled().values():
            content = definition_content(instrument)
            row, created = InstrumentDefinition.objects.get_or_create(
                code=instrument.code,
                version=instrument.version,
                defaults={
                    "title": instrument.title,
                    "licence": instrument.licence,
                    "content": content,
                    "source": DefinitionSource.BUNDLED,
                },
            )
            created_count += created
            if not created and row.content != content:
                # Stored answers name this version: changed wording needs a new version.
                log.warning(
                    "%s %s changed without a new version; the stored wording is kept. "
                    "Raise `version:` in the file.",
                    instrument.code,
                    instrument.version,
                )
            active = (
                InstrumentDefinition.objects.select_for_update()
                .filter(code=instrument.code, active=True)
                .first()
            )
            if active is None or (active.source == DefinitionSource.BUNDLED and active != row):
                _activate(row)
    return created_count


def _activate(row: InstrumentDefinition) -> None:
    # Deactivate first: the partial unique index allows one active row per code.
    InstrumentDefinition.objects.filter(code=row.code, active=True).exclude(pk=row.pk).update(
        active=False
    )
    if not row.active:
        row.active = True
        row.save(update_fields=["active"])


def do_load_licensed_odi(path: str | Path, *, by: Any) -> InstrumentDefinition:
    """Load and activate the Oswestry wording the clinic holds under its Mapi licence."""
    try:
        instrument = load_licensed_odi(path)
    except DefinitionError as error:
        raise ValidationError(str(error)) from error
    content = definition_content(instrument)
    with transaction.atomic():
        row = InstrumentDefinition.objects.filter(
            code=instrument.code, version=instrument.version
        ).first()
        if row is not None and (row.source != DefinitionSource.LICENSED or row.content != content):
            raise ValidationError(
                f"ODI version {instrument.version!r} is already stored with other wording; "
                "give the licensed file its own version."
            )
        if row is None:
            row = InstrumentDefinition.objects.create(
                code=instrument.code,
                version=instrument.version,
                title=instrument.title,
                licence=instrument.licence,
                content=content,
                source=DefinitionSource.LICENSED,
                loaded_by=by,
            )
        _activate(row)
        record(
            Action.UPDATE,
            by=by,
            obj=row,
            detail={"instrument": row.code, "version": row.version, "activated": True},
        )
    return row


def _answers_for(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Every item of the definition, blank ones as None; refuses what the form never offered."""
    known = set(instrument.item_codes)
    unknown = sorted(str(code) for code in answers if code not in known)
    if unknown:
        raise ValidationError(f"{instrument.title}: no item {', '.join(unknown)}.")
    given: dict[str, Any] = {}
    for item in instrument.items:
        value = answers.get(item.code)
        # Non-integers are left to the scoring function, which names them exactly.
        is_int = isinstance(value, int) and not isinstance(value, bool)
        if is_int and value not in item.values:
            allowed = ", ".join(str(v) for v in sorted(item.values))
            raise ValidationError(
                f"{instrument.title}: “{item.text}” must be one of {allowed}, not {value}."
            )
        given[item.code] = value
    return given


def do_record_questionnaire(
    intake: Intake, code: str, answers: Mapping[str, Any], *, by: Any
) -> QuestionnaireResponse:
    """Score and store one questionnaire of an intake in progress.

    Out-of-range or unknown answers are refused with a message naming the item and nothing
    is stored; blanks beyond what the scoring rules allow are stored as "not scoreable",
    never as a number.
    """
    if code not in intake.instruments:
        raise ValidationError(
            f"{INSTRUMENT_NAMES.get(code, code)} is not asked in a "
            f"{intake.get_region_display().lower()} intake."
        )
    definition = active_definition(code)
    given = _answers_for(definition.instrument(), answers)
    try:
        score = SCORERS[code](given)
    except InvalidAnswer as error:
        raise ValidationError(str(error)) from error
    with transaction.atomic():
        # Lock the intake: an answer must not slip in while someone completes it.
        status = (
            Intake.objects.select_for_update().values_list("status", flat=True).get(pk=intake.pk)
        )
        if status != IntakeStatus.IN_PROGRESS:
            raise ValidationError("This intake is completed: its questionnaires cannot change.")
        if QuestionnaireResponse.objects.filter(intake=intake, instrument_code=code).exists():
            raise ValidationError(f"{INSTRUMENT_NAMES[code]} is already recorded for this intake.")
        response = QuestionnaireResponse.from_score(
            score,
            patient=intake.patient,
            intake=intake,
            definition=definition,
            instrument_code=code,
            instrument_version=definition.version,
            answers=given,
            recorded_by=by,
        )
        response.save()
        record(
            Action.CREATE,
            by=by,
            patient_id=intake.patient_id,
            obj=response,
            detail={
                "instrument": code,
                "version": definition.version,
                "scoring_version": score.scoring_version,
                "scoreable": score.scoreable,
                "band": score.band,
                "flags": list(score.flags),
            },
        )
    return response


def do_record_safety_assessment(
    response: QuestionnaireResponse, *, by: Any, note: str
) -> QuestionnaireResponse:
    """A clinician records the same-day safety assessment a PHQ-9 item 9 answer demands."""
    note = note.strip()
    if not response.safety_alert:
        raise ValidationError("This questionnaire raised no safety alert.")
    if len(note) < 10:
        raise ValidationError("Say what the safety assessment found (at least 10 characters).")
    with transaction.atomic():
        # Lock the row: two clinicians closing one alert at once must not both write.
        locked = QuestionnaireResponse.objects.select_for_update().get(pk=response.pk)
        if locked.safety_reviewed_at is not None:
            raise ValidationError("The safety assessment is already recorded.")
        locked.safety_reviewed_by = by
        locked.safety_reviewed_at = timezone.now()
        locked.safety_review_note = note
        locked.save(
            update_fields=["safety_reviewed_by", "safety_reviewed_at", "safety_review_note"]
        )
        record(
            Action.UPDATE,
            by=by,
            patient_id=locked.patient_id,
            obj=locked,
            detail={"safety_assessment": "recorded"},
        )
    return locked


def do_activate_definition(row: InstrumentDefinition, *, by: Any) -> None:
    """Make one stored wording the one forms show, e.g. back to the demo after a licence ends."""
    with transaction.atomic():
        _activate(row)
        record(
            Action.UPDATE,
            by=by,
            obj=row,
            detail={"instrument": row.code, "version": row.version, "activated": True},
        )
