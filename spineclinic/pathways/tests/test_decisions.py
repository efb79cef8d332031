"""A clinician of the care team accepts the recommendation or overrides it with a reason;
both are recorded with a history row and an audit row."""

from __future__ import annotations

from django.urls import reverse

from spineclinic.audit.models import AuditEvent
from spineclinic.pathways.models import Recommendation, RecommendationEvent
from spineclinic.pathways.tests.intake_answers import red_flags, submit_intake
from spineclinic.test import Clinic


def accept_url(recommendation: Recommendation) -> str:
    return reverse("pathways:accept", args=[recommendation.pk])


def override_url(recommendation: Recommendation) -> str:
    return reverse("pathways:override", args=[recommendation.pk])


def test_it_accepts_the_recommendation(clinic: Clinic) -> None:
    recommendation = submit_intake(clinic)
    response = clinic.client(clinic.bob).post(accept_url(recommendation))
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.status == "accepted" and recommendation.decided_by == clinic.bob
    assert recommendation.decided_disciplines == ["physical_therapy"]
    event = RecommendationEvent.objects.get()
    assert (event.from_status, event.to_status, event.by) == ("pending", "accepted", clinic.bob)
    audit = AuditEvent.objects.get(object_id=str(recommendation.pk), action="update")
    assert audit.detail == {"status": "accepted", "disciplines": ["physical_therapy"]}


def test_it_asks_which_option_of_a_choice_is_accepted(clinic: Clinic) -> None:
    recommendation = submit_intake(clinic, answer_overrides={"red_flags": red_flags("ces_bowel")})
    client = clinic.client(clinic.alice)
    response = client.post(accept_url(recommendation))
    assert response.status_code == 400
    assert b"Choose one of the options." in response.content
    client.post(accept_url(recommendation), {"choice_0": "1"})
    recommendation.refresh_from_db()
    assert recommendation.decided_disciplines == ["neurosurgery"]


def test_it_overrides_with_a_reason(clinic: Clinic) -> None:
    recommendation = submit_intake(clinic)
    data = {"disciplines": ["chiropractic"], "reason": "Prefers chiropractic, helped before"}
    response = clinic.client(clinic.alice).post(override_url(recommendation), data)
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.status == "overridden"
    assert recommendation.decided_disciplines == ["chiropractic"]
    assert recommendation.override_reason == "Prefers chiropractic, helped before"
    audit = AuditEvent.objects.get(object_id=str(recommendation.pk), action="update")
    assert audit.detail["reason"] == "Prefers chiropractic, helped before"


def test_it_refuses_an_override_without_a_reason(clinic: Clinic) -> None:
    recommendation = submit_intake(clinic)
    client = clinic.client(clinic.alice)
    response = client.post(override_url(recommendation), {"disciplines": ["chiropractic"]})
    assert response.status_code == 400
    assert b"Give the clinical reason for the override." in response.content
    response = client.post(override_url(recommendation), {"reason": "A good clinical reason"})
    assert b"Choose the discipline(s)" in response.content
    recommendation.refresh_from_db()
    assert recommendation.status == "pending" and not RecommendationEvent.objects.exists()


def test_it_refuses_a_second_decision(clinic: Clinic) -> None:
    recommendation = submit_intake(clinic)
    clinic.client(clinic.alice).post(accept_url(recommendation))
    data = {"disciplines": ["physiatry"], "reason": "Changed my mind about it"}
    response = clinic.client(clinic.bob).post(override_url(recommendation), data, follow=True)
    assert b"This recommendation was already accepted." in response.content
    recommendation.refresh_from_db()
    assert recommendation.status == "accepted" and recommendation.decided_by == clinic.alice


def test_it_lets_no_one_but_a_care_team_clinician_decide(clinic: Clinic) -> None:
    recommendation = submit_intake(clinic)
    for user in (clinic.frank, clinic.ada, clinic.pat, clinic.charlie):
        assert clinic.client(user).post(accept_url(recommendation)).status_code == 403
        data = {"disciplines": ["physiatry"], "reason": "Not my patient at all"}
        assert clinic.client(user).post(override_url(recommendation), data).status_code == 403
    recommendation.refresh_from_db()
    assert recommendation.status == "pending"


def test_it_refuses_get_on_a_decision(clinic: Clinic) -> None:
    recommendation = submit_intake(clinic)
    assert clinic.client(clinic.alice).get(accept_url(recommendation)).status_code == 405
