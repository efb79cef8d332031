"""From an intake and its scored questionnaires to the facts the pathway engine reads.

The facts vocabulary is docs/pathways.md. How this module fills the facts it derives:

* ``conservative_care_weeks``: the longest course of conservative care recorded on the
  intake (physical therapy, chiropractic, exercise: facts.CONSERVATIVE_TREATMENTS), 0 when
  there was none. The longest, not the sum: courses of physical therapy and chiropractic
  often run side by side, and adding them would count the same weeks twice.
* ``response_to_care``, on a follow-up intake, is MEASURED: each of ODI, NDI, back and leg
  NRS recorded at both the baseline (the first assessment of the episode) and the follow-up
  is classified by instruments.response.classify_response with the clinic's thresholds
  (REFERENCE 4-6). The disability measures (ODI, NDI) decide; pain scores decide only when
  no disability measure can be compared. Any measure worse -> worse; every measure
  improved -> improved; otherwise no important change. So a patient with both regions is
  "improved" only when both improved.
* Otherwise (a first assessment, or nothing comparable) it is what the patient REPORTED
  about their conservative care: improved if any course helped, else worse if any made
  things worse, else no important change if any was judged so, else unknown. Absent when
  there was no conservative care.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from spineclinic.instruments.models import INSTRUMENT_NAMES, Intake, QuestionnaireResponse
from spineclinic.instruments.response import (
    DEFAULT_THRESHOLDS,
    MEASURES,
    ImportantChange,
    Response,
    classify_response,
)
from spineclinic.instruments.scoring import SAFETY_ALERT
from spineclinic.pathways.facts import CONSERVATIVE_TREATMENTS, TREATMENTS

TREATMENT_RESPONSES = {
    "improved": "Helped (important improvement)",
    "no_important_change": "No important change",
    "worse": "Made it worse",
    "unknown": "Not sure / too early to tell",
}
TREATMENT_NAMES = {code: code.replace("_", " ").capitalize() for code in TREATMENTS} | {
    "advice_self_management": "Advice and self-management",
    "nsaid": "NSAID (anti-inflammatory)",
    "paracetamol": "Paracetamol / acetaminophen",
    "gabapentinoid": "Gabapentin or pregabalin",
    "other": "Other",
}
MEASURE_NAMES = {"odi": "ODI", "ndi": "NDI", "nrs_back": "back pain NRS", "nrs_leg": "leg pain NRS"}
RESULT_LABELS = {
    Response.IMPROVED: "improved",
    Response.NO_IMPORTANT_CHANGE: "no important change",
    Response.WORSE: "worse",
    Response.UNKNOWN: "cannot compare",
}
REQUIRED_FOR_COMPLETION = ("red_flags", "nrs")  # plus the region's disability instrument(s)


@dataclass(frozen=True)
class MeasuredChange:
    measure: str
    baseline: str
    follow_up: str
    result: Response
    threshold: str

    def to_dict(self) -> dict[str, str]:
        return {
            "measure": self.measure,
            "name": MEASURE_NAMES[self.measure],
            "baseline": self.baseline,
            "follow_up": self.follow_up,
            "result": self.result.value,
            "result_label": RESULT_LABELS[self.result],
            "threshold": self.threshold,
        }


@dataclass(frozen=True)
class IntakeFacts:
    facts: dict[str, Any]
    measures: tuple[MeasuredChange, ...]


def conservative_care_weeks(treatments: Iterable[Mapping[str, Any]]) -> int:
    weeks = [t["weeks"] for t in treatments if t["treatment"] in CONSERVATIVE_TREATMENTS]
    return max(weeks, default=0)


def reported_response(treatments: Iterable[Mapping[str, Any]]) -> str | None:
    responses = {t["response"] for t in treatments if t["treatment"] in CONSERVATIVE_TREATMENTS}
    if not responses:
        return None
    for response in ("improved", "worse", "no_important_change"):
        if response in responses:
            return response
    return "unknown"


def _plain(value: Decimal | int) -> str:
    return f"{Decimal(value).normalize():f}"


def _threshold_text(threshold: ImportantChange) -> str:
    text = f"{_plain(threshold.points)} points"
    if threshold.fraction_of_baseline is not None:
        text += f" or {_plain(Decimal(threshold.fraction_of_baseline) * 100)}% of the baseline"
    return text


def _shown(measure: str, response: QuestionnaireResponse) -> str:
    if measure == "odi":
        return f"{response.percent_shown}%"
    if measure == "ndi":
        return f"{response.total_shown}/50"
    item = "back_pain" if measure == "nrs_back" else "leg_pain"
    value = response.subscores.get(item)
    return "not rated" if value is None else f"{value}/10"


def measured_changes(
    baseline: Mapping[str, QuestionnaireResponse],
    follow_up: Mapping[str, QuestionnaireResponse],
    thresholds: Mapping[str, ImportantChange],
) -> tuple[MeasuredChange, ...]:
    changes = []
    merged = {**DEFAULT_THRESHOLDS, **thresholds}
    for measure, spec in MEASURES.items():
        before, after = baseline.get(spec.instrument), follow_up.get(spec.instrument)
        if before is None or after is None:
            continue
        result = classify_response(measure, before.score(), after.score(), thresholds)
        changes.append(
            MeasuredChange(
                measure,
                _shown(measure, before),
                _shown(measure, after),
                result,
                _threshold_text(merged[measure]),
            )
        )
    return tuple(changes)


def combined_response(changes: Iterable[MeasuredChange]) -> str | None:
    known = [c for c in changes if c.result is not Response.UNKNOWN]
    disability = [c for c in known if c.measure in ("odi", "ndi")]
    deciding = disability or known
    if not deciding:
        return None
    results = {c.result for c in deciding}
    if Response.WORSE in results:
        return Response.WORSE.value
    if results == {Response.IMPROVED}:
        return Response.IMPROVED.value
    return Response.NO_IMPORTANT_CHANGE.value


def _number(value: Fraction) -> int | float:
    # The facts vocabulary takes int or float. A float of these fractions (denominators
    # 40, 45, 50; 8, 9, 10) never lands on the other side of a threshold written with a
    # few decimals, so comparisons in the rules keep the exact outcome.
    return value.numerator if value.denominator == 1 else float(value)


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


IMAGING_FACT: dict[str, bool | str] = {"unknown": "unknown", "yes": True, "no": False}


def intake_facts(
    intake: Intake,
    responses: Mapping[str, QuestionnaireResponse],
    *,
    baseline: Mapping[str, QuestionnaireResponse],
    thresholds: Mapping[str, ImportantChange],
    today: date,
) -> IntakeFacts:
    treatments = intake.prior_treatments
    facts: dict[str, Any] = {
        "region": intake.region,
        "pain_duration_weeks": intake.pain_duration_weeks,
        "leg_dominant": intake.leg_dominant,
        "age": age_on(intake.patient.date_of_birth, today),
        "not_surgical_candidate": intake.not_surgical_candidate,
        "prior_treatments": sorted({t["treatment"] for t in treatments}),
        "conservative_care_weeks": conservative_care_weeks(treatments),
    }
    if intake.radicular_pain is not None:
        facts["radicular_pain"] = intake.radicular_pain
    if intake.imaging_concordant:
        facts["imaging_concordant"] = IMAGING_FACT[intake.imaging_concordant]

    changes = measured_changes(baseline, responses, thresholds) if baseline else ()
    response = combined_response(changes) or reported_response(treatments)
    if response is not None:
        facts["response_to_care"] = response

    red_flags = responses.get("red_flags")
    # An incomplete screen is no screen, unless a "yes" already shows a cause.
    if red_flags is not None and (red_flags.scoreable or red_flags.flags):
        facts["red_flags"] = list(red_flags.flags)
    sbst = responses.get("sbst")
    if sbst is not None and sbst.scoreable:
        facts["sbst_risk"] = sbst.band
    for code, fact, value in (("odi", "odi_percent", "percent"), ("ndi", "ndi_raw", "total")):
        scored = responses.get(code)
        if scored is not None and scored.scoreable:
            facts[fact] = _number(Fraction(getattr(scored, value)))
    nrs = responses.get("nrs")
    if nrs is not None:
        for item, fact in (("back_pain", "nrs_back"), ("leg_pain", "nrs_leg")):
            if item in nrs.subscores:
                facts[fact] = nrs.subscores[item]
    phq9 = responses.get("phq9")
    if phq9 is not None:
        if phq9.scoreable:
            facts["phq9_total"] = int(Fraction(phq9.total))
        if phq9.answers.get("q9") is not None:
            facts["phq9_item9_positive"] = SAFETY_ALERT in phq9.flags
    return IntakeFacts(facts, changes)


def treatment_contradictions(
    treatments: Iterable[Mapping[str, Any]], pain_duration_weeks: int
) -> list[str]:
    """Care cannot have lasted longer than the pain it treated."""
    return [
        f"{TREATMENT_NAMES[t['treatment']]} is recorded as lasting {t['weeks']} weeks, but "
        f"the pain has lasted {pain_duration_weeks} weeks. Correct one of them."
        for t in treatments
        if t["weeks"] > pain_duration_weeks
    ]


def answer_contradictions(
    intake: Intake, responses: Mapping[str, QuestionnaireResponse]
) -> list[str]:
    """What the questionnaires say against the history taken, in plain language."""
    problems = []
    nrs = responses.get("nrs")
    if intake.leg_dominant and nrs is not None and nrs.subscores.get("leg_pain") == 0:
        problems.append(
            "Leg pain is marked as worse than back pain, but leg pain is rated 0 out of 10. "
            "Correct the leg pain rating or the leg-dominant answer."
        )
    return problems


def missing_instruments(
    intake: Intake, responses: Mapping[str, QuestionnaireResponse]
) -> list[str]:
    needed = [*REQUIRED_FOR_COMPLETION, *intake.disability_instruments]
    return [INSTRUMENT_NAMES[code] for code in needed if code not in responses]


def treatment_rows(intake: Intake) -> list[dict[str, Any]]:
    """The intake's treatments as a reader sees them."""
    return [
        {
            "name": TREATMENT_NAMES[t["treatment"]],
            "weeks": t["weeks"],
            "response": TREATMENT_RESPONSES[t["response"]],
        }
        for t in intake.prior_treatments
    ]
