"""Columnar reading and mapping of large NPPES files, with Apache Arrow.

The reference reader (nppes_format.NppesFile) and mapper (nppes_import._Mapper) handle one
row at a time in Python: about 50 microseconds a row on the project's machine, so a
national file cannot be read at the speed the directory needs. Here Arrow's C++ CSV parser
reads the columns the directory uses, and its vectorized kernels map every *ordinary* row
(ASCII text, a valid NPI, MM/DD/YYYY dates, entity type 1 or 2, at most two distinct
taxonomy codes). Every
other row is handed to the reference reader and mapper, one by one, so each row ends up as
exactly what the reference code makes of it; tests compare the two on the real samples
and on generated files.

Output: per batch, one "wide" Arrow table (WIDE_SCHEMA) of the provider, its practice and
its listing columns, plus what the summary needs (rows read, skipped by reason, rejected
with line numbers, unknown ZIPs). The address key (addresses.normalize_address) is still
computed in Python, once per placed row.

Line numbers: Arrow counts records, not physical lines. A rejected row's line is its record
number plus the line breaks inside the quoted fields read before it; import_nppes checks
at the end whether the file has line breaks inside fields it did not read, and only then
recounts the lines of rejected rows exactly (see exact_line_numbers).
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from spineclinic.directory import addresses, grid
from spineclinic.directory.addresses import normalize_address
from spineclinic.directory.nppes_format import (
    NotNppesFile,
    ProviderRecord,
    RowError,
    open_nppes,
)
from spineclinic.directory.taxonomy import (
    DISCIPLINE_FOR_NUCC,
    ORTHO_SURGERY_PARENT,
    SPINE_SIGNAL_TAXONOMIES,
)
from spineclinic.lib import geo
from spineclinic.lib import npi as npi_module

BLOCK_BYTES = 1 << 20  # Arrow parses a megabyte (about 900 rows) at a time
GROUP_ROWS = 8000  # rows mapped together

WIDE_SCHEMA = pa.schema(
    [
        ("record", pa.int64()),  # the row's record number in the file (header = 1)
        ("npi", pa.string()),
        ("entity_type", pa.int16()),
        ("name", pa.string()),
        ("given_name", pa.string()),
        ("family_name", pa.string()),
        ("credentials", pa.string()),
        ("sex", pa.string()),
        ("taxonomy_codes", pa.string()),
        ("primary_taxonomy", pa.string()),
        ("disciplines", pa.int32()),
        ("active", pa.bool_()),
        ("deactivated_on", pa.string()),  # ISO date or null
        ("last_updated", pa.string()),
        ("row_hash", pa.string()),
        # The practice and listing; null when the provider cannot be placed on the map.
        ("address_key", pa.string()),
        ("practice_name", pa.string()),
        ("line1", pa.string()),
        ("line2", pa.string()),
        ("city", pa.string()),
        ("state", pa.string()),
        ("postal_code", pa.string()),
        ("phone", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("cell", pa.int32()),
        ("x", pa.float64()),
        ("y", pa.float64()),
        ("z", pa.float64()),
        ("name_key", pa.string()),
    ]
)


@dataclass
class BatchStats:
    read: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    unknown_zips: int = 0
    # Record numbers (header = 1) of the rejected rows, to recount their lines if needed.
    rejected_records: list[int] = field(default_factory=list)


_TEXT_COLUMNS = (
    "last_name",
    "first_name",
    "middle_name",
    "credentials",
    "organization_name",
    "other_organization_name",
    "sex",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "country_code",
    "phone",
)
_DATE_FIELDS = ("last_update_date", "deactivation_date", "reactivation_date")
_DATE_PATTERN = r"^\d\d/\d\d/\d\d\d\d$"
_WHITESPACE_RUN = "[\t\n\x0b\x0c\r\x1c-\x1f ]+"  # what str.split() splits on, in ASCII
_NAME_PUNCTUATION = r"[!-/0-9:-@\[-`{-~]"  # ASCII punctuation and digits (_ASCII_NAME)


# Kernel arguments as Arrow scalars: a Python literal is converted on every call, and the
# conversion tries an optional import each time (a hundred microseconds a call).
def _S(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.string())


def _I(value: int) -> pa.Scalar:
    return pa.scalar(value, pa.int64())


def _F(value: float) -> pa.Scalar:
    return pa.scalar(value, pa.float64())


_EMPTY = _S("")
_SPACE = _S(" ")
_ORTHO = _S(ORTHO_SURGERY_PARENT)
_ZERO32 = pa.scalar(0, pa.int32())
_FALSE = pa.scalar(False, pa.bool_())
_NULL_TEXT = pa.scalar(None, pa.string())
_RADIANS = _F(math.pi / 180.0)
_NO_NPI = _S("0000000000")  # stands in for a malformed NPI in the check-digit arithmetic
_ENTITY_TYPES = pa.array(["1", "2"], pa.string())
_SIGNAL_CODES = pa.array(sorted(SPINE_SIGNAL_TAXONOMIES), pa.string())
_SPINE_WORD = r"\bspin(?:e|al)\b"  # taxonomy._SPINE_WORD, for ASCII text


class ColumnarNppes:
    """An NPPES file read in columnar batches. The header is checked on construction, with
    the reference reader, so a file that is not NPPES fails the same way."""

    def __init__(self, path: str | os.PathLike[str], *, all_taxonomies: bool, bits: dict[str, int]):
        self.path = os.fspath(path)
        with open_nppes(self.path) as reference:
            self.header_lines = reference.header_lines
            header = reference.columns
            index = dict(reference.field_index)
            slots = list(reference.taxonomy_slots)
        self.all_taxonomies = all_taxonomies
        self.bits = bits
        if len(set(header)) != len(header):
            raise NotNppesFile(f"{os.path.basename(self.path)} repeats a column name.")
        # Arrow's names for the columns we read (it drops a byte-order mark itself).
        names = list(header)
        names[0] = names[0].lstrip("\ufeff")

        def name(i: int) -> str | None:
            return names[i] if i >= 0 else None

        self.field_names = {f: name(i) for f, i in index.items()}
        self.slot_names = [(name(c), name(s)) for c, s in slots]
        wanted = [n for n in self.field_names.values() if n]
        wanted += [n for pair in self.slot_names for n in pair if n]
        self.include = list(dict.fromkeys(wanted))
        nucc = sorted(code for code, d in DISCIPLINE_FOR_NUCC.items() if d in bits)
        self._nucc = pa.array(nucc, pa.string())
        self._nucc_bits = pa.array([bits[DISCIPLINE_FOR_NUCC[c]] for c in nucc], pa.int32())
        lat, lon = geo.zip_coordinates()
        self._zip_lat = pa.array(lat, pa.float64())
        self._zip_lon = pa.array(lon, pa.float64())

    # -- reading -----------------------------------------------------------------------

    def batches(self) -> Iterator[tuple[pa.Table, BatchStats, int]]:
        """(wide table, stats, bytes read) per block of the file."""
        invalid: list[tuple[int, int, int, str]] = []

        def on_invalid(row: Any) -> str:
            invalid.append((row.number or 0, row.expected_columns, row.actual_columns, row.text))
            return "skip"

        stream = pa.OSFile(self.path, "rb")
        reader = pcsv.open_csv(
            stream,
            read_options=pcsv.ReadOptions(block_size=BLOCK_BYTES, use_threads=False),
            parse_options=pcsv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pcsv.ConvertOptions(
                include_columns=self.include,
                column_types={n: pa.binary() for n in self.include},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        record = 1  # Arrow's record number of the header
        # Physical lines beyond the record count: the header's own line breaks, then those
        # inside the quoted fields read so far.
        extra_lines = self.header_lines - 1
        pending: list[pa.RecordBatch] = []
        pending_rows = 0

        def flush() -> tuple[pa.Table, BatchStats, int]:
            nonlocal record, extra_lines, pending_rows
            group = pa.Table.from_batches(pending, schema=reader.schema).combine_chunks()
            invalid_here, invalid[:] = list(invalid), []
            stats = BatchStats()
            table, extra = self._map(group, record, extra_lines, invalid_here, stats)
            record += group.num_rows + len(invalid_here)
            extra_lines += extra
            pending.clear()
            pending_rows = 0
            return table, stats, stream.tell()

        try:
            # Arrow hands over a block (about 900 rows) at a time; the kernels are called
            # per group of a few blocks, so their fixed cost per call is spread thin.
            for batch in reader:
                pending.append(batch)
                pending_rows += batch.num_rows
                if pending_rows >= GROUP_ROWS:
                    yield flush()
            if pending or invalid:
                yield flush()
        finally:
            stream.close()

    # -- mapping -----------------------------------------------------------------------

    def _map(
        self,
        batch: pa.Table,
        first_record: int,
        extra_lines: int,
        invalid: list[tuple[int, int, int, str]],
        stats: BatchStats,
    ) -> tuple[pa.Table, int]:
        n = batch.num_rows
        cols = {name: _text(batch.column(name).combine_chunks()) for name in self.include}
        blank = pa.array([""] * n, pa.string()) if n else pa.array([], pa.string())

        def col(f: str) -> pa.Array:
            name = self.field_names.get(f)
            return cols[name] if name else blank

        # Record numbers of this batch's valid rows, interleaved with the invalid ones.
        records = _record_numbers(first_record, n, [r for r, *_ in invalid])
        # Line breaks inside the fields we read shift the physical line numbers.
        breaks = None
        for name in self.include:
            counts = pc.count_substring(cols[name], "\n")
            breaks = counts if breaks is None else pc.add(breaks, counts)
        assert breaks is not None
        breaks_list = breaks.to_pylist() if pc.sum(breaks).as_py() else None
        extra = 0
        lines: list[int] = []
        for i, rec in enumerate(records):
            lines.append(rec + extra_lines + extra)
            if breaks_list is not None:
                extra += breaks_list[i]
        for number, expected, actual, raw in invalid:
            stats.read += 1
            line = number + extra_lines  # approximate when breaks precede it in-batch
            stats.rejected_records.append(number)
            reason = f"expected {expected} columns, found {actual}"
            if actual < expected:
                reason += "; the row is truncated"
            first = raw.split(",", 1)[0].strip().strip('"')
            if first:
                reason += f" (NPI {first})"
            stats.rejected.append((line, reason))
        stats.read += n
        if n == 0:
            return WIDE_SCHEMA.empty_table(), extra

        npi = col("npi")
        entity = col("entity_type")
        codes = [cols[c] if c else blank for c, _ in self.slot_names]
        switches = [cols[s] if s else blank for _, s in self.slot_names]
        c1, c2 = codes[0], codes[1] if len(codes) > 1 else blank
        s1, s2 = switches[0], switches[1] if len(switches) > 1 else blank
        dates = {f: col(f) for f in _DATE_FIELDS}
        text = {f: col(f) for f in _TEXT_COLUMNS}

        # Which rows the kernels map exactly as the reference code does.
        ten_digits = pc.match_substring_regex(npi, r"^\d{10}$")
        ordinary = pc.and_(ten_digits, _luhn_valid(pc.if_else(ten_digits, npi, _NO_NPI)))
        ordinary = pc.and_(ordinary, pc.is_in(entity, value_set=_ENTITY_TYPES))
        for values in dates.values():
            well_formed = pc.or_(
                pc.equal(values, _EMPTY),
                pc.and_(
                    pc.match_substring_regex(values, _DATE_PATTERN),
                    pc.is_valid(
                        pc.strptime(values, format="%m/%d/%Y", unit="s", error_is_null=True)
                    ),
                ),
            )
            ordinary = pc.and_(ordinary, well_formed)
        for values in codes[2:]:
            ordinary = pc.and_(ordinary, pc.equal(values, _EMPTY))
        ordinary = pc.and_(
            ordinary, pc.invert(pc.and_(pc.equal(c1, _EMPTY), pc.not_equal(c2, _EMPTY)))
        )
        ordinary = pc.and_(ordinary, pc.invert(pc.and_(pc.equal(c1, c2), pc.not_equal(c2, _EMPTY))))
        all_text = pc.binary_join_element_wise(*text.values(), _EMPTY)
        ordinary = pc.and_(ordinary, pc.string_is_ascii(all_text))
        ordinary = pc.fill_null(ordinary, _FALSE)

        # The orthopaedic parent code counts only with a spine signal (taxonomy.
        # has_spine_signal): another spine code, or "spine"/"spinal" in a practice name.
        signal = pc.or_(
            pc.is_in(c1, value_set=_SIGNAL_CODES), pc.is_in(c2, value_set=_SIGNAL_CODES)
        )
        for names in (text["organization_name"], text["other_organization_name"]):
            signal = pc.or_(signal, pc.match_substring_regex(names, _SPINE_WORD, ignore_case=True))
        silent = pc.invert(signal)
        mask = pc.bit_wise_or(
            pc.if_else(pc.and_(pc.equal(c1, _ORTHO), silent), _ZERO32, self._bits(c1)),
            pc.if_else(pc.and_(pc.equal(c2, _ORTHO), silent), _ZERO32, self._bits(c2)),
        )
        if not self.all_taxonomies:
            spine = pc.not_equal(mask, _ZERO32)
            skipped = pc.sum(pc.and_(ordinary, pc.invert(spine))).as_py() or 0
            if skipped:
                stats.skipped["no taxonomy code of a spine discipline"] += skipped
            keep = pc.and_(ordinary, spine)
        else:
            keep = ordinary
        selected = {k: pc.filter(v, keep) for k, v in text.items()}
        table = self._map_ordinary(
            record=pc.filter(pa.array(records, pa.int64()), keep),
            npi=pc.filter(npi, keep),
            entity=pc.filter(entity, keep),
            c1=pc.filter(c1, keep),
            c2=pc.filter(c2, keep),
            s1=pc.filter(s1, keep),
            s2=pc.filter(s2, keep),
            mask=pc.filter(mask, keep),
            dates={k: pc.filter(v, keep) for k, v in dates.items()},
            text=selected,
            stats=stats,
        )
        others = pc.indices_nonzero(pc.invert(ordinary)).to_pylist()
        if others:
            extra_table = self._map_by_reference(cols, others, lines, records, stats)
            if extra_table.num_rows:
                table = pa.concat_tables([table, extra_table])
                table = table.take(pc.sort_indices(table.column("record")))
        if len(stats.rejected) > 1:  # in file order, as the reference reader reports them
            ordered = sorted(zip(stats.rejected_records, stats.rejected, strict=True))
            stats.rejected_records = [record for record, _ in ordered]
            stats.rejected = [rejected for _, rejected in ordered]
        return table, extra

    def _bits(self, codes: pa.Array) -> pa.Array:
        at = pc.index_in(codes, value_set=self._nucc)
        return pc.fill_null(pc.take(self._nucc_bits, at), _ZERO32)

    def _map_ordinary(
        self,
        *,
        record: pa.Array,
        npi: pa.Array,
        entity: pa.Array,
        c1: pa.Array,
        c2: pa.Array,
        s1: pa.Array,
        s2: pa.Array,
        mask: pa.Array,
        dates: dict[str, pa.Array],
        text: dict[str, pa.Array],
        stats: BatchStats,
    ) -> pa.Table:
        n = len(npi)
        if n == 0:
            return WIDE_SCHEMA.empty_table()
        is_org = pc.equal(entity, _S("2"))
        last, first, middle = text["last_name"], text["first_name"], text["middle_name"]
        org = text["organization_name"]
        # Display name: an organization's name, or "First M. Last"; title case when the
        # registry wrote it all in capitals.
        initial = pc.if_else(
            pc.equal(middle, _EMPTY),
            _EMPTY,
            pc.binary_join_element_wise(pc.utf8_slice_codeunits(middle, 0, 1), _S("."), _EMPTY),
        )
        person = _join_present(_join_present(first, initial), last)
        shown = pc.if_else(is_org, org, person)
        shown = pc.if_else(pc.utf8_is_upper(shown), pc.utf8_title(shown), shown)
        name = pc.utf8_slice_codeunits(shown, 0, 300)
        given = pc.utf8_title(pc.utf8_slice_codeunits(first, 0, 100))
        family = pc.utf8_title(pc.utf8_slice_codeunits(last, 0, 100))
        credentials = pc.utf8_slice_codeunits(text["credentials"], 0, 100)
        sex = pc.utf8_slice_codeunits(text["sex"], 0, 1)
        two = pc.not_equal(c2, _EMPTY)
        taxonomy_codes = pc.utf8_slice_codeunits(
            pc.if_else(two, pc.binary_join_element_wise(c1, c2, _SPACE), c1), 0, 200
        )
        yes = pa.array(["Y", "y"])
        primary = pc.if_else(
            pc.and_(
                two, pc.and_(pc.invert(pc.is_in(s1, value_set=yes)), pc.is_in(s2, value_set=yes))
            ),
            c2,
            c1,
        )
        primary = pc.utf8_slice_codeunits(primary, 0, 10)
        iso = {k: _iso_date(v) for k, v in dates.items()}
        deactivated, reactivated = iso["deactivation_date"], iso["reactivation_date"]
        active = pc.fill_null(
            pc.or_kleene(
                pc.is_null(deactivated),
                pc.and_kleene(pc.is_valid(reactivated), pc.greater_equal(reactivated, deactivated)),
            ),
            _FALSE,
        )
        deactivated_on = pc.if_else(active, pa.scalar(None, pa.string()), deactivated)
        last_updated = iso["last_update_date"]

        digest_parts = [
            npi,
            entity,
            name,
            given,
            family,
            credentials,
            sex,
            taxonomy_codes,
            primary,
            pc.cast(mask, pa.string()),
            pc.if_else(active, _S("1"), _S("0")),
            pc.fill_null(deactivated_on, _EMPTY),
            pc.fill_null(last_updated, _EMPTY),
            text["address_line1"],
            text["address_line2"],
            text["city"],
            text["state"],
            text["postal_code"],
            text["phone"],
        ]
        joined = pc.binary_join_element_wise(*digest_parts, _S("\x1f")).to_pylist()
        from spineclinic.directory.nppes_import import digest_text

        row_hash = pa.array([digest_text(s) for s in joined], pa.string())

        # Where: the practice ZIP's centroid, for a US address with a street line.
        line1, postal = text["address_line1"], text["postal_code"]
        us = pc.is_in(text["country_code"], value_set=pa.array(["", "US"]))
        zip_ok = pc.and_(us, pc.match_substring_regex(postal, r"^\d{5}"))
        addressed = pc.and_(zip_ok, pc.not_equal(line1, _EMPTY))
        zip_number = pc.cast(
            pc.if_else(addressed, pc.utf8_slice_codeunits(postal, 0, 5), _S("0")), pa.int64()
        )
        lat = pc.take(self._zip_lat, zip_number)
        lon = pc.take(self._zip_lon, zip_number)
        known = pc.invert(pc.is_nan(lat))
        unknown = pc.sum(pc.and_(addressed, pc.invert(known))).as_py() or 0
        stats.unknown_zips += unknown
        placed = pc.and_(addressed, known)
        null_text = pa.scalar(None, pa.string())
        null_float = pa.scalar(None, pa.float64())

        def where(values: pa.Array, null: pa.Scalar = null_text) -> pa.Array:
            return pc.if_else(placed, values, null)

        lat = where(lat, null_float)
        lon = where(lon, null_float)
        phi = pc.multiply(lat, _RADIANS)
        lam = pc.multiply(lon, _RADIANS)
        cos_phi = pc.cos(phi)
        x = pc.multiply(cos_phi, pc.cos(lam))
        y = pc.multiply(cos_phi, pc.sin(lam))
        z = pc.sin(phi)
        columns = int(360 / grid.CELL_DEGREES)
        row = pc.cast(pc.floor(pc.divide(pc.add(lat, _F(90.0)), _F(grid.CELL_DEGREES))), pa.int64())
        column = pc.cast(
            pc.floor(pc.divide(pc.add(lon, _F(180.0)), _F(grid.CELL_DEGREES))), pa.int64()
        )
        column = pc.if_else(
            pc.greater_equal(column, _I(columns)), pc.subtract(column, _I(columns)), column
        )
        cell = pc.cast(pc.add(pc.multiply(row, _I(columns)), column), pa.int32())
        search = pc.binary_join_element_wise(last, first, org, _SPACE)
        search = pc.replace_substring_regex(
            pc.utf8_lower(search), pattern=_NAME_PUNCTUATION, replacement=" "
        )
        search = pc.replace_substring_regex(search, pattern=_WHITESPACE_RUN, replacement=" ")
        search = pc.utf8_slice_codeunits(pc.utf8_trim(search, " "), 0, 200)

        # The address key of each placed row (null for the others).
        address = [
            pc.if_else(placed, text[f], null_text)
            for f in ("address_line1", "address_line2", "city", "state", "postal_code")
        ]
        keys = address_keys(*address)

        return pa.Table.from_arrays(
            [
                record,
                npi,
                pc.cast(entity, pa.int16()),
                name,
                given,
                family,
                credentials,
                sex,
                taxonomy_codes,
                primary,
                pc.cast(mask, pa.int32()),
                active,
                deactivated_on,
                last_updated,
                row_hash,
                keys,
                where(pc.utf8_slice_codeunits(pc.if_else(is_org, org, _EMPTY), 0, 200)),
                where(pc.utf8_slice_codeunits(pc.utf8_title(line1), 0, 200)),
                where(pc.utf8_slice_codeunits(pc.utf8_title(text["address_line2"]), 0, 200)),
                where(pc.utf8_slice_codeunits(pc.utf8_title(text["city"]), 0, 100)),
                where(pc.utf8_slice_codeunits(text["state"], 0, 2)),
                where(pc.utf8_slice_codeunits(postal, 0, 10)),
                where(pc.utf8_slice_codeunits(text["phone"], 0, 20)),
                lat,
                lon,
                cell,
                x,
                y,
                z,
                where(search),
            ],
            schema=WIDE_SCHEMA,
        )

    def _map_by_reference(
        self,
        cols: dict[str, pa.Array],
        rows: list[int],
        lines: list[int],
        records: list[int],
        stats: BatchStats,
    ) -> pa.Table:
        """Rows the kernels leave alone, through the reference reader and mapper: written
        out as a small CSV of the columns read, then read back by NppesFile."""
        from spineclinic.directory.nppes_import import ImportSummary, _Mapper

        names = self.include
        index = pa.array(rows, pa.int64())
        values = [pc.take(cols[name], index).to_pylist() for name in names]
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(zip(*values, strict=True))
        buffer.seek(0)
        summary = ImportSummary()
        mapper = _Mapper(self.all_taxonomies, summary, self.bits)
        out: list[dict[str, Any]] = []
        with open_nppes(buffer) as reference:
            for row, item in zip(rows, reference, strict=True):
                if isinstance(item, RowError):
                    stats.rejected.append((lines[row], item.reason))
                    stats.rejected_records.append(records[row])
                    continue
                assert isinstance(item, ProviderRecord)
                mapped = mapper.map(item)
                if mapped is not None:
                    out.append(wide_row(mapped, records[row]))
        stats.skipped.update(summary.skipped)
        stats.unknown_zips += summary.unknown_zips
        return pa.Table.from_pylist(out, schema=WIDE_SCHEMA)


# addresses.normalize_address, vectorized for ASCII text. Rows it would take more than
# these kernels to follow (a line that starts with a unit or "P O BOX", a street read from
# line 2, an unusual ZIP or state) are handed to normalize_address itself.
_WORD_FROM = pa.array(list(addresses._WORDS), pa.string())
_WORD_TO = pa.array(list(addresses._WORDS.values()), pa.string())
_NUMBER_FROM = pa.array(list(addresses._NUMBER_WORDS), pa.string())
_NUMBER_TO = pa.array(list(addresses._NUMBER_WORDS.values()), pa.string())
_UNIT_WORDS = pa.array(sorted(addresses._UNITS), pa.string())
_PO_STARTS = pa.array(["P", "POST", "POB"], pa.string())
_PUNCTUATION_TO_SPACE = r"[!\"$%&()*+,\-/:;<=>?@\[\\\]^_`{|}~]"  # all but . ' #
_ZERO = _I(0)
_ONE = _I(1)
_DIGITS = pa.array(list("0123456789"), pa.string())


def address_keys(
    line1: pa.Array, line2: pa.Array, city: pa.Array, state: pa.Array, postal: pa.Array
) -> pa.Array:
    """normalize_address of each row of ASCII text; null where line1 is null."""
    n = len(line1)
    rows = pa.arange(0, n)
    text = pc.ascii_upper(pc.fill_null(line1, _EMPTY))
    # Punctuation and odd spacing, only on the lines that have any (most have none).
    odd = pc.match_substring_regex(text, r"[^A-Z0-9 ]")
    if pc.any(odd).as_py():
        some = pc.filter(text, odd)
        some = pc.replace_substring_regex(some, r"\.([A-Z0-9]{2})", r" \1")  # "N.MAIN"
        some = pc.replace_substring_regex(some, r"[.']", "")
        some = pc.replace_substring_regex(some, _PUNCTUATION_TO_SPACE, " ")
        some = pc.replace_substring(some, "#", " # ")
        some = pc.replace_substring_regex(some, "[\t\n\x0b\x0c\r\x1c-\x1f]", " ")
        text = pc.replace_with_mask(text, odd, some)
    words = pc.ascii_split_whitespace(pc.utf8_trim(text, " "))
    flat = pc.list_flatten(words)
    parent = pc.list_parent_indices(words)
    index = pa.arange(0, len(flat))
    position = pc.subtract(index, pc.take(words.offsets, parent))
    first = pc.equal(position, _ZERO)
    found = pc.index_in(flat, value_set=_WORD_FROM)
    words_out = pc.if_else(pc.is_valid(found), pc.take(_WORD_TO, found), flat)
    number = pc.index_in(words_out, value_set=_NUMBER_FROM)
    words_out = pc.if_else(
        pc.and_(first, pc.is_valid(number)), pc.take(_NUMBER_TO, number), words_out
    )
    # Where the street ends: the first unit word after the first word ("BOX" after "PO"
    # is not one), or the ordinal before "FL" ("2ND FL").
    previous = pc.take(words_out, pc.max_element_wise(pc.subtract(index, _ONE), _ZERO))
    unit = pc.and_(
        pc.and_(pc.is_in(words_out, value_set=_UNIT_WORDS), pc.invert(first)),
        pc.invert(pc.and_(pc.equal(words_out, _S("BOX")), pc.equal(previous, _S("PO")))),
    )
    at = pc.indices_nonzero(unit)
    length = pc.cast(pc.list_value_length(words), pa.int64())
    kept = length
    if len(at):
        floor_ordinal = pc.and_(
            pc.and_(pc.equal(words_out, _S("FL")), pc.greater_equal(position, _I(2))),
            pc.match_substring_regex(previous, r"^[0-9]+(?:ST|ND|RD|TH)$"),
        )
        cut = pc.take(pc.if_else(floor_ordinal, pc.subtract(position, _ONE), position), at)
        owner = pc.take(parent, at)
        # The first unit word of each row: the ones whose row differs from the previous.
        before = pa.concat_arrays([pa.array([-1], pa.int64()), owner[:-1]])
        first_unit = pc.not_equal(owner, before)
        kept = pc.replace_with_mask(
            length,
            pc.is_in(rows, value_set=pc.filter(owner, first_unit)),
            pc.filter(cut, first_unit),
        )
    offsets = pa.concat_arrays([pa.array([0], pa.int64()), pc.cumulative_sum(kept)])
    street_words = pc.filter(words_out, pc.less(position, pc.take(kept, parent)))
    street = pc.binary_join(pa.LargeListArray.from_arrays(offsets, street_words), _SPACE)

    first_word = pc.take(words_out, pc.take(words.offsets, rows))
    postal_text = pc.fill_null(postal, _EMPTY)
    state_text = pc.fill_null(state, _EMPTY)
    by_hand = pc.or_(
        pc.is_in(first_word, value_set=_PO_STARTS), pc.is_in(first_word, value_set=_UNIT_WORDS)
    )
    by_hand = pc.or_(
        by_hand,
        pc.and_(
            pc.invert(pc.is_in(pc.utf8_slice_codeunits(first_word, 0, 1), value_set=_DIGITS)),
            pc.not_equal(pc.fill_null(line2, _EMPTY), _EMPTY),
        ),
    )
    usual = pc.and_(
        pc.match_substring_regex(postal_text, r"^(?:\d{5}|\d{9})$"),
        pc.match_substring_regex(state_text, r"^[A-Z]{2}$"),
    )
    by_hand = pc.and_(pc.or_(by_hand, pc.invert(usual)), pc.is_valid(line1))
    keys = pc.binary_join_element_wise(
        street, state_text, pc.utf8_slice_codeunits(postal_text, 0, 5), _S("|")
    )
    keys = pc.if_else(pc.is_valid(line1), keys, _NULL_TEXT)
    hand = pc.indices_nonzero(by_hand)
    if len(hand):
        parts = [
            pc.take(pc.fill_null(f, _EMPTY), hand).to_pylist()
            for f in (line1, line2, city, state, postal)
        ]
        exact = [normalize_address(*raw) for raw in zip(*parts, strict=True)]
        keys = pc.replace_with_mask(keys, by_hand, pa.array(exact, pa.string()))
    return keys


def wide_row(row: Any, record: int) -> dict[str, Any]:
    """A reference-mapped row (nppes_import._Row) as a WIDE_SCHEMA row."""
    provider = row.provider
    out: dict[str, Any] = {"record": record}
    from spineclinic.directory.nppes_import import _PROVIDER_COLUMNS

    out |= dict(zip(_PROVIDER_COLUMNS[:14], provider[:14], strict=True))
    for key in ("deactivated_on", "last_updated"):
        if out[key] is not None:
            out[key] = out[key].isoformat()
    if row.practice is not None and row.listing is not None:
        (key, name, line1, line2, city, state, postal, phone, lat, lon) = row.practice
        cell, x, y, z, _, _, name_key = row.listing
        out.update(
            address_key=key,
            practice_name=name,
            line1=line1,
            line2=line2,
            city=city,
            state=state,
            postal_code=postal,
            phone=phone,
            latitude=lat,
            longitude=lon,
            cell=cell,
            x=x,
            y=y,
            z=z,
            name_key=name_key,
        )
    return out


def _text(values: pa.Array) -> pa.Array:
    """Binary column to text; a stray byte that is not UTF-8 becomes U+FFFD, as in the
    reference reader."""
    try:
        return pc.cast(values, pa.string())
    except pa.ArrowInvalid:
        return pa.array([v.decode("utf-8", "replace") for v in values.to_pylist()], pa.string())


def _join_present(a: pa.Array, b: pa.Array) -> pa.Array:
    """a and b joined by a space, or the one of them that is not empty (" ".join of the
    non-empty parts; Arrow's null-skipping join returns nothing when every row is null)."""
    both = pc.and_(pc.not_equal(a, _EMPTY), pc.not_equal(b, _EMPTY))
    return pc.if_else(
        both,
        pc.binary_join_element_wise(a, b, _SPACE),
        pc.binary_join_element_wise(a, b, _EMPTY),
    )


def _iso_date(values: pa.Array) -> pa.Array:
    """MM/DD/YYYY (checked by the caller) to YYYY-MM-DD; "" to null."""
    iso = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(values, 6, 10),
        pc.utf8_slice_codeunits(values, 0, 2),
        pc.utf8_slice_codeunits(values, 3, 5),
        _S("-"),
    )
    return pc.if_else(pc.equal(values, _EMPTY), pa.scalar(None, pa.string()), iso)


def _luhn_valid(digits: pa.Array) -> pa.Array:
    """lib.npi.is_valid_npi's check digit test, for values of exactly 10 digits."""
    total: Any = _I(npi_module._PREFIX_SUM)  # the prefix 80840's contribution
    for k in range(10):
        d = pc.cast(pc.utf8_slice_codeunits(digits, k, k + 1), pa.int64())
        if k % 2 == 0:  # doubled, digits of the product summed
            d = pc.multiply(d, _I(2))
            d = pc.if_else(pc.greater(d, _I(9)), pc.subtract(d, _I(9)), d)
        total = pc.add(total, d)
    return pc.equal(pc.subtract(total, pc.multiply(pc.divide(total, _I(10)), _I(10))), _I(0))


def _record_numbers(first: int, n: int, invalid: list[int]) -> list[int]:
    """Record numbers of a batch's n valid rows, given the invalid rows' numbers."""
    out: list[int] = []
    record = first
    skip = set(invalid)
    while len(out) < n:
        record += 1
        if record in skip:
            continue
        out.append(record)
    return out


def exact_line_numbers(path: str | os.PathLike[str], records: list[int]) -> dict[int, int]:
    """The physical line of each record number (header = 1): one pass of the csv module,
    for a file with line breaks inside quoted fields (rare; only then is it needed)."""
    wanted = set(records)
    out: dict[int, int] = {}
    if not wanted:
        return out
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f)
        last_line = 0
        for record, _ in enumerate(reader, start=1):
            if record in wanted:
                out[record] = last_line + 1
                if len(out) == len(wanted):
                    break
            last_line = reader.line_num
    return out


def count_lines(path: str | os.PathLike[str]) -> int:
    """Physical lines of a file (a last line without a line break counts)."""
    lines = 0
    last = b"\n"
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")
