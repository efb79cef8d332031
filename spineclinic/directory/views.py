from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from spineclinic.directory.models import Discipline


def home(request: HttpRequest) -> HttpResponse:
    """The public front page; signed-in staff go straight to their work."""
    if getattr(request.user, "is_clinic_staff", False):
        return redirect("patients:search")
    if getattr(request.user, "role", None) == "patient":
        return redirect("patients:my_record")
    return render(request, "directory/home.html", {"disciplines": Discipline.objects.all()})
