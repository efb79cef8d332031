from django.urls import path

from spineclinic.directory import views

app_name = "directory"

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("providers/<str:npi>/", views.provider_profile, name="provider"),
    path("practices/<uuid:practice_id>/", views.practice_profile, name="practice"),
]
