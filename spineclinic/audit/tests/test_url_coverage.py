"""Every URL is classified, and the classification is checked:
public pages answer without sign-in, everything else sends anonymous users to sign in,
and every page that shows or changes patient data writes audit rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from spineclinic.audit.models import AuditEvent
from spineclinic.pathways.tests.intake_answers import phq9, submit_intake
from spineclinic.patients.models import CareTeamMember
from spineclinic.test import Clinic

PUBLIC = {
    "home",
    "accounts:login",
    "directory:search",
    "directory:provider",
    "directory:practice",
    "directory_search_api",
}
# Signed-in pages that show no patient data.
SIGNED_IN_ONLY = {
    "accounts:logout",
    "accounts:mfa_verify",
    "accounts:mfa_setup",
    "accounts:security",
    "patients:register",
    "pathways:intake_questionnaires",
    "pathways:rules",
    "pathways:rules_edit",
    "pathways:rules_detail",
    "pathways:rules_activate",
}


def _ruleset_url(name: str) -> str:
    from spineclinic.pathways.models import RuleSet

    return reverse(name, args=[RuleSet.objects.get(active=True).pk])


# Signed-in pages whose URL needs an argument.
SIGNED_IN_URLS: dict[str, Callable[[], str]] = {
    "pathways:rules_detail": lambda: _ruleset_url("pathways:rules_detail"),
    "pathways:rules_activate": lambda: _ruleset_url("pathways:rules_activate"),
}

Call = Callable[[Clinic], tuple[Any, str, str, dict[str, Any]]]


def _member(clinic: Clinic) -> Any:
    return CareTeamMember.objects.get(patient=clinic.patient, practitioner__user=clinic.bob)


def _intake_url(clinic: Clinic, name: str, **answers: Any) -> str:
    recommendation = submit_intake(clinic, answer_overrides=answers)
    if name == "pathways:intake":
        return reverse(name, args=[recommendation.intake_id])
    if name == "pathways:safety_assessment":
        response = recommendation.intake.responses.get(instrument_code="phq9")
        return reverse(name, args=[response.pk])
    return reverse(name, args=[recommendation.pk])


# name -> (user, method, url, data) that an authorised user sends
PATIENT_DATA: dict[str, Call] = {
    "patients:search": lambda c: (c.frank, "get", reverse("patients:search"), {"q": "lumbar"}),
    "patients:chart": lambda c: (
        c.alice,
        "get",
        reverse("patients:chart", args=[c.patient.pk]),
        {},
    ),
    "patients:edit": lambda c: (c.frank, "get", reverse("patients:edit", args=[c.patient.pk]), {}),
    "patients:break_glass": lambda c: (
        c.charlie,
        "post",
        reverse("patients:break_glass", args=[c.patient.pk]),
        {"reason": "On call for the emergency department"},
    ),
    "patients:care_team_add": lambda c: (
        c.frank,
        "post",
        reverse("patients:care_team_add", args=[c.patient.pk]),
        {"practitioner": c.charlie.practitioner.pk},
    ),
    "patients:care_team_remove": lambda c: (
        c.alice,
        "post",
        reverse("patients:care_team_remove", args=[c.patient.pk, _member(c).pk]),
        {},
    ),
    "patients:my_record": lambda c: (c.pat, "get", reverse("patients:my_record"), {}),
    "patients:access_log": lambda c: (
        c.alice,
        "get",
        reverse("patients:access_log", args=[c.patient.pk]),
        {},
    ),
    "pathways:intake_new": lambda c: (
        c.alice,
        "get",
        reverse("pathways:intake_new", args=[c.patient.pk]),
        {},
    ),
    "pathways:intake": lambda c: (c.bob, "get", _intake_url(c, "pathways:intake"), {}),
    "pathways:accept": lambda c: (c.alice, "post", _intake_url(c, "pathways:accept"), {}),
    "pathways:override": lambda c: (
        c.alice,
        "post",
        _intake_url(c, "pathways:override"),
        {"disciplines": ["chiropractic"], "reason": "Patient prefers chiropractic care"},
    ),
    "pathways:safety_assessment": lambda c: (
        c.alice,
        "post",
        _intake_url(c, "pathways:safety_assessment", phq9=phq9(item9=1)),
        {"note": "Seen today: no plan or intent; safety plan agreed"},
    ),
}


def url_names(
    patterns: list[Any] | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin: staff-only by its own login, checked below
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def test_it_classifies_every_url() -> None:
    names = {name for name, _ in url_names()}
    unclassified = names - PUBLIC - SIGNED_IN_ONLY - set(PATIENT_DATA)
    assert not unclassified, f"classify these URLs in {__file__}: {sorted(unclassified)}"


@pytest.mark.parametrize("name", sorted(SIGNED_IN_ONLY | set(PATIENT_DATA)))
def test_it_sends_anonymous_users_to_sign_in(clinic: Clinic, name: str) -> None:
    if name in PATIENT_DATA:
        _, method, url, data = PATIENT_DATA[name](clinic)
    else:
        method, data = "get", {}
        url = SIGNED_IN_URLS[name]() if name in SIGNED_IN_URLS else reverse(name)
    response = getattr(Client(), method)(url, data)
    if name == "accounts:logout" and response.status_code == 405:
        response = Client().post(url)
    assert response.status_code == 302, name
    assert response["Location"].startswith(reverse("accounts:login")), name


def test_it_keeps_the_admin_behind_its_sign_in(db: None) -> None:
    response = Client().get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def _public_url(name: str) -> str:
    from spineclinic.directory.models import Practice, Provider

    if name == "directory:provider":
        return reverse(name, args=[Provider.objects.order_by("npi").first().npi])  # type: ignore[union-attr]
    if name == "directory:practice":
        practice = Practice.objects.order_by("id").first()
        return reverse(name, args=[practice.public_id])  # type: ignore[union-attr]
    if name == "directory_search_api":
        return reverse(name) + "?near=06106&radius=25"
    return reverse(name)


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_it_serves_public_pages_without_sign_in(clinic: Clinic, name: str) -> None:
    from spineclinic.directory.index import sync_clinic_directory

    sync_clinic_directory()
    response = Client().get(_public_url(name))
    assert response.status_code == 200, name
    assert clinic.patient.family_name.encode() not in response.content


@pytest.mark.parametrize("name", sorted(PATIENT_DATA))
def test_it_audits_every_page_with_patient_data(clinic: Clinic, name: str) -> None:
    user, method, url, data = PATIENT_DATA[name](clinic)
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    response = getattr(clinic.client(user), method)(url, data)
    assert response.status_code in (200, 302), (name, response.status_code)
    rows = AuditEvent.objects.filter(seq__gt=before)
    assert rows.filter(patient_id=clinic.patient.pk, username=user.username).exists(), name
