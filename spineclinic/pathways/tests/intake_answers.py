"""Answers and intakes for tests, built through the same actions the intake form calls."""

from __future__ import annotations

from typing import Any

from spineclinic.instruments.scoring import NDI_SECTIONS, ODI_SECTIONS, RED_FLAG_ITEMS
from spineclinic.pathways.actions import IntakeDetails, do_submit_intake
from spineclinic.pathways.models import Recommendation
from spineclinic.test import Clinic


def red_flags(*yes: str) -> dict[str, int]:
    return {item: int(item in yes) for item in RED_FLAG_ITEMS}


def odi(level: int = 2, **sections: object) -> dict[str, object]:
    return {**dict.fromkeys(ODI_SECTIONS, level), **sections}


def ndi(level: int = 2, **sections: object) -> dict[str, object]:
    return {**dict.fromkeys(NDI_SECTIONS, level), **sections}


SBST = {
    # REFERENCE 3: total <= 3 low; else distress (items 5-9) >= 4 high; else medium.
    "low": {**{f"q{n}": 0 for n in range(1, 9)}, "q9": 1},
    "medium": {**{f"q{n}": int(n <= 4) for n in range(1, 9)}, "q9": 2},
    "high": {**{f"q{n}": int(n >= 5) for n in range(1, 9)}, "q9": 4},
}


def phq9(each: int = 1, item9: int = 0) -> dict[str, int]:
    return {**{f"q{n}": each for n in range(1, 9)}, "q9": item9}


def answers(region: str = "low_back", **overrides: Any) -> dict[str, dict[str, Any]]:
    """A complete, consistent set: no red flags, medium STarT Back risk, ODI 40%."""
    result: dict[str, dict[str, Any]] = {
        "red_flags": red_flags(),
        "nrs": {"back_pain": 6, "leg_pain": 3},
        "sbst": SBST["medium"],
        "phq9": phq9(),
    }
    if region in ("low_back", "both"):
        result["odi"] = odi()
    if region in ("neck", "both"):
        result["ndi"] = ndi()
    result.update(overrides)
    return {code: value for code, value in result.items() if value is not None}


def details(**overrides: Any) -> IntakeDetails:
    fields: dict[str, Any] = {"region": "low_back", "pain_duration_weeks": 4}
    fields.update(overrides)
    return IntakeDetails(**fields)


def submit_intake(
    clinic: Clinic, by: Any = None, answer_overrides: dict[str, Any] | None = None, **fields: Any
) -> Recommendation:
    """An intake of clinic.patient, completed by alice unless `by` says otherwise."""
    intake_details = details(**fields)
    return do_submit_intake(
        clinic.patient,
        intake_details,
        answers(intake_details.region, **(answer_overrides or {})),
        by=by or clinic.alice,
    )


def form_data(
    region: str = "low_back",
    pain_duration_weeks: int = 4,
    treatments: tuple[tuple[str, int, str], ...] = (),
    answer_overrides: dict[str, Any] | None = None,
    **fields: str,
) -> dict[str, str]:
    """What the intake form posts for these answers (blank items are simply not sent)."""
    data = {
        "region": region,
        "pain_duration_weeks": str(pain_duration_weeks),
        "radicular_pain": "",
        "imaging_concordant": "",
        "treatments-TOTAL_FORMS": "5",
        "treatments-INITIAL_FORMS": "0",
        "treatments-MIN_NUM_FORMS": "0",
        "treatments-MAX_NUM_FORMS": "19",
        **fields,
    }
    for n, (treatment, weeks, response) in enumerate(treatments):
        data[f"treatments-{n}-treatment"] = treatment
        data[f"treatments-{n}-weeks"] = str(weeks)
        data[f"treatments-{n}-response"] = response
    for code, given in answers(region, **(answer_overrides or {})).items():
        for item, value in given.items():
            if value is not None:
                data[f"{code}-{item}"] = str(value)
    return data
