"""The intake page: a care-team clinician or the front desk starts an intake, the form
adapts to the region, and bad input re-renders with a clear message and saves nothing."""

from __future__ import annotations

from django.urls import reverse

from spineclinic.audit.models import AuditEvent
from spineclinic.instruments.models import Intake, QuestionnaireResponse
from spineclinic.pathways.models import Recommendation
from spineclinic.pathways.tests.intake_answers import form_data, odi, submit_intake
from spineclinic.test import Clinic


def url(clinic: Clinic) -> str:
    return reverse("pathways:intake_new", args=[clinic.patient.pk])


def test_it_shows_the_low_back_form_with_odi_and_the_licence_notices(clinic: Clinic) -> None:
    response = clinic.client(clinic.alice).get(url(clinic))
    assert response.status_code == 200
    for section in (b'id="q-red_flags"', b'id="q-nrs"', b'id="q-odi"', b'id="q-sbst"'):
        assert section in response.content
    assert b'id="q-ndi"' not in response.content
    assert b"Keele University" in response.content  # SBST's copyright and funding notice
    assert b"Mapi Research Trust" in response.content  # why the ODI shows section names only
    assert b'hx-get="/pathways/intake/questionnaires/"' in response.content


def test_it_swaps_in_the_questionnaires_for_the_region(clinic: Clinic) -> None:
    client = clinic.client(clinic.frank)
    partial = reverse("pathways:intake_questionnaires")
    neck = client.get(partial, {"region": "neck"})
    assert b'id="q-ndi"' in neck.content and b'id="q-odi"' not in neck.content
    both = client.get(partial, {"region": "both"})
    assert b'id="q-ndi"' in both.content and b'id="q-odi"' in both.content
    odd = client.get(partial, {"region": "elbow"})
    assert b'id="q-odi"' in odd.content  # an unknown region falls back to low back


def test_it_completes_an_intake_for_a_clinician_and_shows_the_result(clinic: Clinic) -> None:
    response = clinic.client(clinic.alice).post(url(clinic), form_data())
    recommendation = Recommendation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("pathways:intake", args=[recommendation.intake_id])
    assert recommendation.intake.started_by == clinic.alice


def test_it_lets_the_front_desk_complete_an_intake_without_seeing_scores(clinic: Clinic) -> None:
    response = clinic.client(clinic.frank).post(url(clinic), form_data(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("patients:chart", args=[clinic.patient.pk])
    assert b"The care team sees the scores" in response.content
    assert b"40.0%" not in response.content  # the ODI is on the clinical chart only
    assert Recommendation.objects.get().intake.started_by == clinic.frank


def test_it_warns_the_front_desk_at_once_of_a_safety_alert(clinic: Clinic) -> None:
    data = form_data(answer_overrides={"phq9": {f"q{n}": 0 for n in range(1, 9)} | {"q9": 1}})
    response = clinic.client(clinic.frank).post(url(clinic), data, follow=True)
    assert b"SAFETY ALERT" in response.content
    assert b"Tell the clinician on duty now" in response.content


def test_it_keeps_the_form_and_saves_nothing_when_answers_are_missing(clinic: Clinic) -> None:
    data = form_data(answer_overrides={"odi": odi(2, lifting=None, walking=None)})
    response = clinic.client(clinic.alice).post(url(clinic), data)
    assert response.status_code == 400
    assert b"Nothing was saved." in response.content
    assert b"Answer this item." in response.content
    assert not Intake.objects.exists() and not QuestionnaireResponse.objects.exists()


def test_it_refuses_an_answer_out_of_range(clinic: Clinic) -> None:
    data = form_data()
    data["odi-lifting"] = "9"
    response = clinic.client(clinic.alice).post(url(clinic), data)
    assert response.status_code == 400
    assert b"Choose one of the answers offered." in response.content
    assert not Intake.objects.exists()


def test_it_explains_a_contradictory_intake_and_saves_nothing(clinic: Clinic) -> None:
    data = form_data(
        pain_duration_weeks=3,
        treatments=(("chiropractic", 10, "no_important_change"),),
        answer_overrides={"nrs": {"back_pain": 5, "leg_pain": 0}},
        leg_dominant="on",
    )
    response = clinic.client(clinic.alice).post(url(clinic), data)
    assert response.status_code == 400
    assert b"Chiropractic is recorded as lasting 10 weeks, but the pain has lasted 3 weeks" in (
        response.content
    )
    assert not Intake.objects.exists()
    data = form_data(answer_overrides={"nrs": {"back_pain": 5, "leg_pain": 0}}, leg_dominant="on")
    response = clinic.client(clinic.alice).post(url(clinic), data)
    assert b"leg pain is rated 0 out of 10" in response.content
    assert not Intake.objects.exists()


def test_it_asks_for_the_weeks_and_outcome_of_a_treatment(clinic: Clinic) -> None:
    data = form_data()
    data["treatments-0-treatment"] = "physical_therapy"
    response = clinic.client(clinic.alice).post(url(clinic), data)
    assert response.status_code == 400
    assert b"How many weeks?" in response.content and b"How did it go?" in response.content


def test_it_offers_a_follow_up_once_a_first_assessment_is_complete(clinic: Clinic) -> None:
    assert b"A follow-up" not in clinic.client(clinic.alice).get(url(clinic)).content
    submit_intake(
        clinic, prior_treatments=[{"treatment": "exercise", "weeks": 2, "response": "unknown"}]
    )
    page = clinic.client(clinic.alice).get(url(clinic))
    assert b"A follow-up" in page.content
    assert b'value="exercise" selected' in page.content  # the history carried forward
    response = clinic.client(clinic.alice).post(url(clinic), form_data(follow_up="yes"))
    assert response.status_code == 302
    assert Intake.objects.filter(kind="follow_up").count() == 1


def test_it_refuses_a_clinician_outside_the_care_team(clinic: Clinic) -> None:
    response = clinic.client(clinic.charlie).post(url(clinic), form_data())
    assert response.status_code == 403
    assert b"Break the glass" in response.content
    assert not Intake.objects.exists()
    assert AuditEvent.objects.filter(action="denied", username="charlie").exists()


def test_it_refuses_the_patient_and_the_clinic_admin(clinic: Clinic) -> None:
    for user in (clinic.pat, clinic.ada):
        assert clinic.client(user).get(url(clinic)).status_code == 403
        assert clinic.client(user).post(url(clinic), form_data()).status_code == 403
    assert not Intake.objects.exists()


def test_it_audits_opening_the_form(clinic: Clinic) -> None:
    clinic.client(clinic.alice).get(url(clinic))
    row = AuditEvent.objects.filter(username="alice", action="view").latest("seq")
    assert row.patient_id == clinic.patient.pk and row.detail["purpose"] == "intake"
