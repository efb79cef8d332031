from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from spineclinic.accounts.models import Role, User


def do_confirm_totp_device(device: TOTPDevice, *, by: Any) -> None:
    with transaction.atomic():
        # One confirmed authenticator per user: a new enrolment replaces the old one.
        TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])


def do_create_user(
    username: str,
    password: str,
    *,
    role: Role,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a sign-in account; the password must pass the clinic's password rules."""
    user = User(
        username=username, role=role, first_name=first_name, last_name=last_name, email=email
    )
    validate_password(password, user)
    user.set_password(password)
    user.is_staff = role == Role.CLINIC_ADMIN  # the Django admin is for clinic admins only
    user.is_superuser = role == Role.CLINIC_ADMIN
    user.save()
    return user
