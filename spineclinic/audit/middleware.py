from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from spineclinic.audit.context import Actor, current_actor


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a proxy we trust sets it.
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_actor.set(Actor(user=request.user, client_ip=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(token)
