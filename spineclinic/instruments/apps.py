from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db.models.signals import post_migrate


def load_bundled_definitions(sender: AppConfig, apps: Apps | None = None, **kwargs: Any) -> None:
    # migrate passes the migration state's apps; flush (as tests run it) passes none.
    apps = apps or global_apps
    try:
        apps.get_model("instruments", "InstrumentDefinition")
    except LookupError:
        return  # migrated backwards past the table: nothing to load into
    from spineclinic.instruments.actions import sync_bundled_definitions

    sync_bundled_definitions()


class InstrumentsConfig(AppConfig):
    name = "spineclinic.instruments"
    verbose_name = "Questionnaires"

    def ready(self) -> None:
        # After every migrate (and every flush), so a new instrument file or a new version
        # of one reaches the database without a hand-written data migration.
        post_migrate.connect(load_bundled_definitions, sender=self)
