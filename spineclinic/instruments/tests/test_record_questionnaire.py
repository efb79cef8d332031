"""Recording a questionnaire: raw answers, exact score, band and scoring version stored
together; bad answers refused with nothing stored; too many blanks stored as "not
scoreable", never as a number."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spineclinic.audit.models import AuditEvent
from spineclinic.instruments.actions import do_record_questionnaire, do_record_safety_assessment
from spineclinic.instruments.models import Intake, QuestionnaireResponse
from spineclinic.instruments.scoring import ODI_SECTIONS, score_odi
from spineclinic.pathways.actions import do_start_intake
from spineclinic.pathways.tests.intake_answers import details, ndi, odi, phq9
from spineclinic.test import Clinic


def start(clinic: Clinic, region: str = "low_back") -> Intake:
    return do_start_intake(clinic.patient, details(region=region), by=clinic.alice)


def test_it_stores_the_published_odi_example_exactly(clinic: Clinic) -> None:
    # REFERENCE 4: 16 points with one section missed is 16/45 = 35.56%, shown as 35.6.
    answers = dict(zip(ODI_SECTIONS, [3, 2, 2, 2, 2, 2, 1, None, 1, 1], strict=True))
    response = do_record_questionnaire(start(clinic), "odi", answers, by=clinic.alice)
    response.refresh_from_db()
    assert response.total == "16"
    assert response.percent == "320/9"
    assert response.percent_shown == Decimal("35.6")
    assert response.band == "moderate"
    assert response.scoring_version == "odi-1"
    assert response.instrument_version == "demo-1"
    assert response.answers["sex_life"] is None and response.answers["pain_intensity"] == 3
    assert response.score().percent == Fraction(320, 9)
    assert response.score_text == "35.6%"


def test_it_stores_too_many_blanks_as_not_scoreable_not_zero(clinic: Clinic) -> None:
    answers = odi(2, lifting=None, walking=None, sitting=None)
    response = do_record_questionnaire(start(clinic), "odi", answers, by=clinic.alice)
    assert response.scoreable is False
    assert response.total == "" and response.percent == "" and response.percent_shown is None
    assert "3 unanswered" in response.reason
    assert response.score_text == ""


def test_it_stores_no_answers_as_not_scoreable(clinic: Clinic) -> None:
    response = do_record_questionnaire(start(clinic), "odi", {}, by=clinic.alice)
    assert response.scoreable is False and response.reason == "no section answered"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (odi(2, lifting=6), "must be one of 0, 1, 2, 3, 4, 5, not 6"),
        (odi(2, lifting=-1), "not -1"),
        (odi(2, lifting="3"), "lifting: must be an integer 0-5"),
        (odi(2, lifting=2.5), "lifting: must be an integer 0-5"),
        (odi(2, lifting=True), "lifting: must be an integer 0-5"),
        ({**odi(2), "liftng": 2}, "no item liftng"),
    ],
)
def test_it_refuses_a_bad_answer_and_stores_nothing(
    clinic: Clinic, answers: dict[str, object], message: str
) -> None:
    intake = start(clinic)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match=message):
        do_record_questionnaire(intake, "odi", answers, by=clinic.alice)
    assert not QuestionnaireResponse.objects.exists()
    assert AuditEvent.objects.count() == before


def test_it_refuses_an_instrument_the_region_does_not_ask(clinic: Clinic) -> None:
    with pytest.raises(ValidationError, match="not asked in a neck intake"):
        do_record_questionnaire(start(clinic, "neck"), "odi", odi(), by=clinic.alice)


def test_it_refuses_a_second_recording_of_one_instrument(clinic: Clinic) -> None:
    intake = start(clinic)
    do_record_questionnaire(intake, "odi", odi(), by=clinic.alice)
    with pytest.raises(ValidationError, match="already recorded"):
        do_record_questionnaire(intake, "odi", odi(3), by=clinic.alice)
    assert QuestionnaireResponse.objects.get().percent == "40"


def test_it_imputes_a_missing_ndi_section_and_keeps_the_fraction(clinic: Clinic) -> None:
    answers = ndi(1, headaches=None, pain_intensity=0)  # 8 points over 9 answered
    response = do_record_questionnaire(start(clinic, "neck"), "ndi", answers, by=clinic.alice)
    assert response.total == "80/9"  # 8 + 8/9 for the blank
    assert response.score_text == "8.9/50 (17.8%)"
    assert response.band == "mild"


def test_it_audits_the_recording(clinic: Clinic) -> None:
    response = do_record_questionnaire(start(clinic), "odi", odi(), by=clinic.alice)
    row = AuditEvent.objects.get(object_id=str(response.pk))
    assert row.action == "create" and row.patient_id == clinic.patient.pk
    assert row.detail["scoring_version"] == "odi-1" and row.detail["band"] == "moderate"


def test_it_flags_phq9_item_9_and_records_the_safety_assessment(clinic: Clinic) -> None:
    response = do_record_questionnaire(start(clinic), "phq9", phq9(0, item9=1), by=clinic.alice)
    assert response.safety_alert and response.safety_alert_open
    with pytest.raises(ValidationError, match="at least 10"):
        do_record_safety_assessment(response, by=clinic.alice, note="ok")
    done = do_record_safety_assessment(response, by=clinic.alice, note="Seen today, safe plan")
    assert done.safety_alert_open is False and done.safety_reviewed_by == clinic.alice
    with pytest.raises(ValidationError, match="already recorded"):
        do_record_safety_assessment(response, by=clinic.bob, note="Seen again by me, safe")


ANSWER = st.one_of(st.none(), st.integers(min_value=0, max_value=5))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(ANSWER, min_size=10, max_size=10))
def test_it_stores_what_the_scoring_says_for_any_answers(
    clinic: Clinic, values: list[int | None]
) -> None:
    answers = dict(zip(ODI_SECTIONS, values, strict=True))
    response = do_record_questionnaire(start(clinic), "odi", answers, by=clinic.alice)
    expected = score_odi(answers)
    assert response.scoreable == expected.scoreable
    if expected.scoreable:
        assert Fraction(response.percent) == expected.percent
        assert 0 <= Fraction(response.percent) <= 100
    else:
        assert response.percent == "" and response.reason
