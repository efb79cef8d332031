"""The intake result page: scores with band and risk group, the recommendation with its
reasons, the safety alert and its assessment; for the care team only."""

from __future__ import annotations

from django.urls import reverse

from spineclinic.audit.models import AuditEvent
from spineclinic.instruments.models import QuestionnaireResponse
from spineclinic.pathways.tests.intake_answers import SBST, odi, phq9, submit_intake
from spineclinic.test import Clinic


def url(recommendation_intake_id: object) -> str:
    return reverse("pathways:intake", args=[recommendation_intake_id])


def test_it_shows_the_scores_bands_and_the_recommendation(clinic: Clinic) -> None:
    recommendation = submit_intake(
        clinic,
        answer_overrides={"sbst": SBST["high"], "odi": odi(2, sex_life=None, lifting=3)},
    )
    response = clinic.client(clinic.bob).get(url(recommendation.intake_id))
    assert response.status_code == 200
    content = response.content.decode()
    assert "42.2%" in content  # 19/45
    assert "severe" in content and "high risk" in content  # ODI above 40; STarT Back
    assert "1 blank, left out of the denominator" in content
    assert "Pain psychology" in content and "refer outside" in content
    assert "STarT Back high risk" in content  # the reason, from the rules
    assert "Accept the recommendation" in content  # bob is a clinician of the care team


def test_it_marks_a_questionnaire_that_cannot_be_scored(clinic: Clinic) -> None:
    recommendation = submit_intake(clinic, answer_overrides={"sbst": {"q1": 1}})
    response = clinic.client(clinic.alice).get(url(recommendation.intake_id))
    sbst = response.content.decode().split('id="score-sbst"')[1].split("</tr>")[0]
    assert "not scoreable" in sbst and "8 unanswered" in sbst
    assert "sbst_risk" not in recommendation.facts  # no risk group from a partial tool


def test_it_shows_an_unmissable_safety_alert_until_assessed(clinic: Clinic) -> None:
    recommendation = submit_intake(clinic, answer_overrides={"phq9": phq9(1, item9=1)})
    client = clinic.client(clinic.alice)
    page = client.get(url(recommendation.intake_id)).content.decode()
    assert 'role="alert" id="safety-alert"' in page
    assert "Safety alert: same-day safety assessment needed" in page
    phq = QuestionnaireResponse.objects.get(instrument_code="phq9")
    assessment = reverse("pathways:safety_assessment", args=[phq.pk])
    response = client.post(assessment, {"note": "Seen at 14:00, no intent, crisis plan given"})
    assert response.status_code == 302
    page = client.get(url(recommendation.intake_id)).content.decode()
    assert "Safety assessment recorded by" in page and "crisis plan given" in page
    assert AuditEvent.objects.filter(detail__safety_assessment="recorded").exists()


def test_it_refuses_a_safety_assessment_without_a_note(clinic: Clinic) -> None:
    submit_intake(clinic, answer_overrides={"phq9": phq9(1, item9=3)})
    phq = QuestionnaireResponse.objects.get(instrument_code="phq9")
    assessment = reverse("pathways:safety_assessment", args=[phq.pk])
    response = clinic.client(clinic.alice).post(assessment, {"note": "ok"}, follow=True)
    assert b"at least 10 characters" in response.content
    phq.refresh_from_db()
    assert phq.safety_reviewed_at is None


def test_it_refuses_the_front_desk_the_scores(clinic: Clinic) -> None:
    recommendation = submit_intake(clinic)
    response = clinic.client(clinic.frank).get(url(recommendation.intake_id))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="denied", username="frank").exists()


def test_it_refuses_a_clinician_outside_the_care_team(clinic: Clinic) -> None:
    recommendation = submit_intake(clinic, answer_overrides={"phq9": phq9(1, item9=1)})
    client = clinic.client(clinic.charlie)
    assert client.get(url(recommendation.intake_id)).status_code == 403
    phq = QuestionnaireResponse.objects.get(instrument_code="phq9")
    note = {"note": "I was not there but say it is fine"}
    response = client.post(reverse("pathways:safety_assessment", args=[phq.pk]), note)
    assert response.status_code == 403
    phq.refresh_from_db()
    assert phq.safety_reviewed_at is None


def test_it_answers_404_for_an_unknown_intake(clinic: Clinic) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    assert clinic.client(clinic.alice).get(url(missing)).status_code == 404
