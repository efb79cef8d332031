"""The chart shows the screening results with band and risk group to the care team, and
a safety alert before anything else; the front desk sees the intakes, not the scores."""

from __future__ import annotations

from django.urls import reverse

from spineclinic.pathways.tests.intake_answers import SBST, phq9, submit_intake
from spineclinic.test import Clinic


def chart(clinic: Clinic, user: object) -> str:
    url = reverse("patients:chart", args=[clinic.patient.pk])
    return clinic.client(user).get(url).content.decode()  # type: ignore[arg-type]


def test_it_shows_an_empty_state_before_any_intake(clinic: Clinic) -> None:
    page = chart(clinic, clinic.alice)
    assert "No completed intake yet" in page and "No intake yet." in page


def test_it_shows_the_latest_scores_with_band_and_risk_group(clinic: Clinic) -> None:
    submit_intake(clinic, answer_overrides={"sbst": SBST["high"]})
    page = chart(clinic, clinic.bob).split('id="section-screening"')[1]
    assert "40.0%" in page and "moderate" in page  # ODI
    assert "high risk" in page  # STarT Back
    assert "Physical therapy" in page and "Pain psychology" in page
    assert "Awaiting a clinician" in page


def test_it_puts_an_open_safety_alert_first(clinic: Clinic) -> None:
    submit_intake(clinic, answer_overrides={"phq9": phq9(0, item9=1)})
    page = chart(clinic, clinic.alice)
    alert = page.index('id="chart-safety-alert"')
    assert alert < page.index('id="section-intakes"')
    assert "Safety alert." in page


def test_it_tracks_scores_over_time(clinic: Clinic) -> None:
    submit_intake(clinic)
    submit_intake(
        clinic,
        follow_up=True,
        pain_duration_weeks=10,
        prior_treatments=[{"treatment": "physical_therapy", "weeks": 6, "response": "worse"}],
    )
    page = chart(clinic, clinic.alice)
    assert "Over time" in page and page.count("First assessment") >= 2


def test_it_hides_the_scores_from_the_front_desk(clinic: Clinic) -> None:
    submit_intake(clinic, answer_overrides={"phq9": phq9(0, item9=1)})
    page = chart(clinic, clinic.frank)
    assert 'id="section-screening"' not in page and "Safety alert" not in page
    assert 'id="section-intakes"' in page and "Start an intake" in page
    assert "Completed" in page


def test_it_refuses_the_chart_to_a_clinician_outside_the_care_team(clinic: Clinic) -> None:
    submit_intake(clinic)
    url = reverse("patients:chart", args=[clinic.patient.pk])
    response = clinic.client(clinic.charlie).get(url)
    assert response.status_code == 403 and b"40.0%" not in response.content
