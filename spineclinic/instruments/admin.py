"""Questionnaire definitions and thresholds for the clinic admin. Patient answers are not
here: they are read through the chart, which audits every access."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from spineclinic.instruments.actions import do_activate_definition, do_load_licensed_odi
from spineclinic.instruments.models import InstrumentDefinition, ResponseThreshold


class LicensedOdiForm(forms.Form):
    file = forms.FileField(
        label="Licensed ODI definition (YAML)",
        help_text="The format of instrument_files/odi_demo.yaml, with your licensed wording, "
        "the same section codes and levels 0-5, and your licence notice.",
    )


@admin.register(InstrumentDefinition)
class InstrumentDefinitionAdmin(admin.ModelAdmin):
    list_display = ["code", "version", "title", "source", "active", "loaded_at"]
    list_filter = ["code", "source", "active"]
    readonly_fields = [f.name for f in InstrumentDefinition._meta.fields]
    actions = ["make_active"]
    change_list_template = "admin/instruments/definition_changelist.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # definitions come from files: the bundled ones or load-odi

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # stored answers name the version they were given on

    @admin.action(description="Make the selected definition the one forms show")
    def make_active(self, request: HttpRequest, queryset: QuerySet[InstrumentDefinition]) -> None:
        if queryset.values("code").distinct().count() != queryset.count():
            self.message_user(request, "Choose one version per instrument.", messages.ERROR)
            return
        for row in queryset:
            do_activate_definition(row, by=request.user)
        self.message_user(request, f"Activated {queryset.count()} definition(s).")

    def get_urls(self) -> list[URLPattern]:
        load = path(
            "load-odi/",
            self.admin_site.admin_view(self.load_odi_view),
            name="instruments_load_odi",
        )
        return [load, *super().get_urls()]

    def load_odi_view(self, request: HttpRequest) -> HttpResponse:
        form = LicensedOdiForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            with tempfile.TemporaryDirectory() as folder:
                target = Path(folder) / "licensed_odi.yaml"
                target.write_bytes(upload.read())
                try:
                    row = do_load_licensed_odi(target, by=request.user)
                except ValidationError as error:
                    # The loader names the temporary path; the clinic knows its file by name.
                    form.add_error(
                        "file", [m.replace(str(target), upload.name) for m in error.messages]
                    )
                else:
                    self.message_user(request, f"Loaded and activated {row}.")
                    return redirect("admin:instruments_instrumentdefinition_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": "Load licensed ODI",
        }
        return TemplateResponse(request, "admin/instruments/load_odi.html", context)


@admin.register(ResponseThreshold)
class ResponseThresholdAdmin(admin.ModelAdmin):
    list_display = ["measure", "points", "fraction_of_baseline", "source", "updated_at"]
    exclude = ["updated_by"]

    def save_model(
        self, request: HttpRequest, obj: ResponseThreshold, form: Any, change: bool
    ) -> None:
        obj.updated_by = request.user  # type: ignore[assignment]  # the admin is signed in
        super().save_model(request, obj, form, change)
