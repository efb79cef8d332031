from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "spineclinic.directory"
    verbose_name = "Directory"

    def ready(self) -> None:
        from django.conf import settings

        from spineclinic.lib import geo

        geo.configure_cache(settings.VAR_DIR / "cache")
