from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "spineclinic.pathways"
    verbose_name = "Pathways"
