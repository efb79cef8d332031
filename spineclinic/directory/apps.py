from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "spineclinic.directory"
    verbose_name = "Directory"
