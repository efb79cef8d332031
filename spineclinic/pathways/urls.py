from django.urls import path

from spineclinic.pathways import views

app_name = "pathways"

urlpatterns = [
    path("patients/<uuid:patient_id>/intake/", views.start_intake, name="intake_new"),
    path("intake/questionnaires/", views.intake_questionnaires, name="intake_questionnaires"),
    path("intakes/<uuid:intake_id>/", views.intake_detail, name="intake"),
    path(
        "recommendations/<uuid:recommendation_id>/accept/",
        views.accept_recommendation,
        name="accept",
    ),
    path(
        "recommendations/<uuid:recommendation_id>/override/",
        views.override_recommendation,
        name="override",
    ),
    path(
        "responses/<uuid:response_id>/safety-assessment/",
        views.record_safety_assessment,
        name="safety_assessment",
    ),
    path("rules/", views.rules_list, name="rules"),
    path("rules/edit/", views.rules_edit, name="rules_edit"),
    path("rules/<uuid:ruleset_id>/", views.rules_detail, name="rules_detail"),
    path("rules/<uuid:ruleset_id>/activate/", views.rules_activate, name="rules_activate"),
]
