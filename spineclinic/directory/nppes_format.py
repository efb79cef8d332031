"""Reader for the NPPES bulk data file (npidata_pfile_*.csv, monthly full or weekly update).

Columns are found by name: CMS renamed "Provider Gender Code" to "Provider Sex Code" and
appended "Certification Date" (329 -> 330 columns), and may do so again. The header is
checked before any row is read, so a wrong file fails at once with NotNppesFile.

A malformed row becomes a RowError carrying its physical line number and the import goes
on; one bad row in nine million must not stop a monthly refresh.

Speed: the monthly file has about nine million rows of 330 quoted fields. CMS quotes
every field, so a row whose only quotes are the field delimiters can be split on '","'
at C speed, and only the columns we use (all within the first 107) are split out. Any
other row (embedded quotes, line breaks inside a field, wrong column count) goes through
the csv module, which is the reference for what a row means.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from operator import itemgetter, methodcaller
from types import TracebackType
from typing import IO, NamedTuple

from spineclinic.lib.npi import is_valid_npi

TAXONOMY_SLOTS = 15

_LEADING_COLUMNS = (
    "NPI",
    "Entity Type Code",
    "Replacement NPI",
    "Employer Identification Number (EIN)",
    "Provider Organization Name (Legal Business Name)",
    "Provider Last Name (Legal Name)",
    "Provider First Name",
    "Provider Middle Name",
    "Provider Name Prefix Text",
    "Provider Name Suffix Text",
    "Provider Credential Text",
    "Provider Other Organization Name",
    "Provider Other Organization Name Type Code",
    "Provider Other Last Name",
    "Provider Other First Name",
    "Provider Other Middle Name",
    "Provider Other Name Prefix Text",
    "Provider Other Name Suffix Text",
    "Provider Other Credential Text",
    "Provider Other Last Name Type Code",
    "Provider First Line Business Mailing Address",
    "Provider Second Line Business Mailing Address",
    "Provider Business Mailing Address City Name",
    "Provider Business Mailing Address State Name",
    "Provider Business Mailing Address Postal Code",
    "Provider Business Mailing Address Country Code (If outside U.S.)",
    "Provider Business Mailing Address Telephone Number",
    "Provider Business Mailing Address Fax Number",
    "Provider First Line Business Practice Location Address",
    "Provider Second Line Business Practice Location Address",
    "Provider Business Practice Location Address City Name",
    "Provider Business Practice Location Address State Name",
    "Provider Business Practice Location Address Postal Code",
    "Provider Business Practice Location Address Country Code (If outside U.S.)",
    "Provider Business Practice Location Address Telephone Number",
    "Provider Business Practice Location Address Fax Number",
    "Provider Enumeration Date",
    "Last Update Date",
    "NPI Deactivation Reason Code",
    "NPI Deactivation Date",
    "NPI Reactivation Date",
    "Provider Gender Code",
    "Authorized Official Last Name",
    "Authorized Official First Name",
    "Authorized Official Middle Name",
    "Authorized Official Title or Position",
    "Authorized Official Telephone Number",
)

# The CMS layout of 2007-2023 (the header file npidata_20050523-20150308FileHeader.csv).
NPPES_COLUMNS_329: tuple[str, ...] = (
    _LEADING_COLUMNS
    + tuple(
        name
        for k in range(1, TAXONOMY_SLOTS + 1)
        for name in (
            f"Healthcare Provider Taxonomy Code_{k}",
            f"Provider License Number_{k}",
            f"Provider License Number State Code_{k}",
            f"Healthcare Provider Primary Taxonomy Switch_{k}",
        )
    )
    + tuple(
        name
        for k in range(1, 51)
        for name in (
            f"Other Provider Identifier_{k}",
            f"Other Provider Identifier Type Code_{k}",
            f"Other Provider Identifier State_{k}",
            f"Other Provider Identifier Issuer_{k}",
        )
    )
    + (
        "Is Sole Proprietor",
        "Is Organization Subpart",
        "Parent Organization LBN",
        "Parent Organization TIN",
        "Authorized Official Name Prefix Text",
        "Authorized Official Name Suffix Text",
        "Authorized Official Credential Text",
    )
    + tuple(f"Healthcare Provider Taxonomy Group_{k}" for k in range(1, TAXONOMY_SLOTS + 1))
)

# Today's layout: the gender column renamed, a certification date appended.
NPPES_COLUMNS_330: tuple[str, ...] = (
    *("Provider Sex Code" if c == "Provider Gender Code" else c for c in NPPES_COLUMNS_329),
    "Certification Date",
)


class NotNppesFile(ValueError):
    """The file is not an NPPES provider data file (or not one we can read)."""


class RowError(NamedTuple):
    line_number: int
    reason: str


class ProviderRecord(NamedTuple):
    """One NPPES row, mapped. Text fields are as CMS wrote them.

    entity_type is 1 (individual) or 2 (organization); None for a deactivated NPI, whose
    row CMS publishes with every field blank except the NPI and the dates. Taxonomy codes
    are distinct and in file order. primary_taxonomy is the code switched "Y"; when none
    is (older enumerations answered "X", not answered) it is the first code listed.
    """

    line_number: int
    npi: str
    entity_type: int | None
    active: bool
    taxonomy_codes: tuple[str, ...]
    primary_taxonomy: str | None
    last_update_date: date | None
    deactivation_date: date | None
    reactivation_date: date | None
    # The text fields come last, in one block, so a row maps to a record with a single
    # itemgetter call.
    last_name: str
    first_name: str
    middle_name: str
    name_prefix: str
    name_suffix: str
    credentials: str
    organization_name: str
    other_organization_name: str
    sex: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    country_code: str
    phone: str

    @property
    def zip5(self) -> str:
        """The 5-digit ZIP of a US practice location ("" abroad or when missing)."""
        if self.country_code not in ("", "US"):
            return ""
        digits = self.postal_code[:5]
        return digits if len(digits) == 5 and digits.isdigit() else ""


# The columns we read, by ProviderRecord field. Sex has two names (see _SEX_COLUMNS).
_REQUIRED = {
    "npi": "NPI",
    "entity_type": "Entity Type Code",
    "organization_name": "Provider Organization Name (Legal Business Name)",
    "last_name": "Provider Last Name (Legal Name)",
    "first_name": "Provider First Name",
    "address_line1": "Provider First Line Business Practice Location Address",
    "city": "Provider Business Practice Location Address City Name",
    "state": "Provider Business Practice Location Address State Name",
    "postal_code": "Provider Business Practice Location Address Postal Code",
    "last_update_date": "Last Update Date",
    "deactivation_date": "NPI Deactivation Date",
    "reactivation_date": "NPI Reactivation Date",
    "taxonomy_1": "Healthcare Provider Taxonomy Code_1",
    "switch_1": "Healthcare Provider Primary Taxonomy Switch_1",
}
# Missing optional columns read as "": custom extracts often drop them.
_OPTIONAL = {
    "middle_name": "Provider Middle Name",
    "name_prefix": "Provider Name Prefix Text",
    "name_suffix": "Provider Name Suffix Text",
    "credentials": "Provider Credential Text",
    "other_organization_name": "Provider Other Organization Name",
    "address_line2": "Provider Second Line Business Practice Location Address",
    "country_code": "Provider Business Practice Location Address Country Code (If outside U.S.)",
    "phone": "Provider Business Practice Location Address Telephone Number",
}
_SEX_COLUMNS = ("Provider Sex Code", "Provider Gender Code")
# ProviderRecord's text fields, in order: copied from the row as they are.
_TEXT_FIELDS = ProviderRecord._fields[ProviderRecord._fields.index("last_name") :]

# Other files of the NPPES download, recognised so the error can say what was uploaded.
_SIBLING_FILES = (
    ("Provider Secondary Practice Location", "the secondary practice locations file (pl_pfile)"),
    ("Provider Other Organization Name Type Code", "the other names file (othername_pfile)"),
    ("Endpoint", "the endpoints file (endpoint_pfile)"),
)


def _column_key(name: str) -> str:
    # CMS headers are not consistent in spacing ("Address-  Address Line 2") or case.
    return " ".join(name.split()).casefold()


def _getter(indices: Sequence[int]) -> Callable[[Sequence[str]], tuple[str, ...]]:
    if len(indices) == 1:
        only = indices[0]
        return lambda row: (row[only],)
    return itemgetter(*indices)


_DATE_CACHE_LIMIT = 100_000


def _parse_date(value: str) -> date:
    """MM/DD/YYYY as CMS writes it; YYYY-MM-DD too, for re-exported files."""
    if "/" in value:
        month, day, year = value.split("/")
    else:
        year, month, day = value.split("-")
    if len(year) != 4:
        raise ValueError(value)
    return date(int(year), int(month), int(day))


_decode_line = methodcaller("decode", "utf-8", "replace")
_new_record = tuple.__new__


class NppesFile:
    """An open NPPES data file whose header has been checked. Iterate once.

    Each item is a ProviderRecord or a RowError. Use as a context manager (or call close())
    to release the file.
    """

    def __init__(self, stream: IO[bytes] | IO[str], name: str, *, owns_stream: bool) -> None:
        self.name = name
        self._stream = stream
        self._owns_stream = owns_stream
        # Physical lines as text. Binary files are split on b"\n" and decoded line by
        # line, twice as fast as a text-mode file; CMS files are UTF-8 in practice, and a
        # stray byte must not stop a nine-million-row import, so it is replaced.
        self._lines: Iterator[str] = (
            iter(stream) if isinstance(stream, io.TextIOBase) else map(_decode_line, stream)
        )
        # csv.reader reads exactly the lines of one record and no further, so the
        # header is read with it and the rows from the same line iterator.
        header_reader = csv.reader(self._lines)
        try:
            header = next(header_reader)
        except StopIteration:
            raise NotNppesFile(f"{name} is empty: expected an NPPES data file.") from None
        except csv.Error as e:
            raise NotNppesFile(f"{name} is not an NPPES data file: unreadable CSV ({e}).") from e
        self.header_lines = header_reader.line_num  # physical lines of the header
        self.columns: tuple[str, ...] = tuple(header)
        self.column_count = len(header)
        self._index_columns()

    def _index_columns(self) -> None:
        name = self.name
        if self.columns and self.columns[0].startswith("PK\x03\x04"):
            raise NotNppesFile(
                f"{name} is a ZIP archive: extract the npidata_pfile_*.csv file from it first."
            )
        keys: dict[str, int] = {}
        for i, column in enumerate(self.columns):
            keys.setdefault(_column_key(column.lstrip("\ufeff")), i)

        missing = [c for c in _REQUIRED.values() if _column_key(c) not in keys]
        if missing:
            shown = ", ".join(repr(c) for c in missing[:4])
            more = f" and {len(missing) - 4} more" if len(missing) > 4 else ""
            sibling = next(
                (
                    what
                    for marker, what in _SIBLING_FILES
                    if any(k.startswith(_column_key(marker)) for k in keys)
                ),
                None,
            )
            hint = (
                f" It looks like {sibling}; the importer needs the main npidata_pfile_*.csv."
                if sibling
                else " Expected the npidata_pfile_*.csv file of the NPPES download"
                " (monthly full file or weekly update)."
            )
            raise NotNppesFile(
                f"{name} is not an NPPES provider data file: its header has no {shown}{more}"
                f" column.{hint}"
            )

        # Absent optional columns read index -1: every row gets a "" appended.
        def index(column: str) -> int:
            return keys.get(_column_key(column), -1)

        sex = next((c for c in _SEX_COLUMNS if _column_key(c) in keys), "")
        self.sex_column = sex
        idx = {field: index(column) for field, column in {**_REQUIRED, **_OPTIONAL}.items()}
        idx["sex"] = index(sex) if sex else -1
        self._i_npi = idx["npi"]
        self._i_entity = idx["entity_type"]
        self._i_dates = (
            idx["deactivation_date"],
            idx["reactivation_date"],
            idx["last_update_date"],
        )

        slots = [(idx["taxonomy_1"], idx["switch_1"])]
        for k in range(2, TAXONOMY_SLOTS + 1):
            code_i = index(f"Healthcare Provider Taxonomy Code_{k}")
            if code_i >= 0:
                slots.append((code_i, index(f"Healthcare Provider Primary Taxonomy Switch_{k}")))
        self.field_index = idx  # ProviderRecord field (and taxonomy_1, switch_1) -> column
        self.taxonomy_slots = slots  # (code column, switch column), -1 when absent
        self._codes = _getter([c for c, _ in slots])
        self._switches = _getter([s for _, s in slots])
        self._text = itemgetter(*(idx[f] for f in _TEXT_FIELDS))

        # Fast path split plan. Most providers list one or two taxonomies, so the row is
        # split up to the last column needed for everything but taxonomy slots 3..15
        # ("core"); when the columns of those slots are all empty, which one startswith
        # shows, the remaining hundred-odd columns are never split. A layout where those
        # slots do not all lie beyond the core is split in one go.
        core = [i for i in idx.values() if i >= 0]
        core += [i for pair in slots[:2] for i in pair if i >= 0]
        extra = [i for pair in slots[2:] for i in pair if i >= 0]
        core_end = max(core) + 1
        extra_end = max(extra, default=-1) + 1
        if not extra or min(extra) < core_end or extra_end >= self.column_count:
            core_end = max(core_end, extra_end)
            extra_end = 0
        self._core_end = core_end
        self._extra_end = extra_end
        in_core = [(c, s) for c, s in slots if c < core_end and s < core_end]
        self._core_codes = _getter([c for c, _ in in_core])
        self._core_switches = _getter([s for _, s in in_core])

    def __enter__(self) -> NppesFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_stream:
            self._stream.close()

    def position(self) -> int:
        """Bytes read so far, for a progress bar; 0 when the stream cannot tell."""
        try:
            return int(self._stream.tell())
        except (OSError, ValueError):
            return 0

    def __iter__(self) -> Iterator[ProviderRecord | RowError]:
        # One long loop on purpose: at nine million rows a function call per row costs
        # seconds, so the fast path is inline and everything it touches is a local.
        ncols = self.column_count
        quotes_inside = 2 * ncols - 2
        separators = ncols - 1
        core_end = self._core_end
        rest_separators = separators - core_end
        rest_split = self._extra_end - core_end if self._extra_end else 0
        empty_extra = '","' * rest_split
        empty_extra_plain = "," * rest_split
        i_npi = self._i_npi
        i_entity = self._i_entity
        i_deactivated, i_reactivated, i_updated = self._i_dates
        columns = self.columns
        core_codes = self._core_codes
        core_switches = self._core_switches
        all_codes = self._codes
        all_switches = self._switches
        text = self._text
        dates: dict[str, date] = {}
        lines = self._lines
        line_number = self.header_lines
        new = _new_record
        record_type = ProviderRecord

        for line in lines:
            line_number += 1
            first_line = line_number
            # The line is used as read, line break included: copying a kilobyte per row
            # shows at nine million rows. `end` is where the row's text ends.
            end = len(line)
            if line[end - 1] == "\n":
                end -= 2 if end > 1 and line[end - 2] == "\r" else 1
                if end == 0:
                    continue
            row: list[str] = []
            whole = False
            fast = False
            if line[0] == '"' and end > 1 and line[end - 1] == '"' and line[1] != ",":
                # Fast path, for rows quoted the CMS way. With 2n quotes in all, once the
                # n-1 '","' separators are counted no quote is left inside a field, so
                # splitting on '","' is exactly what csv would do. Only the columns up to
                # core_end are split; the rest of the line is only counted. The opening
                # quote cannot start a false separator because line[1] is not a comma,
                # and the closing quote and line break are left out of every count.
                if line.count('"', 1, end - 1) == quotes_inside:
                    row = line.split('","', core_end)
                    after = len(line) - end + 1
                    if len(row) > core_end:
                        rest = row[core_end]
                        fast = rest.count('","', 0, len(rest) - after) == rest_separators
                        if fast and rest_split and not rest.startswith(empty_extra):
                            # Taxonomy slots 3..15 are in use: split on to the last one.
                            row[core_end:] = rest.split('","', rest_split)
                            whole = True
                    else:
                        fast = line.count('","', 1, end - 1) == separators
                        row[-1] = row[-1][:-after]
                        whole = True
                    row[0] = row[0][1:]
            elif '"' not in line and line.count(",", 0, end) == separators:
                # An unquoted export (a spreadsheet's "save as CSV").
                fast = True
                row = line[:end].split(",", core_end)
                if rest_split and not row[core_end].startswith(empty_extra_plain):
                    row[core_end:] = row[core_end].split(",", rest_split)
                    whole = True
            if not fast:
                reader = csv.reader(_with_newline(line, lines))
                try:
                    row = next(reader)
                except csv.Error as e:
                    line_number += max(reader.line_num - 1, 0)
                    yield RowError(first_line, f"unreadable CSV row: {e}")
                    continue
                line_number += reader.line_num - 1
                if len(row) != ncols:
                    npi = row[i_npi].strip() if len(row) > i_npi else ""
                    yield RowError(
                        first_line,
                        f"expected {ncols} columns, found {len(row)}"
                        + ("; the row is truncated" if len(row) < ncols else "")
                        + (f" (NPI {npi})" if npi else ""),
                    )
                    continue
                whole = True
            # Absent optional columns point at index -1, this blank.
            row.append("")

            npi = row[i_npi].strip()
            if not is_valid_npi(npi):
                yield RowError(
                    first_line,
                    f"NPI {npi} fails its check digit"
                    if len(npi) == 10 and npi.isascii() and npi.isdigit()
                    else f"NPI {npi!r} is not 10 digits",
                )
                continue

            column = i_updated
            value = ""
            try:
                value = row[i_updated]
                updated = (dates.get(value) or _cache_date(dates, value)) if value else None
                column = i_deactivated
                value = row[i_deactivated]
                deactivated = (dates.get(value) or _cache_date(dates, value)) if value else None
                column = i_reactivated
                value = row[i_reactivated]
                reactivated = (dates.get(value) or _cache_date(dates, value)) if value else None
            except ValueError:
                yield RowError(
                    first_line,
                    f"NPI {npi}: {columns[column]} {value!r} is not a date (MM/DD/YYYY)",
                )
                continue
            active = deactivated is None or (reactivated is not None and reactivated >= deactivated)

            entity = row[i_entity]
            entity_type: int | None
            if entity == "1":
                entity_type = 1
            elif entity == "2":
                entity_type = 2
            elif not entity.strip() and not active:
                # CMS blanks every field of a deactivated NPI but the NPI and the date.
                entity_type = None
            else:
                yield RowError(
                    first_line,
                    f"NPI {npi}: Entity Type Code {entity!r} is not 1 (individual)"
                    " or 2 (organization)",
                )
                continue

            codes = all_codes(row) if whole else core_codes(row)
            blanks = codes.count("")
            taxonomy_codes: tuple[str, ...]
            primary: str | None
            if blanks == len(codes):
                taxonomy_codes, primary = (), None
            elif blanks == len(codes) - 1 and codes[0]:
                taxonomy_codes = (codes[0],)
                primary = codes[0]
            else:
                switches = all_switches(row) if whole else core_switches(row)
                distinct: dict[str, None] = {}
                primary = None
                for code, switch in zip(codes, switches, strict=True):
                    if code:
                        distinct[code] = None
                        if primary is None and switch in ("Y", "y"):
                            primary = code
                taxonomy_codes = tuple(distinct)
                if primary is None:
                    primary = taxonomy_codes[0]

            # Concatenating two tuples is twice as fast as unpacking into a third, and
            # tuple.__new__ skips the NamedTuple's Python-level constructor.
            yield new(
                record_type,
                (  # noqa: RUF005 - see above
                    first_line,
                    npi,
                    entity_type,
                    active,
                    taxonomy_codes,
                    primary,
                    updated,
                    deactivated,
                    reactivated,
                )
                + text(row),
            )


def _cache_date(dates: dict[str, date], value: str) -> date:
    parsed = _parse_date(value.strip())
    # Distinct dates in a file number a few thousand; the bound only guards against a
    # file of garbage that happens to parse.
    if len(dates) >= _DATE_CACHE_LIMIT:
        dates.clear()
    dates[value] = parsed
    return parsed


def _with_newline(first: str, lines: Iterator[str]) -> Iterator[str]:
    # Lines from a binary file keep their b"\n" but a text stream's may not; csv needs
    # the line breaks to keep them inside a quoted multi-line field.
    yield first if first.endswith("\n") else first + "\n"
    for line in lines:
        yield line if line.endswith("\n") else line + "\n"


def open_nppes(source: str | os.PathLike[str] | IO[bytes] | IO[str]) -> NppesFile:
    """Open an NPPES data file: a path, or a binary or text stream (text: newline="").

    Raises NotNppesFile, having read no further than the header, when it is not one.
    """
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        stream: IO[bytes] | IO[str] = open(path, "rb", buffering=1 << 20)  # noqa: SIM115 - NppesFile.close() closes it
        name = os.path.basename(path)
        owns = True
    else:
        stream = source
        name = os.path.basename(str(getattr(source, "name", ""))) or "the uploaded file"
        owns = False
    try:
        return NppesFile(stream, name, owns_stream=owns)
    except BaseException:
        if owns:
            stream.close()
        raise
