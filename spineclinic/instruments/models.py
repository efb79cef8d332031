"""Stored questionnaire definitions, intakes and scored questionnaire responses.

A response keeps together what a later reader needs to trust its number: the raw answers,
the exact score, the band, the instrument version the patient saw and the version of the
scoring rules that produced the result (STYLE 10). Scores are exact: a Fraction kept as
text ("320/9"), with a rounded copy for display and sorting only.
"""

from __future__ import annotations

import uuid
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from spineclinic.instruments.definitions import Instrument, parse_definition
from spineclinic.instruments.response import MEASURES, ImportantChange
from spineclinic.instruments.scoring import SAFETY_ALERT, Score
from spineclinic.patients.models import Patient

# The instruments an intake may carry, in the order a clinician reads them.
INSTRUMENT_ORDER = ("red_flags", "nrs", "odi", "ndi", "sbst", "phq9")
INSTRUMENT_NAMES = {
    "red_flags": "Red flags",
    "nrs": "Pain (NRS)",
    "odi": "Oswestry Disability Index",
    "ndi": "Neck Disability Index",
    "sbst": "STarT Back",
    "phq9": "PHQ-9",
}
# Pain lasting longer than this is a data-entry slip (50 years), not a history.
MAX_PAIN_WEEKS = 2600


class DefinitionSource(models.TextChoices):
    BUNDLED = "bundled", "Shipped with spineclinic"
    LICENSED = "licensed", "Loaded by the clinic under its own licence"


class InstrumentDefinition(models.Model):
    """One version of an instrument's wording; the active one is what forms show."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=32)
    version = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    licence = models.TextField(blank=True)
    # The definition in its file format (format 1), enough to rebuild the Instrument.
    content = models.JSONField()
    source = models.CharField(max_length=8, choices=DefinitionSource.choices)
    active = models.BooleanField(default=False)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="one_definition_per_version"),
            # Two active wordings would let two forms of one instrument circulate at once.
            models.UniqueConstraint(
                fields=["code"], condition=Q(active=True), name="one_active_definition"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"

    def instrument(self) -> Instrument:
        cached: Instrument | None = getattr(self, "_instrument", None)
        if cached is None:
            cached = parse_definition(self.content, Path(f"database/{self.code}/{self.version}"))
            self._instrument = cached
        return cached


def definition_content(instrument: Instrument) -> dict[str, Any]:
    """An Instrument back in its file format, so parse_definition rebuilds it unchanged."""
    return {
        "format": 1,
        "code": instrument.code,
        "version": instrument.version,
        "title": instrument.title,
        "licence": instrument.licence,
        "recall_period": instrument.recall_period,
        "source": instrument.source,
        "items": [
            {
                "code": item.code,
                "text": item.text,
                "required": item.required,
                "tags": list(item.tags),
                "options": [{"value": o.value, "label": o.label} for o in item.options],
            }
            for item in instrument.items
        ],
    }


class Measure(models.TextChoices):
    ODI = "odi", "ODI percent"
    NDI = "ndi", "NDI raw score (out of 50)"
    NRS_BACK = "nrs_back", "Back pain NRS"
    NRS_LEG = "nrs_leg", "Leg pain NRS"


class ResponseThreshold(models.Model):
    """The clinic's own important-change threshold for one measure (REFERENCE 4-6).

    Without a row the published default of instruments.response applies; a clinic that
    follows a surgical cohort sets NDI to 13.4 points here (REFERENCE 5).
    """

    measure = models.CharField(max_length=16, choices=Measure.choices, unique=True)
    points = models.DecimalField(max_digits=6, decimal_places=2)
    fraction_of_baseline = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="e.g. 0.300 for 30% of the baseline score; blank for points only.",
    )
    source = models.CharField(max_length=200, blank=True, help_text="Where the figure comes from")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["measure"]

    def __str__(self) -> str:
        return f"{self.get_measure_display()}: {self.describe()}"

    def describe(self) -> str:
        text = f"{self.points.normalize():f} points"
        if self.fraction_of_baseline is not None:
            text += f" or {(self.fraction_of_baseline * 100).normalize():f}% of the baseline"
        return text

    def important_change(self) -> ImportantChange:
        return ImportantChange(self.points, self.fraction_of_baseline, self.source)

    def clean(self) -> None:
        if self.measure not in MEASURES:
            raise ValidationError({"measure": "Unknown measure."})
        try:
            self.important_change()
        except (TypeError, ValueError) as error:
            raise ValidationError(str(error)) from error


class Region(models.TextChoices):
    LOW_BACK = "low_back", "Low back"
    NECK = "neck", "Neck"
    BOTH = "both", "Low back and neck"


class IntakeKind(models.TextChoices):
    INITIAL = "initial", "First assessment"
    FOLLOW_UP = "follow_up", "Follow-up"


class IntakeStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


INTAKE_TRANSITIONS: dict[str, frozenset[str]] = {
    IntakeStatus.IN_PROGRESS: frozenset({IntakeStatus.COMPLETED}),
    IntakeStatus.COMPLETED: frozenset(),
}


class ImagingConcordance(models.TextChoices):
    NOT_RECORDED = "", "Not recorded"
    UNKNOWN = "unknown", "Not imaged, or not read yet"
    YES = "yes", "MRI matches the symptoms"
    NO = "no", "MRI does not match the symptoms"


class Intake(models.Model):
    """One screening of one patient: the history taken and the questionnaires answered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="intakes")
    kind = models.CharField(max_length=12, choices=IntakeKind.choices, default=IntakeKind.INITIAL)
    # A follow-up is compared with the first assessment of the same episode.
    baseline = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups"
    )
    region = models.CharField(max_length=10, choices=Region.choices)
    pain_duration_weeks = models.PositiveIntegerField(
        validators=[MaxValueValidator(MAX_PAIN_WEEKS)]
    )
    leg_dominant = models.BooleanField("leg pain worse than back pain", default=False)
    # Clinician's findings; None / "" means not assessed, which differs from "no".
    radicular_pain = models.BooleanField(null=True, blank=True)
    imaging_concordant = models.CharField(
        max_length=8, choices=ImagingConcordance.choices, blank=True, default=""
    )
    not_surgical_candidate = models.BooleanField(default=False)
    # [{"treatment": code, "weeks": int, "response": improved|no_important_change|worse|unknown}]
    prior_treatments = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=12, choices=IntakeStatus.choices, default=IntakeStatus.IN_PROGRESS
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["patient", "-started_at"], name="intake_patient_started")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.patient} on {self.started_at:%Y-%m-%d}"

    @property
    def disability_instruments(self) -> tuple[str, ...]:
        return DISABILITY_INSTRUMENTS[self.region]

    @property
    def instruments(self) -> tuple[str, ...]:
        """Every questionnaire this intake asks, in reading order."""
        return instruments_for_region(self.region)

    def responses_by_code(self) -> dict[str, QuestionnaireResponse]:
        return {r.instrument_code: r for r in self.responses.all()}

    def responses_in_order(self) -> list[QuestionnaireResponse]:
        by_code = self.responses_by_code()
        return [by_code[code] for code in INSTRUMENT_ORDER if code in by_code]


# ODI measures low back disability (REFERENCE 4), NDI neck disability (REFERENCE 5).
DISABILITY_INSTRUMENTS: dict[str, tuple[str, ...]] = {
    Region.LOW_BACK: ("odi",),
    Region.NECK: ("ndi",),
    Region.BOTH: ("odi", "ndi"),
}


def instruments_for_region(region: str) -> tuple[str, ...]:
    disability = DISABILITY_INSTRUMENTS[region]
    return tuple(
        code for code in INSTRUMENT_ORDER if code in disability or code not in ("odi", "ndi")
    )


def _fraction_text(value: Fraction | None) -> str:
    return "" if value is None else str(value)


class QuestionnaireResponse(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    intake = models.ForeignKey(
        Intake, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    definition = models.ForeignKey(InstrumentDefinition, on_delete=models.PROTECT, related_name="+")
    instrument_code = models.CharField(max_length=32)
    instrument_version = models.CharField(max_length=64)
    # Item code -> the option value given, or None when left blank: exactly what was answered.
    answers = models.JSONField()
    scoring_version = models.CharField(max_length=32)
    scoreable = models.BooleanField()
    reason = models.TextField(blank=True)
    # Exact values as Fraction text ("320/9"); blank when not scoreable or not defined.
    total = models.CharField(max_length=40, blank=True)
    percent = models.CharField(max_length=40, blank=True)
    # Rounded half up for display and sorting only; decisions use the exact values.
    total_shown = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    percent_shown = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    places = models.PositiveSmallIntegerField(default=0)
    band = models.CharField(max_length=32, blank=True)
    subscores = models.JSONField(default=dict, blank=True)
    flags = models.JSONField(default=list, blank=True)
    missing = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # PHQ-9 item 9 above 0: who assessed the patient's safety, when, and what they found.
    safety_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    safety_reviewed_at = models.DateTimeField(null=True, blank=True)
    safety_review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake", "instrument_code"], name="one_response_per_instrument"
            )
        ]
        indexes = [
            models.Index(
                fields=["patient", "instrument_code", "-recorded_at"], name="response_patient_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} {self.instrument_version} of {self.patient}"

    @classmethod
    def from_score(cls, score: Score, **fields: Any) -> QuestionnaireResponse:
        return cls(
            scoring_version=score.scoring_version,
            scoreable=score.scoreable,
            reason=score.reason,
            total=_fraction_text(score.total),
            percent=_fraction_text(score.percent),
            total_shown=score.total_shown,
            percent_shown=score.percent_shown,
            places=score.places,
            band=score.band or "",
            subscores=dict(score.subscores),
            flags=list(score.flags),
            missing=list(score.missing),
            **fields,
        )

    def score(self) -> Score:
        """The stored result as the pure layer's Score, for comparisons over time."""
        return Score(
            instrument=self.instrument_code,
            scoring_version=self.scoring_version,
            scoreable=self.scoreable,
            reason=self.reason,
            total=Fraction(self.total) if self.total else None,
            percent=Fraction(self.percent) if self.percent else None,
            band=self.band or None,
            subscores=self.subscores,
            flags=tuple(self.flags),
            missing=tuple(self.missing),
            places=self.places,
        )

    @property
    def name(self) -> str:
        return INSTRUMENT_NAMES.get(self.instrument_code, self.instrument_code)

    @property
    def band_label(self) -> str:
        return self.band.replace("_", " ")

    @property
    def safety_alert(self) -> bool:
        return SAFETY_ALERT in self.flags

    @property
    def safety_alert_open(self) -> bool:
        return self.safety_alert and self.safety_reviewed_at is None

    @property
    def score_text(self) -> str:
        """The score as a clinician reads it; empty when not scoreable."""
        code = self.instrument_code
        if code == "red_flags":
            causes = [cause.replace("_", " ") for cause in self.flags]
            return ", ".join(causes) if causes else ("none" if self.scoreable else "")
        if code == "nrs":
            parts = [
                f"{label} {self.subscores[item]}/10"
                for item, label in (("back_pain", "back"), ("leg_pain", "leg"))
                if item in self.subscores
            ]
            return ", ".join(parts)
        if not self.scoreable:
            return ""
        total = "" if self.total_shown is None else f"{self.total_shown:.{self.places}f}"
        if code == "odi":
            return f"{self.percent_shown:.1f}%"
        if code == "ndi":
            return f"{total}/50 ({self.percent_shown:.1f}%)"
        if code == "sbst":
            return f"{total}/9, distress {self.subscores.get('distress')}/5"
        if code == "phq9":
            return f"{total}/27"
        return total
