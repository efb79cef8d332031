from django.apps import AppConfig


class InstrumentsConfig(AppConfig):
    name = "spineclinic.instruments"
    verbose_name = "Questionnaires"
