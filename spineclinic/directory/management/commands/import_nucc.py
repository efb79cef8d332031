from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spineclinic.directory.nppes_import import import_nucc


class Command(BaseCommand):
    help = "Load the NUCC Health Care Provider Taxonomy code set (CSV) for display names."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            count = import_nucc(path)
        except (ValueError, KeyError) as error:
            raise CommandError(f"{path} is not the NUCC taxonomy CSV: {error}") from error
        self.stdout.write(f"Loaded {count} taxonomy codes.")
