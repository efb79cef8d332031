from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "spineclinic.patients"
    verbose_name = "Patients"
