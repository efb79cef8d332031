from django.contrib import admin

from spineclinic.directory.models import (
    Discipline,
    Location,
    Organization,
    Practitioner,
    PractitionerRole,
)


@admin.register(Discipline)
class DisciplineAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "role", "nucc_codes"]


class LocationInline(admin.TabularInline):
    model = Location
    extra = 0
    fields = ["name", "line1", "city", "state", "postal_code", "time_zone"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "npi", "is_this_clinic", "active", "source"]
    list_filter = ["is_this_clinic", "active", "source"]
    search_fields = ["name", "npi"]
    inlines = [LocationInline]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organization", "city", "state", "postal_code"]
    list_filter = ["state", "source"]
    search_fields = ["name", "line1", "city", "postal_code"]
    raw_id_fields = ["organization"]


class PractitionerRoleInline(admin.TabularInline):
    model = PractitionerRole
    extra = 0
    raw_id_fields = ["location"]


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["display_name", "npi", "active", "source", "user"]
    list_filter = ["active", "source"]
    search_fields = ["family_name", "given_name", "npi"]
    raw_id_fields = ["user"]
    inlines = [PractitionerRoleInline]


@admin.register(PractitionerRole)
class PractitionerRoleAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "discipline", "location", "accepting_new_patients", "active"]
    list_filter = ["discipline", "accepting_new_patients", "active"]
    raw_id_fields = ["practitioner", "location"]
