"""Importing the NPPES bulk file into the directory's search index.

Streaming and batched: a batch of rows is read, classified against what the database
already holds (new, changed, unchanged by a digest of the imported fields), and written in
one transaction. Every write is an upsert keyed by NPI or by normalized address, so an
import killed half-way and run again ends in the same state as one clean run, and the
same file twice changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from spineclinic.directory import grid
from spineclinic.directory.addresses import normalize_address
from spineclinic.directory.index import is_integrated, recompute_practices
from spineclinic.directory.models import Discipline, Listing, Practice, Provider, TaxonomyCode
from spineclinic.directory.nppes_format import NotNppesFile, ProviderRecord, RowError, open_nppes
from spineclinic.directory.taxonomy import (
    ORTHO_SURGERY_PARENT,
    disciplines_for_taxonomies,
    read_nucc_csv,
)
from spineclinic.lib import geo
from spineclinic.lib.geo import zip_centroid
from spineclinic.lib.names import name_key

__all__ = ["ImportSummary", "NotNppesFile", "import_nppes", "import_nucc"]

BATCH_SIZE = 10_000
MAX_REJECTED_SHOWN = 50


@dataclass
class ImportSummary:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    rejected_count: int = 0
    unknown_zips: int = 0
    practices_changed: int = 0
    seconds: float = 0.0
    # Where the time went: reading (parse and map, or waiting for the parsing process),
    # writing batches, recomputing the integrated flags.
    phases: dict[str, float] = field(default_factory=dict)
    reader_peak_rss_mb: float = 0.0  # the reading process of a columnar first load

    @property
    def rows_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    def reject(self, line: int, reason: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_REJECTED_SHOWN:
            self.rejected.append((line, reason))

    def lines(self) -> list[str]:
        out = [
            f"Read {self.read:,} rows in {self.seconds:.1f} s"
            f" ({self.rows_per_second:,.0f} rows/s).",
            f"Created {self.created:,}, updated {self.updated:,}, unchanged {self.unchanged:,}.",
        ]
        for reason, n in sorted(self.skipped.items()):
            out.append(f"Skipped {n:,}: {reason}.")
        if self.unknown_zips:
            out.append(
                f"{self.unknown_zips:,} practice ZIP codes are unknown to the ZIP centroid table:"
                " those providers are listed without a place on the map."
            )
        if self.rejected_count:
            out.append(f"Rejected {self.rejected_count:,} malformed rows:")
            out.extend(f"  line {line}: {reason}" for line, reason in self.rejected)
            if self.rejected_count > len(self.rejected):
                out.append(f"  ... and {self.rejected_count - len(self.rejected):,} more.")
        out.append(f"Integrated-clinic flags recomputed for {self.practices_changed:,} practices.")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": dict(self.skipped),
            "rejected": self.rejected_count,
            "unknown_zips": self.unknown_zips,
            "seconds": round(self.seconds, 3),
            "phases": {k: round(v, 3) for k, v in self.phases.items()},
        }


@dataclass
class _Row:
    npi: str
    provider: tuple[Any, ...]  # the Provider columns, in _PROVIDER_COLUMNS order
    digest: str
    address_key: str
    practice: tuple[Any, ...] | None  # Practice columns, or None when it cannot be placed
    listing: tuple[Any, ...] | None  # cell, x, y, z, disciplines, active, name_key


_PROVIDER_COLUMNS = (
    "npi",
    "entity_type",
    "name",
    "given_name",
    "family_name",
    "credentials",
    "sex",
    "taxonomy_codes",
    "primary_taxonomy",
    "disciplines",
    "active",
    "deactivated_on",
    "last_updated",
    "row_hash",
    "source",
)
_LISTING_COLUMNS = (
    "provider_id",
    "practice_id",
    "cell",
    "x",
    "y",
    "z",
    "disciplines",
    "active",
    "name_key",
    "integrated",
    "accepting",
)
_PRACTICE_COLUMNS = (
    "public_id",
    "address_key",
    "name",
    "line1",
    "line2",
    "city",
    "state",
    "postal_code",
    "phone",
    "latitude",
    "longitude",
    "disciplines",
    "discipline_count",
    "provider_count",
    "integrated",
)


def digest_text(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def row_digest(provider: tuple[Any, ...], address: tuple[str, ...]) -> str:
    """The digest of an imported row: the Provider columns and the practice address, as
    text joined by U+001F. nppes_arrow builds the same text with Arrow's kernels."""
    (npi, entity, name, given, family, credentials, sex, codes, primary, mask, active) = provider[
        :11
    ]
    deactivated, updated = provider[11], provider[12]
    parts = (
        npi,
        str(entity),
        name,
        given,
        family,
        credentials,
        sex,
        codes,
        primary,
        str(mask),
        "1" if active else "0",
        deactivated.isoformat() if deactivated else "",
        updated.isoformat() if updated else "",
        *address,
    )
    return digest_text("\x1f".join(parts))


def _display_name(rec: ProviderRecord) -> str:
    if rec.entity_type == 2:
        return (
            rec.organization_name.title()
            if rec.organization_name.isupper()
            else (rec.organization_name)
        )
    parts = [rec.first_name, rec.middle_name[:1] + "." if rec.middle_name else "", rec.last_name]
    text = " ".join(p for p in parts if p)
    return text.title() if text.isupper() else text


_ASCII_NAME = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~0123456789"})


def _search_name(rec: ProviderRecord) -> str:
    text = f"{rec.last_name} {rec.first_name} {rec.organization_name}"
    if text.isascii():  # NPPES is nearly all ASCII: skip the Unicode folding
        return " ".join(text.lower().translate(_ASCII_NAME).split())
    return name_key(text)


class _Mapper:
    """Turns parsed records into database rows; holds the per-import caches."""

    def __init__(self, all_taxonomies: bool, summary: ImportSummary, bits: dict[str, int]) -> None:
        self.bits = bits
        self.all_taxonomies = all_taxonomies
        self.summary = summary
        self._zip_cache: dict[str, tuple[float, float] | None] = {}
        self._discipline_cache: dict[tuple[str, ...], tuple[str, ...]] = {}
        # Colleagues share an address: normalize each distinct one once.
        self._address_cache: dict[tuple[str, ...], str] = {}

    def _disciplines(self, rec: ProviderRecord) -> tuple[str, ...]:
        taxonomies = rec.taxonomy_codes
        if ORTHO_SURGERY_PARENT in taxonomies:  # depends on the names too: no cache
            names = (rec.organization_name, rec.other_organization_name)
            return disciplines_for_taxonomies(taxonomies, names=names)
        codes = self._discipline_cache.get(taxonomies)
        if codes is None:
            codes = self._discipline_cache[taxonomies] = disciplines_for_taxonomies(taxonomies)
        return codes

    def map(self, rec: ProviderRecord) -> _Row | None:
        codes = self._disciplines(rec)
        if not codes and not self.all_taxonomies:
            reason = "no taxonomy code of a spine discipline"
            if rec.entity_type is None:
                reason = "deactivated NPI with no details published"
            self.summary.skipped[reason] += 1
            return None
        mask = 0
        for code in codes:
            mask |= self.bits[code]
        entity = rec.entity_type or 1
        provider = (
            rec.npi,
            entity,
            _display_name(rec)[:300],
            rec.first_name[:100].title(),
            rec.last_name[:100].title(),
            rec.credentials[:100],
            rec.sex[:1],
            " ".join(rec.taxonomy_codes)[:200],
            (rec.primary_taxonomy or "")[:10],
            mask,
            rec.active,
            rec.deactivation_date if not rec.active else None,
            rec.last_update_date,
        )
        digest = row_digest(
            provider,
            (
                rec.address_line1,
                rec.address_line2,
                rec.city,
                rec.state,
                rec.postal_code,
                rec.phone,
            ),
        )
        if not rec.address_line1 or not rec.zip5:
            return _Row(rec.npi, (*provider, digest, "nppes"), digest, "", None, None)
        raw = (rec.address_line1, rec.address_line2, rec.city, rec.state, rec.postal_code)
        key = self._address_cache.get(raw)
        if key is None:
            if len(self._address_cache) > 200_000:
                self._address_cache.clear()  # keep memory flat on a national file
            key = self._address_cache[raw] = normalize_address(*raw)
        zip5 = rec.zip5
        if zip5 not in self._zip_cache:
            self._zip_cache[zip5] = zip_centroid(zip5)
        point = self._zip_cache[zip5]
        if point is None:
            self.summary.unknown_zips += 1
            return _Row(rec.npi, (*provider, digest, "nppes"), digest, key, None, None)
        lat, lon = point
        practice = (
            key,
            (rec.organization_name if entity == 2 else "")[:200],
            rec.address_line1.title()[:200],
            rec.address_line2.title()[:200],
            rec.city.title()[:100],
            rec.state[:2],
            rec.postal_code[:10],
            rec.phone[:20],
            lat,
            lon,
        )
        x, y, z = grid.unit_vector(lat, lon)
        listing = (
            grid.cell_of(lat, lon),
            x,
            y,
            z,
            mask,
            rec.active,
            _search_name(rec)[:200],
        )
        return _Row(rec.npi, (*provider, digest, "nppes"), digest, key, practice, listing)


def _new_uuid() -> Any:
    # Django stores UUIDs as 32 hex characters on SQLite and as the uuid type on PostgreSQL.
    value = _time_ordered_hex(1)[0]
    return value if connection.vendor == "sqlite" else uuid.UUID(value)


def _insert_many(cursor: Any, table: str, columns: Iterable[str], rows: list[Any]) -> None:
    """Bulk insert: COPY on PostgreSQL (row-by-row executemany there is ten times slower),
    executemany on SQLite."""
    columns = list(columns)
    if connection.vendor == "postgresql":
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    cursor.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_placeholders(len(columns))})",  # noqa: S608
        rows,
    )


def _placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


def _in(column: str, values: list[Any]) -> tuple[str, list[Any]]:
    """`column IN values`: one array parameter on PostgreSQL (ten thousand placeholders
    cost more to parse than the query costs to run), a placeholder list on SQLite."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({_placeholders(len(values))})", values


class _Writer:
    def __init__(self, summary: ImportSummary) -> None:
        self.summary = summary
        self.touched_practices: set[int] = set()
        self.provider_table = Provider._meta.db_table
        self.practice_table = Practice._meta.db_table
        self.listing_table = Listing._meta.db_table

    def write(self, rows: list[_Row]) -> None:
        # The last row of an NPI wins within a batch (an update file may repeat one).
        by_npi = {row.npi: row for row in rows}
        with transaction.atomic(), connection.cursor() as cursor:
            existing = self._existing(cursor, list(by_npi))
            # The clinic's own practitioners are kept by the clinic (it knows where they
            # work and whether they take new patients); NPPES does not overwrite them.
            ours = [npi for npi, (_, _, source) in existing.items() if source == "clinic"]
            if ours:
                self.summary.skipped["listed by this clinic itself"] += len(ours)
                for npi in ours:
                    del by_npi[npi]
            new = [r for npi, r in by_npi.items() if npi not in existing]
            changed = [
                r for npi, r in by_npi.items() if npi in existing and existing[npi][1] != r.digest
            ]
            self.summary.unchanged += len(by_npi) - len(new) - len(changed)
            if not new and not changed:
                return
            practice_ids = self._practices(cursor, new + changed)
            if new:
                _insert_many(
                    cursor, self.provider_table, _PROVIDER_COLUMNS, [r.provider for r in new]
                )
                self.summary.created += len(new)
            if changed:
                sets = ", ".join(f"{c} = %s" for c in _PROVIDER_COLUMNS[1:])
                cursor.executemany(
                    f"UPDATE {self.provider_table} SET {sets} WHERE npi = %s",  # noqa: S608
                    [(*r.provider[1:], r.npi) for r in changed],
                )
                self.summary.updated += len(changed)
                ids = [existing[r.npi][0] for r in changed]
                where, params = _in("provider_id", ids)
                cursor.execute(
                    f"SELECT DISTINCT practice_id FROM {self.listing_table} WHERE {where}",  # noqa: S608
                    params,
                )
                self.touched_practices.update(pid for (pid,) in cursor.fetchall())
                cursor.execute(f"DELETE FROM {self.listing_table} WHERE {where}", params)  # noqa: S608
            placed = [r for r in new + changed if r.listing is not None]
            if placed:
                ids_by_npi = {
                    npi: pid
                    for npi, (pid, _, _) in self._existing(cursor, [r.npi for r in placed]).items()
                }
                _insert_many(
                    cursor,
                    self.listing_table,
                    _LISTING_COLUMNS,
                    [
                        (ids_by_npi[r.npi], practice_ids[r.address_key], *r.listing, False, None)
                        for r in placed
                        if r.listing is not None
                    ],
                )
                self.touched_practices.update(practice_ids[r.address_key] for r in placed)

    def _existing(self, cursor: Any, npis: list[str]) -> dict[str, tuple[int, str, str]]:
        where, params = _in("npi", npis)
        cursor.execute(
            f"SELECT npi, id, row_hash, source FROM {self.provider_table} WHERE {where}",  # noqa: S608
            params,
        )
        return {npi: (pid, digest, source) for npi, pid, digest, source in cursor.fetchall()}

    def _practices(self, cursor: Any, rows: Iterable[_Row]) -> dict[str, int]:
        # A new practice is described by the first of its providers in the file.
        wanted: dict[str, tuple[Any, ...]] = {}
        for r in rows:
            if r.practice is not None:
                wanted.setdefault(r.address_key, r.practice)
        if not wanted:
            return {}
        keys = list(wanted)
        where, params = _in("address_key", keys)
        cursor.execute(
            f"SELECT address_key, id FROM {self.practice_table} WHERE {where}",  # noqa: S608
            params,
        )
        found = dict(cursor.fetchall())
        missing = [k for k in keys if k not in found]
        if missing:
            _insert_many(
                cursor,
                self.practice_table,
                _PRACTICE_COLUMNS,
                [(_new_uuid(), *wanted[k], 0, 0, 0, False) for k in missing],
            )
            where, params = _in("address_key", missing)
            cursor.execute(
                f"SELECT address_key, id FROM {self.practice_table} WHERE {where}",  # noqa: S608
                params,
            )
            found.update(cursor.fetchall())
        return found


def _read_batches(
    path: str | os.PathLike[str],
    all_taxonomies: bool,
    bits: dict[str, int],
    batch_size: int,
    summary: ImportSummary,
) -> Iterator[tuple[list[_Row], int, int]]:
    """Parse and map the file; yield (batch, bytes read, rows read). Touches no database."""
    mapper = _Mapper(all_taxonomies, summary, bits)
    batch: list[_Row] = []
    with open_nppes(path) as nppes:
        for item in nppes:
            summary.read += 1
            if isinstance(item, RowError):
                summary.reject(item.line_number, item.reason)
                continue
            row = mapper.map(item)
            if row is not None:
                batch.append(row)
            if len(batch) >= batch_size:
                yield batch, nppes.position(), summary.read
                batch = []
    yield batch, os.path.getsize(path), summary.read


def _reader_process(
    path: str, all_taxonomies: bool, bits: dict[str, int], batch_size: int, queue: Any
) -> None:
    summary = ImportSummary()
    try:
        for batch, position, rows in _read_batches(path, all_taxonomies, bits, batch_size, summary):
            queue.put(("batch", batch, (position, rows)))
        queue.put(("done", summary, (0, 0)))
    except BaseException as error:  # reported to the parent, which raises it
        queue.put(("error", f"{type(error).__name__}: {error}", (0, 0)))


def _batches_from_worker(
    path: str | os.PathLike[str],
    all_taxonomies: bool,
    bits: dict[str, int],
    batch_size: int,
    summary: ImportSummary,
) -> Iterator[tuple[list[_Row], int, int]]:
    """The same batches, parsed in a child process while this one writes: parsing and
    mapping cost as much CPU as the database does, and the machine has two cores."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=4)  # bounded: memory stays flat if the writer lags
    worker = context.Process(
        target=_reader_process, args=(str(path), all_taxonomies, bits, batch_size, queue)
    )
    worker.start()
    try:
        while True:
            kind, payload, (position, rows) = queue.get()
            if kind == "batch":
                yield payload, position, rows
            elif kind == "done":
                theirs: ImportSummary = payload
                summary.read += theirs.read
                summary.skipped.update(theirs.skipped)
                summary.unknown_zips += theirs.unknown_zips
                summary.rejected_count += theirs.rejected_count
                summary.rejected.extend(theirs.rejected)
                return
            else:
                raise RuntimeError(f"The NPPES reader failed: {payload}")
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()


def import_nppes(
    path: str | os.PathLike[str],
    *,
    all_taxonomies: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int, int], None] | None = None,
    parallel: bool | None = None,
    columnar: bool | None = None,
) -> ImportSummary:
    """Import one NPPES file (monthly full or weekly update). Raises NotNppesFile, before
    anything is written, when the file is not one. `progress(bytes_read, total_bytes, rows_read)`
    is called after each batch. `parallel` parses in a second process (the default for
    files over 20 MB). `columnar` (by default as `parallel`) loads an empty directory
    through nppes_arrow and _first_load."""
    started = time.perf_counter()
    summary = ImportSummary()
    total_bytes = os.path.getsize(path)
    open_nppes(path).close()  # refuse a file that is not NPPES before anything is written
    bits = {d.code: d.bit for d in Discipline.objects.all()}
    writer = _Writer(summary)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # A larger page cache for this connection: the unique indexes take inserts all
            # over their B-trees, and the 2 MB default rereads pages on every batch. 32 MB:
            # more would push the import past its 300 MB memory budget.
            cursor.execute("PRAGMA cache_size = -32768")
    if parallel is None:
        parallel = total_bytes > 20_000_000
    if columnar is None:
        columnar = parallel
    read = _batches_from_worker if parallel else _read_batches
    phases = dict.fromkeys(("read", "write", "index", "recompute"), 0.0)
    first_load = not Provider.objects.exists()
    if columnar and first_load and not Practice.objects.exists() and not Listing.objects.exists():
        _first_load(path, all_taxonomies, bits, summary, progress, phases)
        summary.phases = phases
        summary.seconds = time.perf_counter() - started
        return summary
    # A first load into an empty directory is one transaction, and the listing's indexes
    # are built once at the end instead of row by row: DDL is transactional on SQLite and
    # PostgreSQL, so a killed first load leaves the directory as it found it (empty, with
    # its indexes). Later loads commit batch by batch and converge when run again.
    with transaction.atomic() if first_load else nullcontext():
        dropped = _drop_indexes([Listing._meta.db_table]) if first_load else []
        mark = time.perf_counter()
        for batch, position, rows in read(path, all_taxonomies, bits, batch_size, summary):
            now = time.perf_counter()
            phases["read"] += now - mark
            if batch:
                writer.write(batch)
            if progress is not None:
                progress(position, total_bytes, rows)
            mark = time.perf_counter()
            phases["write"] += mark - now
        with connection.cursor() as cursor:
            if dropped and connection.vendor == "postgresql":
                # The foreign keys are checked at commit; PostgreSQL will not build an
                # index over rows whose checks are still pending, so run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for statement in dropped:
                cursor.execute(statement)
        now = time.perf_counter()
        phases["index"] = now - mark
        summary.practices_changed = recompute_practices(writer.touched_practices)
        phases["recompute"] = time.perf_counter() - now
    summary.phases = phases
    summary.seconds = time.perf_counter() - started
    return summary


def import_nucc(path: str | os.PathLike[str]) -> int:
    """Load the NUCC taxonomy code set (display names for profile pages)."""
    rows = [
        TaxonomyCode(
            code=t.code,
            grouping=t.grouping[:200],
            classification=t.classification[:200],
            specialization=t.specialization[:200],
            display_name=t.display_name[:300],
        )
        for t in read_nucc_csv(path)
    ]
    with transaction.atomic():
        TaxonomyCode.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["grouping", "classification", "specialization", "display_name"],
        )
    return len(rows)


# -- The first load of a large file: columnar, ids assigned here, indexes built at the end.


class _NpiSet:
    """The NPIs seen so far, a bit each. An NPI's first nine digits determine its tenth
    (the check digit), so 10^9 bits cover every NPI; the bitmap is an anonymous mapping,
    of which only the pages touched take memory (about 12 MB for the registry's range,
    where a set of a million ints takes 60 MB)."""

    def __init__(self) -> None:
        import mmap

        self._bits = mmap.mmap(-1, 1_000_000_000 // 8)

    def add(self, npis: list[str]) -> list[str]:
        """Add valid NPIs; return those already seen."""
        bits = self._bits
        again = []
        for npi in npis:
            n = int(npi[:9])
            byte, bit = n >> 3, 1 << (n & 7)
            value = bits[byte]
            if value & bit:
                again.append(npi)
            else:
                bits[byte] = value | bit
        return again


def _columnar_process(
    path: str,
    all_taxonomies: bool,
    bits: dict[str, int],
    bases: tuple[int, int],
    vendor: str,
    spine: int,
    queue: Any,
) -> None:
    """Read, map and lay out the rows of a first load (the parent only writes them).

    Provider and practice ids are assigned here, from `bases`. A practice is written when
    first seen, described by that listing; every listing's practice and disciplines are
    kept (a few bytes each) and totalled at the end, and the practices that gained
    colleagues are sent back as corrections.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from spineclinic.directory.nppes_arrow import ColumnarNppes

    try:
        reader = ColumnarNppes(path, all_taxonomies=all_taxonomies, bits=bits)
        next_provider, practice_base = bases
        next_practice = practice_base
        seen = _NpiSet()
        practices: dict[str, int] = {}
        placed_practice: list[pa.Array] = []  # per placed listing: its practice id,
        placed_mask: list[pa.Array] = []  # its disciplines when active (else 0),
        placed_active: list[pa.Array] = []  # and whether it is active
        zero = pa.scalar(0, pa.int32())
        read = 0
        for table, stats, position in reader.batches():
            read += stats.read
            npis = table.column("npi").to_pylist()
            last = {npi: i for i, npi in enumerate(npis)}  # the last row of an NPI wins
            if len(last) != len(npis):
                keep = sorted(last.values())
                table = table.take(pa.array(keep, pa.int64()))
                npis = [npis[i] for i in keep]
            replaced = seen.add(npis)
            n = table.num_rows
            provider_ids = pa.array(range(next_provider, next_provider + n), pa.int64())
            next_provider += n
            keys = table.column("address_key").to_pylist()
            pids = list(map(practices.get, keys))
            new_rows: list[int] = []
            for i in [i for i, pid in enumerate(pids) if pid is None]:
                key = keys[i]
                if key is None:  # not placed on the map: no practice, no listing
                    continue
                pid = practices.get(key)  # a practice first seen earlier in this batch
                if pid is None:
                    pid = practices[key] = next_practice
                    next_practice += 1
                    new_rows.append(i)
                pids[i] = pid
            provider = pa.table(
                {
                    "id": provider_ids,
                    **{c: table.column(c) for c in _PROVIDER_COLUMNS[:14]},
                    "source": pa.array(["nppes"] * n, pa.string()),
                }
            )
            new = table.take(pa.array(new_rows, pa.int64()))
            first_mask = pc.if_else(new.column("active"), new.column("disciplines"), zero)
            practice = pa.table(
                {
                    "id": pa.array(range(next_practice - len(new_rows), next_practice), pa.int64()),
                    "public_id": pa.array(_time_ordered_hex(len(new_rows)), pa.string()),
                    "address_key": new.column("address_key"),
                    "name": new.column("practice_name"),
                    **{c: new.column(c) for c in _PRACTICE_COLUMNS[3:11]},
                    "disciplines": pc.cast(first_mask, pa.int32()),
                    "discipline_count": pa.array(
                        [m.bit_count() for m in first_mask.to_pylist()], pa.int16()
                    ),
                    "provider_count": pc.cast(new.column("active"), pa.int32()),
                    "integrated": pa.array([False] * len(new_rows), pa.bool_()),
                }
            )
            at = pc.indices_nonzero(pc.is_valid(table.column("address_key")))
            listed = table.take(at)
            practice_ids = pc.drop_null(pa.array(pids, pa.int64()))
            active = listed.column("active")
            placed_practice.append(practice_ids)
            placed_mask.append(pc.if_else(active, listed.column("disciplines"), zero))
            placed_active.append(pc.cast(active, pa.int8()))
            listing = pa.table(
                {
                    "provider_id": provider_ids.take(at),
                    "practice_id": practice_ids,
                    **{c: listed.column(c) for c in ("cell", "x", "y", "z", "disciplines")},
                    "active": active,
                    "name_key": listed.column("name_key"),
                    "integrated": pa.array([False] * len(at), pa.bool_()),
                    "accepting": pa.nulls(len(at), pa.bool_()),
                }
            )
            tables = (provider, practice, listing)
            payload: Any = tables if vendor == "sqlite" else tuple(_csv(t) for t in tables)
            queue.put(("batch", (payload, stats, replaced), (position, read)))
        del practices, seen, reader  # room for the totals
        fixes = _practice_totals(placed_practice, placed_mask, placed_active, spine)
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
        queue.put(("done", (fixes, peak), (0, read)))
    except BaseException as error:  # reported to the parent, which raises it
        import traceback

        queue.put(("error", f"{type(error).__name__}: {error}\n{traceback.format_exc()}", (0, 0)))


def _practice_totals(
    practice: list[Any], mask: list[Any], active: list[Any], spine: int
) -> list[tuple[int, int, int, int, bool]]:
    """(id, disciplines, how many, active providers, integrated) of each practice with
    more than one listing, totalled by Arrow over every placed listing of the load."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not practice:
        return []
    masks = pa.chunked_array(mask, pa.int32())
    one = pa.scalar(1, pa.int32())
    width = max(pc.max(masks).as_py() or 0, 1).bit_length()
    columns = {"id": pa.chunked_array(practice, pa.int64()), "n": pa.chunked_array(active)}
    # Arrow has no bitwise-or aggregate: each discipline bit is totalled by its maximum.
    for k in range(width):
        bit = pc.bit_wise_and(pc.shift_right(masks, pa.scalar(k, pa.int32())), one)
        columns[f"b{k}"] = pc.cast(bit, pa.int8())
    totals = (
        pa.table(columns)
        .group_by("id")
        .aggregate([("n", "count"), ("n", "sum"), *((f"b{k}", "max") for k in range(width))])
    )
    grown = totals.filter(pc.greater(totals.column("n_count"), pa.scalar(1, pa.int64())))
    bits = [grown.column(f"b{k}_max").to_pylist() for k in range(width)]
    fixes = []
    for row, (pid, count) in enumerate(
        zip(grown.column("id").to_pylist(), grown.column("n_sum").to_pylist(), strict=True)
    ):
        total = sum(bits[k][row] << k for k in range(width))
        fixes.append((pid, total, total.bit_count(), count, is_integrated(total, count, spine)))
    return sorted(fixes)


def _csv(table: Any) -> tuple[list[str], bytes, int]:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    sink = pa.BufferOutputStream()
    pcsv.write_csv(table, sink, pcsv.WriteOptions(include_header=False))
    return table.column_names, sink.getvalue().to_pybytes(), table.num_rows


def _time_ordered_hex(n: int) -> list[str]:
    """n version-7 style UUIDs as 32 hex digits: milliseconds first, then randomness, so
    new practices append to the end of the public_id index instead of landing on random
    pages of it."""
    stamp = f"{time.time_ns() // 1_000_000:012x}"
    noise = os.urandom(10 * n).hex()
    out = []
    for i in range(0, 20 * n, 20):
        variant = "89ab"[int(noise[i + 3], 16) & 3]  # RFC 4122 variant bits
        out.append(f"{stamp}7{noise[i : i + 3]}{variant}{noise[i + 4 : i + 19]}")
    return out


def _first_load(
    path: str | os.PathLike[str],
    all_taxonomies: bool,
    bits: dict[str, int],
    summary: ImportSummary,
    progress: Callable[[int, int, int], None] | None,
    phases: dict[str, float],
) -> None:
    """Load a large file into an empty directory: one transaction, every index and
    constraint of the three tables dropped and rebuilt at the end (DDL is transactional
    on both databases, so a killed first load leaves the directory empty and intact)."""
    from spineclinic.directory.index import spine_mask
    from spineclinic.directory.nppes_arrow import count_lines, exact_line_numbers

    total_bytes = os.path.getsize(path)
    vendor = connection.vendor
    tables = [Provider._meta.db_table, Practice._meta.db_table, Listing._meta.db_table]
    geo.prepare_zip_cache()  # the reader then reads ZIP coordinates from a file
    with transaction.atomic():
        mark = time.perf_counter()
        rebuild = _drop_indexes(tables)
        bases = (_next_id(Provider), _next_id(Practice))
        context = multiprocessing.get_context("fork")
        # Two batches in flight: both processes stay busy, and each holds less (the
        # reader's peak at 1M rows fell from 295 to 273 MB against maxsize=4).
        queue = context.Queue(maxsize=2)
        worker = context.Process(
            target=_columnar_process,
            args=(str(path), all_taxonomies, bits, bases, vendor, spine_mask(), queue),
        )
        worker.start()
        last_provider, last_practice = bases[0] - 1, bases[1] - 1
        touched: set[int] = set()
        rejected_records: list[int] = []
        fixes: list[tuple[int, int, int, int, bool]] = []
        try:
            with connection.cursor() as cursor:
                phases["index"] += time.perf_counter() - mark
                mark = time.perf_counter()
                while True:
                    kind, payload, (position, rows) = queue.get()
                    now = time.perf_counter()
                    phases["read"] += now - mark
                    if kind == "error":
                        raise RuntimeError(f"The NPPES reader failed: {payload}")
                    if kind == "done":
                        fixes, summary.reader_peak_rss_mb = payload
                        mark = now
                        break
                    data, stats, replaced = payload
                    summary.read = rows
                    summary.skipped.update(stats.skipped)
                    summary.unknown_zips += stats.unknown_zips
                    summary.rejected_count += len(stats.rejected)
                    room = MAX_REJECTED_SHOWN - len(summary.rejected)
                    summary.rejected.extend(stats.rejected[: max(room, 0)])
                    rejected_records.extend(stats.rejected_records[: max(room, 0)])
                    if replaced:  # an NPI seen in an earlier batch: the later row wins
                        touched.update(_forget(cursor, replaced))
                        summary.created -= len(replaced)
                        summary.updated += len(replaced)
                    counts = _write_tables(cursor, vendor, tables, data)
                    summary.created += counts[0]
                    last_provider += counts[0]
                    last_practice += counts[1]
                    if progress is not None:
                        progress(position, total_bytes, rows)
                    mark = time.perf_counter()
                    phases["write"] += mark - now
        finally:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        with connection.cursor() as cursor:
            # The corrections first, while the tables have no index to keep up to date.
            _apply_fixes(cursor, vendor, fixes)
            now = time.perf_counter()
            phases["recompute"] += now - mark
            if vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                # Index builds sort in memory up to this (the server's, not ours).
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for statement in rebuild:
                cursor.execute(statement)
            _advance_sequence(cursor, Provider, last_provider)
            _advance_sequence(cursor, Practice, last_practice)
            mark = time.perf_counter()
            phases["index"] += mark - now
        if touched:
            recompute_practices(touched)
        summary.practices_changed = last_practice - bases[1] + 1
        phases["recompute"] += time.perf_counter() - mark
    if rejected_records and count_lines(path) != summary.read + 1:
        # Line breaks inside quoted fields somewhere: recount the rejected rows' lines.
        exact = exact_line_numbers(path, rejected_records)
        summary.rejected = [
            (exact.get(record, line), reason)
            for (line, reason), record in zip(summary.rejected, rejected_records, strict=False)
        ]


def _write_tables(cursor: Any, vendor: str, tables: list[str], data: Any) -> tuple[int, int]:
    counts = []
    for table, part in zip(tables, data, strict=True):
        if vendor == "postgresql":
            columns, text, rows = part
            raw = cursor.cursor
            with raw.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
            ) as copy:
                copy.write(text)
            counts.append(rows)
        else:
            columns = part.column_names
            rows = list(zip(*(c.to_pylist() for c in part.columns), strict=True))
            values = _placeholders(len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values})",  # noqa: S608
                rows,
            )
            counts.append(len(rows))
    return counts[0], counts[1]


def _forget(cursor: Any, npis: list[str]) -> set[int]:
    """Delete the earlier rows of NPIs that appear again; return their practices."""
    provider, listing = Provider._meta.db_table, Listing._meta.db_table
    where, params = _in("npi", npis)
    cursor.execute(
        f"SELECT DISTINCT l.practice_id FROM {listing} l JOIN {provider} p"  # noqa: S608
        f" ON l.provider_id = p.id WHERE p.{where}",
        params,
    )
    touched = {pid for (pid,) in cursor.fetchall()}
    cursor.execute(
        f"DELETE FROM {listing} WHERE provider_id IN (SELECT id FROM {provider} WHERE {where})",  # noqa: S608
        params,
    )
    cursor.execute(f"DELETE FROM {provider} WHERE {where}", params)  # noqa: S608
    return touched


def _apply_fixes(cursor: Any, vendor: str, fixes: list[tuple[int, int, int, int, bool]]) -> None:
    """Practices that gained colleagues after they were written: their disciplines, head
    count and integrated flag, then the flag copied onto their listings."""
    practice, listing = Practice._meta.db_table, Listing._meta.db_table
    if not fixes:
        return
    if vendor == "postgresql":  # one statement: a round trip per practice is seconds
        ids, masks, kinds, counts, flags = (list(c) for c in zip(*fixes, strict=True))
        cursor.execute(
            f"UPDATE {practice} p SET disciplines = f.mask, discipline_count = f.kinds,"  # noqa: S608
            " provider_count = f.n, integrated = f.flag"
            " FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::int[], %s::bool[])"
            " AS f(id, mask, kinds, n, flag) WHERE p.id = f.id",
            [ids, masks, kinds, counts, flags],
        )
        cursor.execute(  # a join, not "= ANY": the array would be scanned per row
            f"UPDATE {listing} l SET integrated = true"  # noqa: S608
            " FROM unnest(%s::bigint[]) AS f(id) WHERE l.practice_id = f.id",
            [[pid for pid, *_, flag in fixes if flag]],
        )
        return
    rows = [(mask, kinds, count, integrated, pid) for pid, mask, kinds, count, integrated in fixes]
    cursor.executemany(
        f"UPDATE {practice} SET disciplines = %s, discipline_count = %s,"  # noqa: S608
        " provider_count = %s, integrated = %s WHERE id = %s",
        rows,
    )
    integrated = [pid for pid, *_, flag in fixes if flag]
    if integrated:  # one pass over the listings (their practice index is not built yet)
        cursor.execute(
            f"UPDATE {listing} SET integrated = %s"  # noqa: S608
            " WHERE practice_id IN (SELECT value FROM json_each(%s))",
            [True, json.dumps(integrated)],
        )


def _next_id(model: Any) -> int:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            return int(cursor.fetchone()[0])
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        highest = int(cursor.fetchone()[0])
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        return max(highest, int(found[0]) if found else 0) + 1


def _advance_sequence(cursor: Any, model: Any, last: int) -> None:
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, max(last, 1)])


def _drop_indexes(tables: list[str]) -> list[str]:
    """Drop the tables' secondary indexes (on PostgreSQL also their keys, unique
    constraints and the foreign keys into and out of them); return the statements that
    rebuild them, in order."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index'"  # noqa: S608
                f" AND tbl_name IN ({marks}) AND sql IS NOT NULL",
                tables,
            )
            found = cursor.fetchall()
            for name, _ in found:
                cursor.execute(f'DROP INDEX "{name}"')
            return [statement for _, statement in found]
        keys: list[str] = []
        indexes: list[str] = []
        foreign: list[str] = []
        cursor.execute(
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'f' AND (conrelid::regclass::text = ANY(%s)"
            " OR confrelid::regclass::text = ANY(%s))",
            [tables, tables],
        )
        for name, table, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            foreign.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype IN ('p', 'u') AND conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        for name, table, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            keys.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables]
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            indexes.append(definition)
        return keys + indexes + foreign
