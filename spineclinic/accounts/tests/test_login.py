from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from spineclinic.accounts.actions import do_create_user
from spineclinic.accounts.middleware import LAST_SEEN, LOGIN_AT
from spineclinic.accounts.models import Role
from spineclinic.test import PASSWORD, Clinic

LOGIN = reverse("accounts:login")
PATIENTS = reverse("patients:search")


def sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def test_it_signs_in_and_out(clinic: Clinic) -> None:
    client = Client()
    response = sign_in(client, "frank")
    assert response.status_code == 302
    assert client.get(PATIENTS).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(PATIENTS).status_code == 302


def test_it_refuses_a_wrong_password_with_a_clear_message(clinic: Clinic) -> None:
    response = Client().post(LOGIN, {"username": "frank", "password": "wrong-password-123"})
    assert response.status_code == 200
    assert b"do not match" in response.content


def test_it_locks_the_account_after_five_failures(clinic: Clinic) -> None:
    client = Client()
    for _ in range(5):
        client.post(LOGIN, {"username": "frank", "password": "wrong-password-123"})
    locked = sign_in(Client(), "frank")  # even the right password, from anywhere
    assert locked.status_code == 429
    assert b"locked for 15 minutes" in locked.content
    assert sign_in(Client(), "alice").status_code == 302  # other accounts unaffected


@pytest.mark.real_password_hashing
def test_it_hashes_passwords_with_argon2(db: None) -> None:
    user = do_create_user("newbie", "a-long-enough-passphrase", role=Role.FRONT_DESK)
    assert user.password.startswith("argon2")


@pytest.mark.parametrize("password", ["short-pass1", "123456789012", "password1234"])
def test_it_refuses_weak_passwords(db: None, password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


def test_it_accepts_a_twelve_character_password(db: None) -> None:
    validate_password("river-stone7")


def _age_session(client: Client, *, idle: timedelta, since_login: timedelta) -> None:
    session = client.session
    now = timezone.now()
    session[LAST_SEEN] = (now - idle).isoformat()
    session[LOGIN_AT] = (now - since_login).isoformat()
    session.save()


def test_it_ends_a_session_after_15_idle_minutes(clinic: Clinic) -> None:
    client = Client()
    sign_in(client, "frank")
    _age_session(client, idle=timedelta(minutes=14), since_login=timedelta(hours=1))
    assert client.get(PATIENTS).status_code == 200
    _age_session(client, idle=timedelta(minutes=16), since_login=timedelta(hours=1))
    response = client.get(PATIENTS, follow=True)
    assert b"15 minutes without activity" in response.content
    assert response.redirect_chain[-1][0].startswith(LOGIN)


def test_it_ends_a_session_after_12_hours_whatever_the_activity(clinic: Clinic) -> None:
    client = Client()
    sign_in(client, "frank")
    _age_session(client, idle=timedelta(minutes=1), since_login=timedelta(hours=12, minutes=1))
    response = client.get(PATIENTS, follow=True)
    assert b"12-hour limit" in response.content


def test_it_makes_staff_enrol_in_two_factor_when_required(clinic: Clinic, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MFA_REQUIRED_FOR_STAFF = True
    client = Client()
    sign_in(client, "frank")
    response = client.get(PATIENTS)
    assert response["Location"].startswith(reverse("accounts:mfa_setup"))
    setup = client.get(response["Location"])
    assert b"Key:" in setup.content
    device = TOTPDevice.objects.get(user=clinic.frank)
    code = f"{totp(device.bin_key):06d}"
    done = client.post(reverse("accounts:mfa_setup"), {"code": code, "next": PATIENTS})
    assert done["Location"] == PATIENTS
    assert client.get(PATIENTS).status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_it_refuses_a_wrong_code_and_stays_unverified(clinic: Clinic) -> None:
    device = TOTPDevice.objects.create(user=clinic.alice, name="phone", confirmed=True)
    client = Client()
    sign_in(client, "alice")
    wrong = (totp(device.bin_key) + 1) % 1_000_000
    response = client.post(reverse("accounts:mfa_verify"), {"code": f"{wrong:06d}"})
    assert b"not valid now" in response.content
    assert client.get(PATIENTS)["Location"].startswith(reverse("accounts:mfa_verify"))


def test_it_asks_an_enrolled_user_for_a_code_at_every_sign_in(clinic: Clinic) -> None:
    device = TOTPDevice.objects.create(user=clinic.alice, name="phone", confirmed=True)
    client = Client()
    sign_in(client, "alice")
    response = client.get(PATIENTS)
    assert response["Location"].startswith(reverse("accounts:mfa_verify"))
    client.post(reverse("accounts:mfa_verify"), {"code": f"{totp(device.bin_key):06d}"})
    assert client.get(PATIENTS).status_code == 200


def test_it_does_not_ask_patients_for_a_staff_second_factor(clinic: Clinic, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MFA_REQUIRED_FOR_STAFF = True
    client = Client()
    sign_in(client, "pat")
    assert client.get(reverse("accounts:security")).status_code == 200


def test_it_refuses_an_offsite_next_after_the_code(clinic: Clinic) -> None:
    device = TOTPDevice.objects.create(user=clinic.alice, name="phone", confirmed=True)
    client = Client()
    sign_in(client, "alice")
    response = client.post(
        reverse("accounts:mfa_verify"),
        {"code": f"{totp(device.bin_key):06d}", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"
