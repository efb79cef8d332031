from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.forms import formset_factory

from spineclinic.instruments.catalog import active_definitions
from spineclinic.instruments.definitions import Instrument
from spineclinic.instruments.models import (
    INSTRUMENT_NAMES,
    MAX_PAIN_WEEKS,
    ImagingConcordance,
    Intake,
    Region,
    instruments_for_region,
)
from spineclinic.pathways.actions import IntakeDetails
from spineclinic.pathways.facts import TREATMENTS
from spineclinic.pathways.intake_facts import TREATMENT_NAMES, TREATMENT_RESPONSES
from spineclinic.pathways.models import Recommendation, discipline_name
from spineclinic.pathways.rules import DISCIPLINES

YES_NO_UNKNOWN = [("", "Not assessed"), ("yes", "Yes"), ("no", "No")]


class IntakeForm(forms.Form):
    follow_up = forms.TypedChoiceField(
        label="This intake is",
        choices=[("no", "A first assessment of this episode"), ("yes", "A follow-up")],
        coerce=lambda value: value == "yes",
        initial="no",
        widget=forms.RadioSelect,
    )
    region = forms.ChoiceField(
        label="Where is the pain?",
        choices=Region.choices,
        initial=Region.LOW_BACK,
        help_text="Low back pain is measured with the Oswestry (ODI), neck pain with the "
        "Neck Disability Index (NDI); both regions get both.",
    )
    pain_duration_weeks = forms.IntegerField(
        label="How long has this episode of pain lasted? (weeks)",
        min_value=0,
        max_value=MAX_PAIN_WEEKS,
    )
    leg_dominant = forms.BooleanField(
        label="Leg pain is worse than back pain (leg-dominant)", required=False
    )
    radicular_pain = forms.TypedChoiceField(
        label="Radicular pain (sciatica or radicular arm pain), clinician's judgement",
        choices=YES_NO_UNKNOWN,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
    )
    imaging_concordant = forms.ChoiceField(
        label="Imaging", choices=ImagingConcordance.choices, required=False
    )
    not_surgical_candidate = forms.BooleanField(
        label="A surgeon has judged the patient not a surgical candidate", required=False
    )

    def __init__(self, *args: Any, has_baseline: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_baseline:
            del self.fields["follow_up"]  # nothing to compare a follow-up with yet
        self.fields["region"].widget.attrs.update(
            {
                # htmx swaps in the disability questionnaire(s) for the region chosen.
                "hx-get": "",  # set by the view: the questionnaires partial
                "hx-target": "#disability-questionnaires",
                "hx-swap": "innerHTML",
                "hx-trigger": "change",
            }
        )

    CLINICAL_FIELDS = ("radicular_pain", "imaging_concordant", "not_surgical_candidate")

    def history_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.CLINICAL_FIELDS]

    def clinical_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CLINICAL_FIELDS]


class PriorTreatmentForm(forms.Form):
    treatment = forms.ChoiceField(
        choices=[("", "—"), *((code, TREATMENT_NAMES[code]) for code in TREATMENTS)],
        required=False,
    )
    weeks = forms.IntegerField(min_value=0, max_value=MAX_PAIN_WEEKS, required=False)
    response = forms.ChoiceField(
        label="How it went",
        choices=[("", "—"), *TREATMENT_RESPONSES.items()],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("treatment"):
            if data.get("weeks") is None and "weeks" not in self.errors:
                self.add_error("weeks", "How many weeks?")
            if not data.get("response"):
                self.add_error("response", "How did it go?")
        elif data.get("weeks") is not None or data.get("response"):
            self.add_error("treatment", "Which treatment?")
        return data


PriorTreatmentFormSet = formset_factory(PriorTreatmentForm, extra=5, max_num=len(TREATMENTS))


class QuestionnaireForm(forms.Form):
    """One instrument's items as radio buttons; an item marked required in the definition
    must be answered, the others may be left blank."""

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", instrument.code)
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for item in instrument.items:
            self.fields[item.code] = forms.TypedChoiceField(
                label=item.text,
                choices=[(str(option.value), option.label) for option in item.options],
                coerce=int,
                empty_value=None,
                required=item.required,
                widget=forms.RadioSelect,
                error_messages={
                    "required": "Answer this item.",
                    "invalid_choice": "Choose one of the answers offered.",
                },
            )

    @property
    def code(self) -> str:
        return self.instrument.code

    @property
    def name(self) -> str:
        return INSTRUMENT_NAMES.get(self.code, self.instrument.title)

    def answers(self) -> dict[str, int | None]:
        return {code: self.cleaned_data.get(code) for code in self.instrument.item_codes}


def questionnaire_forms(
    codes: tuple[str, ...], data: Mapping[str, Any] | None = None
) -> list[QuestionnaireForm]:
    definitions = active_definitions(codes)
    return [QuestionnaireForm(data, instrument=definitions[code].instrument()) for code in codes]


class IntakePage:
    """Every form of the intake page together: the history, the treatments and the
    questionnaires the region calls for. Valid only when every part is."""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        baseline: Intake | None = None,
        questionnaires_url: str,
    ) -> None:
        initial: dict[str, Any] = {}
        treatments: list[dict[str, Any]] = []
        if baseline is not None:
            # A follow-up usually repeats the history: start from the first assessment's.
            initial = {
                "follow_up": "yes",
                "region": baseline.region,
                "leg_dominant": baseline.leg_dominant,
            }
            treatments = list(baseline.prior_treatments)
        self.details = IntakeForm(data, initial=initial, has_baseline=baseline is not None)
        self.details.fields["region"].widget.attrs["hx-get"] = questionnaires_url
        self.treatments = PriorTreatmentFormSet(data, prefix="treatments", initial=treatments)
        region = self._region(data, initial)
        self.questionnaires = questionnaire_forms(instruments_for_region(region), data)

    def _region(self, data: Mapping[str, Any] | None, initial: Mapping[str, Any]) -> str:
        region = (data or {}).get("region") or initial.get("region") or Region.LOW_BACK
        return region if region in Region.values else Region.LOW_BACK

    def is_valid(self) -> bool:
        results = [self.details.is_valid(), self.treatments.is_valid()]
        results += [form.is_valid() for form in self.questionnaires]
        return all(results)

    @property
    def disability(self) -> list[QuestionnaireForm]:
        return [form for form in self.questionnaires if form.code in ("odi", "ndi")]

    def before_disability(self) -> list[QuestionnaireForm]:
        return [form for form in self.questionnaires if form.code in ("red_flags", "nrs")]

    def after_disability(self) -> list[QuestionnaireForm]:
        return [form for form in self.questionnaires if form.code in ("sbst", "phq9")]

    def intake_details(self) -> IntakeDetails:
        data = self.details.cleaned_data
        return IntakeDetails(
            region=data["region"],
            pain_duration_weeks=data["pain_duration_weeks"],
            leg_dominant=data["leg_dominant"],
            prior_treatments=[
                {"treatment": row["treatment"], "weeks": row["weeks"], "response": row["response"]}
                for row in self.treatments.cleaned_data
                if row.get("treatment")
            ],
            radicular_pain=data["radicular_pain"],
            imaging_concordant=data["imaging_concordant"],
            not_surgical_candidate=data["not_surgical_candidate"],
            follow_up=data.get("follow_up", False),
        )

    def answers(self) -> dict[str, dict[str, int | None]]:
        return {form.code: form.answers() for form in self.questionnaires}


class AcceptForm(forms.Form):
    """One radio group per choice the recommendation offers (e.g. which surgeon)."""

    def __init__(self, *args: Any, recommendation: Recommendation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index, choice in enumerate(recommendation.choice_advice()):
            self.fields[f"choice_{index}"] = forms.TypedChoiceField(
                label="Choose one",
                choices=[
                    (str(n), " with ".join(advice["name"] for advice in option))
                    for n, option in enumerate(choice["options"])
                ],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose one of the options."},
            )

    def choices(self) -> list[int]:
        return [self.cleaned_data[name] for name in sorted(self.fields)]


class OverrideForm(forms.Form):
    disciplines = forms.MultipleChoiceField(
        label="Refer to instead",
        choices=[(code, discipline_name(code)) for code in DISCIPLINES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the discipline(s) the patient should see instead."},
    )
    reason = forms.CharField(
        label="Clinical reason for the override",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        max_length=2000,
        error_messages={
            "required": "Give the clinical reason for the override.",
            "min_length": "Give the clinical reason for the override (at least 10 characters).",
        },
    )


class SafetyAssessmentForm(forms.Form):
    note = forms.CharField(
        label="What the safety assessment found and what was done",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        max_length=4000,
    )


class RulesForm(forms.Form):
    yaml_text = forms.CharField(
        label="Rules (YAML)",
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code"}),
        max_length=500_000,
        strip=False,
    )
