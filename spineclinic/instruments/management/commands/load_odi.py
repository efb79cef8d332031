"""`spineclinic load-odi FILE`: load the clinic's licensed Oswestry wording and make it the
one the intake form shows (REFERENCE section 4: the wording is Mapi Research Trust's)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from spineclinic.instruments.actions import do_load_licensed_odi


class Command(BaseCommand):
    help = "Load the clinic's licensed ODI definition (YAML, format 1) and activate it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the licensed ODI definition file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            row = do_load_licensed_odi(options["file"], by=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"Loaded {row.title} version {row.version}; the intake form now shows it."
        )
