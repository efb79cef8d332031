from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "spineclinic.audit"
    verbose_name = "Audit trail"
