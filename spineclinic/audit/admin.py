from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from spineclinic.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "seq",
        "at",
        "username",
        "role",
        "action",
        "patient_id",
        "object_type",
        "client_ip",
        "break_glass_reason",
    ]
    list_filter = ["action", "role", "at"]
    search_fields = ["username", "=patient_id", "object_id", "break_glass_reason"]
    date_hierarchy = "at"
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
