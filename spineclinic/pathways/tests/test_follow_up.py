"""Response to treatment: a follow-up is compared with the first assessment's scores of the
same instruments, with the clinic's important-change thresholds (REFERENCE 4-7), and "no
important change after 6 weeks of conservative care" escalates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from spineclinic.instruments.models import IntakeKind, ResponseThreshold
from spineclinic.pathways.models import Recommendation
from spineclinic.pathways.tests.intake_answers import ndi, odi, submit_intake
from spineclinic.test import Clinic

SIX_WEEKS_OF_PT = [{"treatment": "physical_therapy", "weeks": 6, "response": "unknown"}]


def follow_up(clinic: Clinic, **answer_overrides: object) -> Recommendation:
    return submit_intake(
        clinic,
        follow_up=True,
        region=answer_overrides.pop("region", "low_back"),
        pain_duration_weeks=10,
        prior_treatments=SIX_WEEKS_OF_PT,
        answer_overrides=answer_overrides,
    )


def choice_codes(recommendation: Recommendation) -> list[list[list[str]]]:
    return [recommendation.option_codes(n) for n in range(len(recommendation.choices))]


def test_it_escalates_no_important_change_after_six_weeks(clinic: Clinic) -> None:
    submit_intake(clinic, pain_duration_weeks=4)  # ODI 40%
    recommendation = follow_up(clinic, odi=odi(2, sitting=1))  # ODI 38%: 2 points better
    assert recommendation.intake.kind == IntakeKind.FOLLOW_UP
    assert recommendation.facts["response_to_care"] == "no_important_change"
    assert recommendation.facts["conservative_care_weeks"] == 6
    assert "escalate-no-important-change" in recommendation.rules_fired
    assert choice_codes(recommendation) == [[["physiatry"], ["pain_medicine"]]]
    assert recommendation.urgency == "soon"
    (measured,) = [m for m in recommendation.response_measures if m["measure"] == "odi"]
    assert measured == {
        "measure": "odi",
        "name": "ODI",
        "baseline": "40.0%",
        "follow_up": "38.0%",
        "result": "no_important_change",
        "result_label": "no important change",
        "threshold": "10 points or 30% of the baseline",
    }
    # The clinic has pain medicine but no physiatrist: physiatry is referred outside.
    (choice,) = recommendation.choice_advice()
    outside = {a["code"]: a["refer_outside"] for option in choice["options"] for a in option}
    assert outside == {"physiatry": True, "pain_medicine": False}


def test_it_continues_care_that_works(clinic: Clinic) -> None:
    submit_intake(clinic)
    recommendation = follow_up(clinic, odi=odi(1))  # 40% -> 20%
    assert recommendation.facts["response_to_care"] == "improved"
    assert "improving-continue" in recommendation.rules_fired
    assert "escalate-no-important-change" not in recommendation.rules_fired


def test_it_escalates_a_patient_who_is_worse(clinic: Clinic) -> None:
    submit_intake(clinic)
    recommendation = follow_up(clinic, odi=odi(3))  # 40% -> 60%
    assert recommendation.facts["response_to_care"] == "worse"
    assert "escalate-no-important-change" in recommendation.rules_fired


def test_it_needs_both_regions_to_improve_to_call_it_improved(clinic: Clinic) -> None:
    submit_intake(clinic, region="both")
    recommendation = follow_up(clinic, region="both", odi=odi(1), ndi=ndi(2))
    results = {m["measure"]: m["result"] for m in recommendation.response_measures}
    assert results["odi"] == "improved" and results["ndi"] == "no_important_change"
    assert recommendation.facts["response_to_care"] == "no_important_change"


def test_it_uses_the_clinics_own_threshold(clinic: Clinic) -> None:
    submit_intake(clinic, region="neck")  # NDI raw 20
    better = follow_up(clinic, region="neck", ndi=ndi(1, lifting=2, reading=2, work=2, driving=2))
    assert better.facts["response_to_care"] == "improved"  # 20 -> 14: 6 >= 5 points

    # A clinic following a surgical cohort: 13.4 points (REFERENCE 5).
    ResponseThreshold.objects.create(measure="ndi", points=Decimal("13.4"), source="Auffinger 2013")
    submit_intake(clinic, region="neck")
    same_change = follow_up(
        clinic, region="neck", ndi=ndi(1, lifting=2, reading=2, work=2, driving=2)
    )
    assert same_change.facts["response_to_care"] == "no_important_change"
    (measured,) = [m for m in same_change.response_measures if m["measure"] == "ndi"]
    assert measured["threshold"] == "13.4 points"


def test_it_uses_what_the_patient_reports_at_a_first_assessment(clinic: Clinic) -> None:
    recommendation = submit_intake(
        clinic,
        pain_duration_weeks=12,
        prior_treatments=[
            {"treatment": "chiropractic", "weeks": 8, "response": "no_important_change"},
            {"treatment": "physical_therapy", "weeks": 6, "response": "no_important_change"},
        ],
    )
    assert recommendation.response_measures == []
    assert recommendation.facts["conservative_care_weeks"] == 8  # the longest, not the sum
    assert recommendation.facts["response_to_care"] == "no_important_change"
    assert "escalate-no-important-change" in recommendation.rules_fired


def test_it_refuses_a_follow_up_without_a_first_assessment(clinic: Clinic) -> None:
    with pytest.raises(ValidationError, match="no completed first assessment"):
        follow_up(clinic)


def test_it_retires_an_undecided_recommendation_when_a_follow_up_speaks(clinic: Clinic) -> None:
    first = submit_intake(clinic, pain_duration_weeks=4)
    second = follow_up(clinic, odi=odi(2, sitting=1))
    first.refresh_from_db()
    assert first.status == "superseded" and second.status == "pending"
    event = first.events.get()
    assert (event.from_status, event.to_status) == ("pending", "superseded")
    assert "Replaced by" in event.reason
    assert Recommendation.objects.filter(patient=clinic.patient, status="pending").count() == 1
