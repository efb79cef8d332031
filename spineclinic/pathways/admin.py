"""Rule sets in the admin are read-only: edits go through the rule editor
(/pathways/rules/), which validates them and previews their effect before activation.
Recommendations are patient data and are read through the audited chart, not here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from spineclinic.pathways.models import RuleSet


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ["version", "source", "active", "created_at", "created_by", "activated_at"]
    list_filter = ["active", "source"]
    readonly_fields = [f.name for f in RuleSet._meta.fields]
    change_list_template = "admin/pathways/ruleset_changelist.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # recommendations name the rules version that made them
