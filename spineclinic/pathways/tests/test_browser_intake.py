"""A clinician's journey in a real browser: open the chart, start an intake, watch the
form adapt to the region, answer, read the scored result and the recommendation with
its reasons, and accept it."""

import pytest
from playwright.sync_api import Page, expect

from spineclinic.pathways.models import Recommendation
from spineclinic.test import PASSWORD, make_clinic

pytestmark = pytest.mark.browser


def answer(page: Page, code: str, values: dict[str, int]) -> None:
    for item, value in values.items():
        page.locator(f"input[name='{code}-{item}'][value='{value}']").check()


def test_it_goes_from_intake_to_an_accepted_recommendation(page: Page) -> None:
    clinic = make_clinic()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/patients/{clinic.patient.pk}/")
    expect(page.locator("#section-screening")).to_contain_text("No completed intake yet")
    page.get_by_role("link", name="Start an intake").first.click()
    expect(page.get_by_role("heading", name="Intake screening")).to_be_visible()

    # The disability questionnaire follows the region, swapped in by htmx.
    expect(page.locator("#q-odi")).to_be_visible()
    page.get_by_label("Where is the pain?").select_option("neck")
    expect(page.locator("#q-ndi")).to_be_visible()
    expect(page.locator("#q-odi")).to_have_count(0)
    page.get_by_label("Where is the pain?").select_option("low_back")
    expect(page.locator("#q-odi")).to_be_visible()

    page.get_by_label("How long has this episode of pain lasted? (weeks)").fill("10")
    page.locator("#id_treatments-0-treatment").select_option("physical_therapy")
    page.locator("#id_treatments-0-weeks").fill("3")
    page.locator("#id_treatments-0-response").select_option("no_important_change")
    page.get_by_role("button", name="Mark every item “No”").click()
    answer(page, "nrs", {"back_pain": 7, "leg_pain": 2})
    answer(page, "odi", {s: 3 for s in ("pain_intensity", "personal_care", "lifting")})
    answer(page, "odi", {s: 2 for s in ("walking", "sitting", "standing", "sleeping")})
    answer(page, "odi", {s: 2 for s in ("social_life", "travelling")})  # sex life left blank
    answer(page, "sbst", {f"q{n}": int(n >= 5) for n in range(1, 9)} | {"q9": 4})
    answer(page, "phq9", {f"q{n}": 1 for n in range(1, 10)} | {"q9": 0})
    page.get_by_role("button", name="Complete the intake").click()

    expect(page.get_by_text("Intake completed and scored.")).to_be_visible()
    expect(page.locator("#score-odi")).to_contain_text("46.7%")  # 21/45, one section blank
    expect(page.locator("#score-odi")).to_contain_text("severe")
    expect(page.locator("#score-sbst")).to_contain_text("high risk")
    recommendation = page.locator("#recommendation")
    expect(recommendation).to_contain_text("Physical therapy")
    expect(recommendation).to_contain_text("in this clinic")
    # The clinic has no pain psychologist: refer outside, with the directory search.
    link = recommendation.get_by_role("link", name="Find pain psychology near the patient")
    expect(link).to_have_attribute(
        "href", "/directory/search/?near=06106&discipline=pain_psychology&radius=25"
    )
    expect(recommendation).to_contain_text("STarT Back high risk")

    page.get_by_role("button", name="Accept the recommendation").click()
    expect(page.get_by_text("Recommendation accepted.")).to_be_visible()
    expect(page.locator("#recommendation-status")).to_have_text("Accepted")
    decided = Recommendation.objects.get()
    assert decided.status == "accepted" and decided.decided_by == clinic.alice
    assert decided.decided_disciplines == ["physical_therapy", "pain_psychology"]

    page.get_by_role("link", name=clinic.patient.display_name).first.click()
    expect(page.locator("#section-screening")).to_contain_text("Pain psychology")
    expect(page.locator("#section-intakes")).to_contain_text("Completed")
