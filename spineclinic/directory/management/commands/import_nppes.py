from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from spineclinic.directory.nppes_import import NotNppesFile, import_nppes


class Command(BaseCommand):
    help = (
        "Import an NPPES bulk file (the monthly npidata_pfile_*.csv or a weekly update) into "
        "the public directory. Only spine disciplines unless --all-taxonomies."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--all-taxonomies",
            action="store_true",
            help="import every provider, not only the spine disciplines",
        )
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        show = not options["no_progress"] and not options["json"]
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            TaskProgressColumn(),
            DownloadColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            disable=not show,
            transient=True,
        ) as bar:
            task = bar.add_task(f"Importing {path.name}", total=path.stat().st_size)
            started = time.perf_counter()

            def report(done: int, total: int, rows: int) -> None:
                rate = rows / max(time.perf_counter() - started, 1e-6)
                description = f"{path.name}: {rows:,} rows, {rate:,.0f} rows/s"
                bar.update(task, completed=done, total=total, description=description)

            try:
                summary = import_nppes(
                    path, all_taxonomies=options["all_taxonomies"], progress=report
                )
            except NotNppesFile as error:
                raise CommandError(f"{error} Nothing was imported.") from error
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict()))
            return
        for line in summary.lines():
            self.stdout.write(line)
