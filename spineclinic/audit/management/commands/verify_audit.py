from typing import Any

from django.core.management.base import BaseCommand, CommandError

from spineclinic.audit.actions import verify_chain


class Command(BaseCommand):
    help = "Check the audit trail's hash chain and report the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        count, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"Audit trail broken at row #{broken.seq}: {broken.reason} ({count} rows read)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {count} rows verified."))
