"""`spineclinic bench ...`: performance measured on generated data at a stated scale.

Each benchmark prints a readable table and, as its last line, one JSON object with the
figures, so a run can be recorded in docs/benchmarks.md and compared with later ones.
Benchmarks use their own database (var/bench.sqlite3, or the DATABASE_URL given), never
the clinic's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def bench_directory(args: argparse.Namespace) -> dict[str, Any]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from rich.console import Console
    from rich.table import Table

    from spineclinic.directory.models import Discipline, Listing, Practice, Provider
    from spineclinic.directory.nppes_import import import_nppes
    from spineclinic.directory.search import SearchQuery, search

    console = Console(stderr=True)
    call_command("migrate", interactive=False, verbosity=0)
    database = connection.vendor
    console.print(f"Database: {database} ({settings.DATABASES['default']['NAME']})")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "npidata_synthetic.csv"
        started = time.perf_counter()
        # Generated in a child process so the import's peak memory is its own.
        subprocess.run(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "spineclinic.directory.synthetic",
                str(path),
                str(args.providers),
                "--seed",
                str(args.seed),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        console.print(
            f"Generated {args.providers:,} NPPES rows ({path.stat().st_size / 1e6:,.0f} MB)"
            f" in {time.perf_counter() - started:.1f} s"
        )
        if not args.keep:
            with connection.cursor() as cursor:  # raw: the ORM would load every row to delete
                for model in (Listing, Provider, Practice):
                    cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608
        rss_before = _peak_rss_mb()
        summary = import_nppes(path)
        rss_peak = _peak_rss_mb()
    console.print(f"Imported: {summary.lines()[0]}")
    with connection.cursor() as cursor:
        # Fresh statistics (and, on PostgreSQL, the visibility map index-only scans need),
        # as a clinic's scheduled maintenance would leave them after an import.
        cursor.execute("VACUUM ANALYZE" if database == "postgresql" else "ANALYZE")

    rng = random.Random(args.seed)
    codes = list(Discipline.objects.values_list("code", flat=True))
    max_id = Listing.objects.order_by("-id").values_list("id", flat=True).first() or 0
    centres: list[tuple[float, float]] = []
    while len(centres) < args.searches and max_id:
        listing = (
            Listing.objects.filter(id__gte=rng.randint(1, max_id))
            .select_related("practice")
            .order_by("id")
            .first()
        )
        if listing and listing.practice.latitude is not None and listing.practice.longitude:
            centres.append((listing.practice.latitude, listing.practice.longitude))
    timings: list[float] = []
    counts: list[int] = []
    queries = []
    for lat, lon in centres:
        radius = rng.choice([10, 25, 50])
        disciplines = (rng.choice(codes),) if rng.random() < 0.5 else ()
        queries.append(
            SearchQuery(lat=lat, lon=lon, place="bench", radius=radius, disciplines=disciplines)
        )
    for query in queries[:20]:
        search(query)  # warm the caches once, as a running server would be
    for query in queries:
        t0 = time.perf_counter()
        page = search(query)
        timings.append((time.perf_counter() - t0) * 1000)
        counts.append(page.count)
    client = Client()
    http: list[float] = []
    for query in queries[: args.http_searches]:
        params = {"near": f"{query.lat:.5f},{query.lon:.5f}", "radius": str(query.radius)}
        if query.disciplines:
            params["discipline"] = query.disciplines[0]
        t0 = time.perf_counter()
        response = client.get("/directory/search/", params)
        http.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code

    result = {
        "benchmark": "directory",
        "database": database,
        "providers": args.providers,
        "imported": summary.created + summary.updated + summary.unchanged,
        "import_seconds": round(summary.seconds, 2),
        "import_rows_per_s": round(summary.rows_per_second),
        "import_peak_rss_mb": round(rss_peak, 1),
        # The reading process of a columnar first load (forked: it shares the parent's
        # pages until either writes them, so the two figures overlap).
        "import_reader_peak_rss_mb": round(summary.reader_peak_rss_mb, 1),
        "import_phases_s": {k: round(v, 2) for k, v in summary.phases.items()},
        "rss_before_import_mb": round(rss_before, 1),
        "searches": len(timings),
        "search_p50_ms": round(_percentile(timings, 50), 2),
        "search_p95_ms": round(_percentile(timings, 95), 2),
        "search_p99_ms": round(_percentile(timings, 99), 2),
        "search_mean_results": round(statistics.mean(counts), 1) if counts else 0,
        "http_searches": len(http),
        "http_p50_ms": round(_percentile(http, 50), 2) if http else None,
        "http_p95_ms": round(_percentile(http, 95), 2) if http else None,
    }
    table = Table(title=f"Directory benchmark: {args.providers:,} providers on {database}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    targets = {
        "import_rows_per_s": ">= 50,000",
        "import_peak_rss_mb": "<= 300",
        "import_reader_peak_rss_mb": "<= 300",
        "search_p95_ms": "<= 10",
        "search_p99_ms": "<= 25",
        "http_p95_ms": "<= 50",
    }
    for key, value in result.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        table.add_row(
            key,
            f"{value:,}" if isinstance(value, int | float) else str(value),
            targets.get(key, ""),
        )
    console.print(table)
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="spineclinic bench")
    sub = parser.add_subparsers(dest="what", required=True)
    directory = sub.add_parser("directory", help="NPPES import and radius search at scale")
    directory.add_argument("--providers", type=int, default=100_000)
    directory.add_argument("--searches", type=int, default=1000)
    directory.add_argument("--http-searches", type=int, default=200)
    directory.add_argument("--seed", type=int, default=1)
    directory.add_argument(
        "--keep",
        action="store_true",
        help="import over the existing benchmark data instead of emptying it",
    )
    args = parser.parse_args(argv)
    result = bench_directory(args)
    print(json.dumps(result))
    return 0


def prepare_environment() -> None:
    """Point the benchmark at its own SQLite file unless a DATABASE_URL is given."""
    if not os.environ.get("DATABASE_URL"):
        var = Path(
            os.environ.get("SPINECLINIC_VAR_DIR", Path(__file__).resolve().parent.parent / "var")
        )
        os.environ.setdefault("SPINECLINIC_SQLITE", str(var / "bench.sqlite3"))
    os.environ.setdefault("DEBUG", "1")
