"""The front desk's journey in a real browser: sign in, register, meet the duplicate
warning, find the patient, open the chart."""

import pytest
from playwright.sync_api import Page, expect

from spineclinic.patients.models import Patient
from spineclinic.test import PASSWORD, make_clinic

pytestmark = pytest.mark.browser


def test_it_registers_finds_and_opens_a_patient(page: Page) -> None:
    clinic = make_clinic()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("frank")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()

    # A patient who is already registered, typed with a short first name.
    page.get_by_role("link", name="Register a patient").first.click()
    page.get_by_label("First name").fill("Pat")
    page.get_by_label("Last name").fill("Lumbar")
    page.get_by_label("Date of birth").fill("1968-05-17")
    page.get_by_label("Sex").select_option("female")
    page.locator("#id_phone").fill("860 555 0188")
    page.get_by_role("button", name="Register").click()
    warning = page.locator("#duplicate-warning")
    expect(warning).to_contain_text("may already be registered")
    expect(warning).to_contain_text(clinic.patient.mrn)
    assert Patient.objects.count() == 1

    # The front desk checks: a different person, registers anyway with a reason.
    page.get_by_label("I have checked").check()
    page.get_by_label("Why these are different people").fill("Daughter, same name and birthday")
    page.get_by_role("button", name="Register as a new patient").click()
    expect(page.get_by_text("Registered Lumbar, Pat")).to_be_visible()
    new = Patient.objects.get(given_name="Pat")
    assert new.duplicate_override_reason == "Daughter, same name and birthday"

    page.get_by_role("link", name="Patients").first.click()
    page.get_by_label("Name, date of birth, MRN or phone").fill("lumbar")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("2 patients found")).to_be_visible()
    page.get_by_role("link", name="Lumbar, Pat", exact=True).click()
    expect(page.get_by_role("heading", name="Lumbar, Pat")).to_be_visible()
    expect(page.get_by_text(f"MRN {new.mrn}")).to_be_visible()
    expect(page.locator("#access-log")).to_contain_text("frank")
