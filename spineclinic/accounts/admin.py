from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from spineclinic.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Clinic role", {"fields": ["role"]}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Clinic role", {"fields": ["role"]}))
