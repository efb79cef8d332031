from django.contrib import admin
from django.urls import include, path

from spineclinic.directory import views as directory_views

admin.site.site_header = "spineclinic administration"
admin.site.site_title = "spineclinic"

urlpatterns = [
    path("", directory_views.home, name="home"),
    path("directory/", include("spineclinic.directory.urls")),
    path("api/directory/search", directory_views.search_api, name="directory_search_api"),
    path("accounts/", include("spineclinic.accounts.urls")),
    path("patients/", include("spineclinic.patients.urls")),
    path("pathways/", include("spineclinic.pathways.urls")),
    path("admin/", admin.site.urls),
]
