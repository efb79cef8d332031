"""Starting and completing an intake: facts built from the exact scores, the active rules
run, in-house disciplines told from those to refer outside, every refusal leaving
nothing half-saved, every change audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spineclinic.audit.models import AuditEvent
from spineclinic.directory.models import Discipline, PractitionerRole
from spineclinic.instruments.actions import do_record_questionnaire
from spineclinic.instruments.models import Intake, IntakeStatus, QuestionnaireResponse
from spineclinic.instruments.scoring import ODI_SECTIONS, score_odi
from spineclinic.pathways.actions import do_complete_intake, do_start_intake
from spineclinic.pathways.active import in_house_disciplines
from spineclinic.pathways.models import Recommendation
from spineclinic.pathways.tests.intake_answers import (
    SBST,
    answers,
    details,
    odi,
    phq9,
    red_flags,
    submit_intake,
)
from spineclinic.test import Clinic


def test_it_builds_the_facts_from_the_intake_and_its_scores(clinic: Clinic) -> None:
    recommendation = submit_intake(
        clinic,
        pain_duration_weeks=8,
        prior_treatments=[{"treatment": "nsaid", "weeks": 2, "response": "improved"}],
        answer_overrides={"odi": odi(2, sex_life=None, lifting=3)},
    )
    assert recommendation.facts == {
        "region": "low_back",
        "pain_duration_weeks": 8,
        "leg_dominant": False,
        "age": recommendation.facts["age"],
        "not_surgical_candidate": False,
        "prior_treatments": ["nsaid"],
        "conservative_care_weeks": 0,  # an NSAID is not conservative care
        "red_flags": [],
        "sbst_risk": "medium",
        "odi_percent": pytest.approx(19 * 100 / 45),  # 19/45, sex life left blank
        "nrs_back": 6,
        "nrs_leg": 3,
        "phq9_total": 8,
        "phq9_item9_positive": False,
    }
    assert recommendation.facts["age"] >= 57  # born 1968-05-17


def test_it_recommends_physical_therapy_in_house_for_medium_risk(clinic: Clinic) -> None:
    recommendation = submit_intake(clinic)
    assert recommendation.outcome == "recommendation" and recommendation.urgency == "routine"
    assert [a["code"] for a in recommendation.disciplines] == ["physical_therapy"]
    assert recommendation.disciplines[0]["refer_outside"] is False
    assert "sbst-medium-risk" in recommendation.rules_fired
    assert "STarT Back medium risk" in recommendation.explanation
    assert recommendation.rules_version == recommendation.ruleset.version  # type: ignore[union-attr]
    assert Intake.objects.get().status == IntakeStatus.COMPLETED


def test_it_refers_outside_for_a_discipline_the_clinic_does_not_have(clinic: Clinic) -> None:
    assert in_house_disciplines() == {"spine_surgery_ortho", "physical_therapy", "pain_medicine"}
    recommendation = submit_intake(clinic, answer_overrides={"sbst": SBST["high"]})
    advice = {a["code"]: a for a in recommendation.required_advice()}
    assert advice["physical_therapy"]["refer_outside"] is False
    assert advice["pain_psychology"]["refer_outside"] is True
    assert advice["pain_psychology"]["directory_url"] == (
        "/directory/search/?near=06106&discipline=pain_psychology&radius=25"
    )
    assert "refer outside: pain psychology" in recommendation.explanation


def test_it_counts_only_active_roles_at_this_clinic_as_in_house(clinic: Clinic) -> None:
    PractitionerRole.objects.filter(discipline=Discipline.objects.get(code="pain_medicine")).update(
        active=False
    )
    clinic.organization.is_this_clinic = False
    clinic.organization.save()
    assert in_house_disciplines() == frozenset()


def test_it_sends_cauda_equina_to_a_surgeon_today(clinic: Clinic) -> None:
    recommendation = submit_intake(
        clinic, answer_overrides={"red_flags": red_flags("ces_saddle_anaesthesia")}
    )
    assert recommendation.urgency == "emergency"
    assert recommendation.rules_fired == ["red-flag-cauda-equina"]
    options = recommendation.option_codes(0)
    assert options == [["spine_surgery_ortho"], ["neurosurgery"]]


def test_it_raises_the_safety_rule_for_phq9_item_9(clinic: Clinic) -> None:
    recommendation = submit_intake(clinic, answer_overrides={"phq9": phq9(0, item9=2)})
    assert recommendation.facts["phq9_item9_positive"] is True
    assert recommendation.urgency == "emergency"
    assert recommendation.rules_fired[0] == "phq9-item9-same-day-safety"


@pytest.mark.parametrize(
    ("fields", "overrides", "message"),
    [
        (
            {
                "pain_duration_weeks": 4,
                "prior_treatments": [
                    {"treatment": "physical_therapy", "weeks": 8, "response": "worse"}
                ],
            },
            {},
            "Physical therapy is recorded as lasting 8 weeks, but the pain has lasted 4 weeks",
        ),
        (
            {"leg_dominant": True},
            {"nrs": {"back_pain": 6, "leg_pain": 0}},
            "Leg pain is marked as worse than back pain, but leg pain is rated 0",
        ),
        ({}, {"odi": odi(2, lifting=7)}, "not 7"),
        ({}, {"nrs": {"back_pain": 11, "leg_pain": 2}}, "not 11"),
        ({"region": "shoulder"}, {}, "Choose where the pain is"),
        ({"pain_duration_weeks": -1}, {}, "Pain duration is a whole number of weeks"),
        (
            {"prior_treatments": [{"treatment": "reiki", "weeks": 1, "response": "improved"}]},
            {},
            "Unknown treatment",
        ),
        ({}, {"red_flags": None}, "Record Red flags before completing"),
    ],
)
def test_it_refuses_a_bad_or_contradictory_intake_and_saves_nothing(
    clinic: Clinic, fields: dict[str, object], overrides: dict[str, object], message: str
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match=message):
        submit_intake(clinic, answer_overrides=overrides, **fields)
    assert not Intake.objects.exists()
    assert not QuestionnaireResponse.objects.exists()
    assert not Recommendation.objects.exists()
    assert AuditEvent.objects.count() == before


def test_it_completes_an_intake_recorded_step_by_step(clinic: Clinic) -> None:
    intake = do_start_intake(clinic.patient, details(region="neck"), by=clinic.frank)
    with pytest.raises(ValidationError, match="Record Neck Disability Index"):
        for code, given in answers("neck").items():
            if code != "ndi":
                do_record_questionnaire(intake, code, given, by=clinic.frank)
        do_complete_intake(intake, by=clinic.frank)
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.IN_PROGRESS
    do_record_questionnaire(intake, "ndi", answers("neck")["ndi"], by=clinic.frank)
    recommendation = do_complete_intake(intake, by=clinic.frank)
    assert recommendation.facts["ndi_raw"] == 20 and "odi_percent" not in recommendation.facts
    with pytest.raises(ValidationError, match="already completed"):
        do_complete_intake(intake, by=clinic.frank)
    with pytest.raises(ValidationError, match="completed"):
        do_record_questionnaire(intake, "ndi", answers("neck")["ndi"], by=clinic.frank)


def test_it_audits_the_start_the_scores_the_completion_and_the_recommendation(
    clinic: Clinic,
) -> None:
    before = AuditEvent.objects.order_by("-seq").first().seq  # type: ignore[union-attr]
    recommendation = submit_intake(clinic)
    rows = AuditEvent.objects.filter(seq__gt=before, patient_id=clinic.patient.pk)
    kinds = sorted(rows.values_list("object_type", "action"))
    assert kinds.count(("instruments.questionnaireresponse", "create")) == 5
    assert ("instruments.intake", "create") in kinds
    assert ("instruments.intake", "update") in kinds
    created = rows.get(object_type="pathways.recommendation")
    assert created.object_id == str(recommendation.pk)
    assert created.detail["rules_version"] == recommendation.rules_version
    assert all(row.username == "alice" for row in rows)


NRS = st.one_of(st.none(), st.integers(min_value=-1, max_value=11))
LEVEL = st.one_of(st.none(), st.integers(min_value=0, max_value=5))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    back=NRS,
    leg=NRS,
    odi_levels=st.lists(LEVEL, min_size=10, max_size=10),
    sbst_q9=st.one_of(st.none(), st.integers(min_value=0, max_value=4)),
    leg_dominant=st.booleans(),
    weeks=st.integers(min_value=0, max_value=60),
)
def test_it_never_crashes_nor_half_saves_whatever_the_answers(
    clinic: Clinic,
    back: int | None,
    leg: int | None,
    odi_levels: list[int | None],
    sbst_q9: int | None,
    leg_dominant: bool,
    weeks: int,
) -> None:
    intakes = Intake.objects.count()
    overrides = {
        "nrs": {"back_pain": back, "leg_pain": leg},
        "odi": dict(zip(ODI_SECTIONS, odi_levels, strict=True)),
        "sbst": {**SBST["medium"], "q9": sbst_q9},
    }
    try:
        recommendation = submit_intake(
            clinic,
            answer_overrides=overrides,
            leg_dominant=leg_dominant,
            pain_duration_weeks=weeks,
        )
    except ValidationError:
        assert Intake.objects.count() == intakes  # refused: nothing half-saved
        return
    odi_score = score_odi(overrides["odi"])
    if odi_score.percent is not None:
        assert recommendation.facts["odi_percent"] == pytest.approx(float(odi_score.percent))
    else:
        assert "odi_percent" not in recommendation.facts  # never a number for "not scoreable"
    assert ("sbst_risk" in recommendation.facts) == (sbst_q9 is not None)
    assert recommendation.outcome in ("recommendation", "clinician_review")
