from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db.models.signals import post_migrate


def load_default_rules(sender: AppConfig, apps: Apps | None = None, **kwargs: Any) -> None:
    # migrate passes the migration state's apps; flush (as tests run it) passes none.
    apps = apps or global_apps
    try:
        apps.get_model("pathways", "RuleSet")
    except LookupError:
        return  # migrated backwards past the table: nothing to load into
    from spineclinic.pathways.actions import ensure_default_ruleset

    ensure_default_ruleset()


class PathwaysConfig(AppConfig):
    name = "spineclinic.pathways"
    verbose_name = "Pathways"

    def ready(self) -> None:
        from spineclinic.pathways.chart_sections import INTAKES, RESULTS
        from spineclinic.patients.chart import register_section

        register_section(RESULTS)
        register_section(INTAKES)
        # After every migrate (and flush): a new shipped default reaches the database
        # without a hand-written data migration.
        post_migrate.connect(load_default_rules, sender=self)
