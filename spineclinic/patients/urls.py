from django.urls import path

from spineclinic.patients import views

app_name = "patients"

urlpatterns = [
    path("", views.search, name="search"),
    path("register/", views.register, name="register"),
    path("me/", views.my_record, name="my_record"),
    path("<uuid:patient_id>/", views.chart, name="chart"),
    path("<uuid:patient_id>/edit/", views.edit_registration, name="edit"),
    path("<uuid:patient_id>/break-glass/", views.break_glass, name="break_glass"),
    path("<uuid:patient_id>/care-team/", views.add_care_team_member, name="care_team_add"),
    path(
        "<uuid:patient_id>/care-team/<uuid:member_id>/remove/",
        views.remove_care_team_member,
        name="care_team_remove",
    ),
    path("<uuid:patient_id>/access-log/", views.access_log, name="access_log"),
]
