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
}

Call = Callable[[Clinic], tuple[Any, str, str, dict[str, Any]]]


def _member(clinic: Clinic) -> Any:
    return CareTeamMember.objects.get(patient=clinic.patient, practitioner__user=clinic.bob)


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
        method, url, data = "get", reverse(name), {}
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
