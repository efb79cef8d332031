from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

LOGIN_AT = "spineclinic_login_at"
LAST_SEEN = "spineclinic_last_seen"


class SessionLimitsMiddleware:
    """End a session after SESSION_IDLE_TIMEOUT without a request, and after
    SESSION_ABSOLUTE_TIMEOUT in all, whatever the activity."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now()
            login_at = _read(request.session.get(LOGIN_AT)) or now
            last_seen = _read(request.session.get(LAST_SEEN)) or now
            why = None
            if now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT:
                why = "Your session reached its 12-hour limit. Please sign in again."
            elif now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                why = "You were signed out after 15 minutes without activity."
            if why:
                logout(request)
                messages.info(request, why)
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            request.session[LOGIN_AT] = login_at.isoformat()
            request.session[LAST_SEEN] = now.isoformat()
        return self.get_response(request)


def _read(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


MFA_EXEMPT_PREFIXES = ("/accounts/mfa/", "/accounts/logout/", "/static/")


class RequireMfaMiddleware:
    """Staff who must (or chose to) use TOTP reach nothing but the MFA pages until verified."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "is_clinic_staff", False)
            and not user.is_verified()  # type: ignore[attr-defined]  # set by OTPMiddleware
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
        ):
            from spineclinic.accounts.mfa import has_confirmed_device

            if has_confirmed_device(user):
                return redirect(f"{reverse('accounts:mfa_verify')}?next={request.path}")
            if settings.MFA_REQUIRED_FOR_STAFF:
                return redirect(f"{reverse('accounts:mfa_setup')}?next={request.path}")
        return self.get_response(request)
