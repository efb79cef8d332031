"""The public directory: no sign-in, no patient data (this app never imports patients)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from spineclinic.directory.forms import DirectorySearchForm
from spineclinic.directory.models import Discipline, Practice, Provider, TaxonomyCode
from spineclinic.directory.search import discipline_bits, disciplines_of, search


def home(request: HttpRequest) -> HttpResponse:
    """The public front page; signed-in staff and patients go straight to their work."""
    if getattr(request.user, "is_clinic_staff", False):
        return redirect("patients:search")
    if getattr(request.user, "role", None) == "patient":
        return redirect("patients:my_record")
    context = {"form": DirectorySearchForm(), "disciplines": Discipline.objects.all()}
    return render(request, "directory/home.html", context)


def _page_url(request: HttpRequest, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return f"{request.path}?{params.urlencode()}"


def search_page(request: HttpRequest) -> HttpResponse:
    form = DirectorySearchForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "result": None}
    if request.GET and form.is_valid():
        result = search(form.to_query())
        context["result"] = result
        if result.has_next:
            context["next_url"] = _page_url(request, result.query.page + 1)
        if result.has_previous:
            context["previous_url"] = _page_url(request, result.query.page - 1)
    status = 400 if request.GET and form.errors else 200
    return render(request, "directory/search.html", context, status=status)


def search_api(request: HttpRequest) -> JsonResponse:
    form = DirectorySearchForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": form.first_error(), "fields": form.errors}, status=400)
    result = search(form.to_query())
    next_url = None
    if result.has_next:
        next_url = request.build_absolute_uri(_page_url(request, result.query.page + 1))
    return JsonResponse(
        {
            "count": result.count,
            "page": result.query.page,
            "results": [
                {
                    "npi": hit.npi,
                    "name": hit.name,
                    "disciplines": list(hit.disciplines),
                    "distance": hit.distance,
                    "unit": hit.unit,
                    "address": hit.address,
                    "integrated": hit.integrated,
                    "clinic_disciplines": list(hit.clinic_disciplines),
                    "accepting_new_patients": hit.accepting,
                    "profile": request.build_absolute_uri(
                        reverse("directory:provider", args=[hit.npi])
                    ),
                }
                for hit in result.hits
            ],
            "next": next_url,
        }
    )


def provider_profile(request: HttpRequest, npi: str) -> HttpResponse:
    provider = get_object_or_404(Provider, npi=npi)
    bits = discipline_bits()
    names = {d.code: d.name for d in Discipline.objects.all()}
    codes = provider.taxonomy_codes.split()
    taxonomies = {t.code: t.display_name for t in TaxonomyCode.objects.filter(code__in=codes)}
    listings = provider.listings.select_related("practice").order_by("practice__city")
    context = {
        "provider": provider,
        "disciplines": [names[c] for c in disciplines_of(provider.disciplines, bits)],
        "taxonomies": [(c, taxonomies.get(c, ""), c == provider.primary_taxonomy) for c in codes],
        "listings": listings,
    }
    return render(request, "directory/provider.html", context)


def practice_profile(request: HttpRequest, practice_id: Any) -> HttpResponse:
    practice = Practice.objects.filter(public_id=practice_id).first()
    if practice is None:
        raise Http404("No such practice.")
    bits = discipline_bits()
    names = {d.code: d.name for d in Discipline.objects.all()}
    listings = list(
        practice.listings.filter(active=True)
        .select_related("provider")
        .order_by("provider__family_name", "provider__name")[:500]
    )
    by_discipline: dict[str, list[Provider]] = {}
    for listing in listings:
        for code in disciplines_of(listing.disciplines, bits):
            by_discipline.setdefault(names[code], []).append(listing.provider)
    context = {
        "practice": practice,
        "by_discipline": sorted(by_discipline.items()),
        "discipline_names": [names[c] for c in disciplines_of(practice.disciplines, bits)],
        "search_nearby": reverse("directory:search")
        + "?"
        + urlencode({"near": practice.postal_code[:5], "radius": 10}),
    }
    return render(request, "directory/practice.html", context)
