"""The NPPES bulk file reader, against the real CMS-format samples in ../shared/data/nppes."""

from __future__ import annotations

import csv
import io
import os
import random
from datetime import date
from pathlib import Path
from typing import IO

import pytest

from spineclinic.directory.nppes_format import (
    NPPES_COLUMNS_329,
    NPPES_COLUMNS_330,
    NotNppesFile,
    ProviderRecord,
    RowError,
    open_nppes,
)
from spineclinic.lib.npi import npi_check_digit

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
PRACTITIONERS = (
    "npidata_sample_2018_practitioners_first500rows__HL7-DaVinci_pdex-plan-net-sample-data.csv"
)
ORGANIZATIONS = (
    "npidata_sample_2018_organizations_40rows__HL7-DaVinci_pdex-plan-net-sample-data.csv"
)
FIXTURE = "npidata_fixture_1practitioner__pdex-plan-net-sample-data_spec_fixtures.csv"
CMS_HEADER = "npidata_20050523-20150308FileHeader__dmccallie_nppes_fhir_demo.csv"
HEADER_330 = "npidata_pfile_header_current_330cols__DERIVED.csv"
SECONDARY_LOCATIONS = "pl_pfile_sample_9rows__RandyBrown12_NPPES_DATABASE.csv"
OTHER_NAMES = "othername_pfile_sample__RandyBrown12_NPPES_DATABASE.csv"

# The 15 deactivated NPIs of the practitioner sample, each reactivated days later
# (cross-checked with gawk on columns 40 and 41 of the raw file).
REACTIVATED = {
    "1184627184", "1558364521", "1326041385", "1912900846", "1407859804",
    "1225030554", "1538162821", "1700889094", "1821090119", "1801890165",
    "1114921723", "1063416683", "1033113477", "1669476016", "1144224536",
}  # fmt: skip


SLOTS = range(1, 16)


def data_file(*parts: str) -> Path:
    path = DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"test data missing: {path}")
        pytest.skip(f"test data not available: {path}")
    return path


def read(source: Path | IO[bytes] | IO[str]) -> list[ProviderRecord | RowError]:
    with open_nppes(source) as rows:
        return list(rows)


def records(items: list[ProviderRecord | RowError]) -> list[ProviderRecord]:
    assert not [i for i in items if isinstance(i, RowError)]
    return [i for i in items if isinstance(i, ProviderRecord)]


def sample_lines() -> list[str]:
    """The practitioner sample as physical lines, CRLF included."""
    with open(data_file("nppes", PRACTITIONERS), newline="", encoding="utf-8") as f:
        return f.read().splitlines(keepends=True)


def write(tmp_path: Path, lines: list[str], name: str = "npidata_pfile_test.csv") -> Path:
    path = tmp_path / name
    path.write_text("".join(lines), encoding="utf-8", newline="")
    return path


def test_it_reads_the_500_practitioner_rows() -> None:
    items = records(read(data_file("nppes", PRACTITIONERS)))

    assert len(items) == 500
    assert {r.entity_type for r in items} == {1}
    # Physical line numbers: the header is line 1 and no record spans two lines.
    assert [r.line_number for r in items] == list(range(2, 502))
    assert len({r.npi for r in items}) == 500


def test_it_maps_the_fields_of_a_row() -> None:
    first = records(read(data_file("nppes", PRACTITIONERS)))[0]

    assert first == ProviderRecord(
        line_number=2,
        npi="1255334207",
        entity_type=1,
        active=True,
        taxonomy_codes=("207RC0000X", "207RA0001X"),
        primary_taxonomy="207RC0000X",
        last_update_date=date(2016, 9, 27),
        deactivation_date=None,
        reactivation_date=None,
        last_name="SOUCIER",
        first_name="RICHARD",
        middle_name="",
        name_prefix="",
        name_suffix="",
        credentials="MD",
        organization_name="",
        other_organization_name="",
        sex="M",
        # The practice location, not the mailing address (1000 ASYLUM AVE, STE 4309).
        address_line1="114 WOODLAND ST",
        address_line2="",
        city="HARTFORD",
        state="CT",
        postal_code="061051208",
        country_code="US",
        phone="8607144820",
    )
    assert first.zip5 == "06105"


def test_it_keeps_five_digit_and_zip_plus_4_postal_codes() -> None:
    items = records(read(data_file("nppes", PRACTITIONERS)))
    by_npi = {r.npi: r for r in items}

    assert by_npi["1952304263"].postal_code == "06750"  # 622 BANTAM ROAD, BANTAM
    assert by_npi["1255334207"].postal_code == "061051208"
    assert {len(r.postal_code) for r in items} == {5, 9}
    assert all(len(r.zip5) == 5 for r in items)


def test_it_keeps_reactivated_npis_active() -> None:
    items = records(read(data_file("nppes", PRACTITIONERS)))
    deactivated = [r for r in items if r.deactivation_date is not None]

    assert {r.npi for r in deactivated} == REACTIVATED
    assert all(r.reactivation_date is not None for r in deactivated)
    assert all(r.active for r in items)
    grygier = next(r for r in deactivated if r.npi == "1821090119")
    assert (grygier.deactivation_date, grygier.reactivation_date) == (
        date(2006, 3, 20),
        date(2006, 3, 29),
    )


def test_it_makes_a_deactivated_npi_inactive(tmp_path: Path) -> None:
    lines = sample_lines()
    header, row = lines[0], next(csv.reader([lines[1]]))
    # As CMS publishes a deactivated NPI: every field blank but the NPI and the date.
    blank = [""] * len(row)
    blank[0] = row[0]
    blank[NPPES_COLUMNS_329.index("NPI Deactivation Date")] = "05/15/2019"
    later = list(row)
    later[0] = "1234567893"
    later[NPPES_COLUMNS_329.index("NPI Deactivation Date")] = "06/01/2018"
    later[NPPES_COLUMNS_329.index("NPI Reactivation Date")] = "01/02/2018"  # before: no effect
    path = write(tmp_path, [header, quoted(blank), quoted(later)])

    gone, still_gone = records(read(path))

    assert (gone.npi, gone.entity_type, gone.active) == ("1255334207", None, False)
    assert gone.deactivation_date == date(2019, 5, 15)
    assert gone.taxonomy_codes == () and gone.primary_taxonomy is None
    assert (still_gone.entity_type, still_gone.active) == (1, False)


def test_it_takes_the_primary_taxonomy_from_the_switch() -> None:
    by_npi = {r.npi: r for r in records(read(data_file("nppes", PRACTITIONERS)))}

    # Line 174: 174400000X/N, 207T00000X/Y, 207V00000X/N
    groff = by_npi["1710980370"]
    assert groff.line_number == 174
    assert groff.taxonomy_codes == ("174400000X", "207T00000X", "207V00000X")
    assert groff.primary_taxonomy == "207T00000X"
    # Line 406: eight slots, each code twice (two state licences), the Y on slot 6.
    wolff = by_npi["1093719700"]
    assert wolff.taxonomy_codes == ("207R00000X", "207RC0200X", "207RP1001X", "207RS0012X")
    assert wolff.primary_taxonomy == "207RP1001X"
    # 108 rows fill two or more slots (the README's count); 80 list two distinct codes.
    assert sum(1 for r in by_npi.values() if len(r.taxonomy_codes) >= 2) == 80


def test_it_falls_back_to_the_first_code_when_none_is_switched_primary() -> None:
    by_npi = {r.npi: r for r in records(read(data_file("nppes", PRACTITIONERS)))}

    # Both switches "X" (not answered), as on many 2005-2007 enumerations.
    letien = by_npi["1023011061"]
    assert letien.taxonomy_codes == ("231H00000X", "237600000X")
    assert letien.primary_taxonomy == "231H00000X"


def test_it_reads_the_40_organisation_rows() -> None:
    items = records(read(data_file("nppes", ORGANIZATIONS)))

    assert len(items) == 40
    assert {r.entity_type for r in items} == {2}
    assert all(r.organization_name and not r.last_name for r in items)
    hospital = next(r for r in items if r.npi == "1689670259")
    assert (hospital.organization_name, hospital.taxonomy_codes) == (
        "MOUNT AUBURN HOSPITAL",
        ("282N00000X",),
    )
    codac = next(r for r in items if r.npi == "1295731321")
    assert codac.other_organization_name == "CODAC CRANSTON"
    assert codac.taxonomy_codes[0] == "261QR0405X" and len(codac.taxonomy_codes) == 6


def test_it_reads_the_single_row_fixture() -> None:
    (only,) = records(read(data_file("nppes", FIXTURE)))

    assert only.entity_type == 1 and only.line_number == 2


def test_it_declares_both_cms_header_layouts() -> None:
    with open(data_file("nppes", CMS_HEADER), newline="", encoding="utf-8") as f:
        assert tuple(next(csv.reader(f))) == NPPES_COLUMNS_329
    with open(data_file("nppes", HEADER_330), newline="", encoding="utf-8") as f:
        assert tuple(next(csv.reader(f))) == NPPES_COLUMNS_330


def test_it_reads_the_330_column_layout(tmp_path: Path) -> None:
    lines = sample_lines()
    header_330 = data_file("nppes", HEADER_330).read_text(encoding="utf-8")
    # Today's file: "Provider Sex Code" for "Provider Gender Code", a certification
    # date appended to every row.
    rows = [header_330] + [
        line.rstrip("\r\n") + (',"09/30/2024"\r\n' if i % 2 else ',""\r\n')
        for i, line in enumerate(lines[1:])
    ]
    path = write(tmp_path, rows)

    old = records(read(data_file("nppes", PRACTITIONERS)))
    with open_nppes(path) as new_rows:
        new = records(list(new_rows))
        assert new_rows.column_count == 330
        assert new_rows.sex_column == "Provider Sex Code"

    assert new == old
    assert [r.sex for r in new].count("F") == 140


def test_it_reads_a_file_saved_without_quotes(tmp_path: Path) -> None:
    lines = sample_lines()
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerows(csv.reader(lines))
    path = tmp_path / "resaved.csv"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")

    assert records(read(path)) == records(read(data_file("nppes", PRACTITIONERS)))


def test_it_reads_binary_and_text_streams() -> None:
    path = data_file("nppes", ORGANIZATIONS)
    from_path = records(read(path))

    assert records(read(io.BytesIO(path.read_bytes()))) == from_path
    with open(path, newline="", encoding="utf-8") as text:
        assert records(read(text)) == from_path


def test_it_reports_malformed_rows_with_their_line_numbers_and_goes_on(tmp_path: Path) -> None:
    lines = sample_lines()
    truncated = lines[2][: len(lines[2]) // 2] + "\r\n"
    bad_check_digit = '"1255334208"' + lines[3][len('"1255334207"') :]
    short_npi = '"125533420"' + lines[4][len('"1255334207"') :]
    fields = next(csv.reader([lines[5]]))
    fields[1] = "3"
    bad_entity = quoted(fields)
    fields = next(csv.reader([lines[6]]))
    fields[NPPES_COLUMNS_329.index("Last Update Date")] = "13/45/2016"
    bad_date = quoted(fields)
    malformed = [truncated, bad_check_digit, short_npi, bad_entity, bad_date]
    path = write(tmp_path, [lines[0], lines[1], *malformed, *lines[7:]])

    items = read(path)
    errors = [i for i in items if isinstance(i, RowError)]
    good = [i for i in items if isinstance(i, ProviderRecord)]

    assert [e.line_number for e in errors] == [3, 4, 5, 6, 7]
    assert "expected 329 columns, found" in errors[0].reason
    assert "truncated" in errors[0].reason
    assert errors[1].reason == "NPI 1255334208 fails its check digit"
    assert errors[2].reason == "NPI '125533420' is not 10 digits"
    assert "Entity Type Code '3'" in errors[3].reason
    assert "Last Update Date '13/45/2016' is not a date" in errors[4].reason
    assert len(good) == 495
    assert good[0].line_number == 2 and good[1].line_number == 8
    assert good[-1].line_number == 501


def test_it_counts_physical_lines_inside_a_quoted_multiline_field(tmp_path: Path) -> None:
    lines = sample_lines()
    fields = next(csv.reader([lines[1]]))
    line2 = NPPES_COLUMNS_329.index("Provider Second Line Business Practice Location Address")
    fields[line2] = 'SUITE 4\r\nTHE "OLD" MILL'
    path = write(tmp_path, [lines[0], quoted(fields), *lines[2:5]])

    items = records(read(path))

    assert items[0].address_line2 == 'SUITE 4\r\nTHE "OLD" MILL'
    assert [r.line_number for r in items] == [2, 4, 5, 6]


def test_it_agrees_with_the_csv_module_on_awkward_rows(tmp_path: Path) -> None:
    """Fast path or not, every row reads as csv.reader would read it."""
    rng = random.Random(20240601)
    nasty = ["", "A", "A,B", 'SAY "HI"', '","', ",", '"', "X\nY", "X\r\nY", '""', "Ä Ö"]
    header = list(NPPES_COLUMNS_330)
    # Half the values land in the first 107 columns, where every column we read lies.
    front = range(header.index("Other Provider Identifier_1"))
    rows: list[list[str]] = []
    for i in range(3000):
        first9 = f"{100000000 + i * 7919:09d}"
        row = [""] * len(header)
        row[0] = first9 + npi_check_digit(first9)
        row[1] = "1"
        row[header.index("Last Update Date")] = "07/08/2007"
        for _ in range(rng.randrange(0, 6)):
            column = rng.choice(front if rng.random() < 0.5 else range(len(header)))
            if column not in (0, 1) and "Date" not in header[column]:
                row[column] = rng.choice(nasty)
        for slot in range(1, rng.choice((1, 2, 3, 16))):
            row[header.index(f"Healthcare Provider Taxonomy Code_{slot}")] = f"{slot:09d}X"
        if rng.random() < 0.05:
            del row[rng.randrange(2, len(row)) :]
        elif rng.random() < 0.03:
            row.append("extra")
        rows.append(row)
    quote_all = io.StringIO(newline="")
    csv.writer(quote_all, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([header, *rows])
    minimal = io.StringIO(newline="")
    csv.writer(minimal, lineterminator="\n").writerows([header, *rows])

    for text in (quote_all.getvalue(), minimal.getvalue()):
        path = tmp_path / "awkward.csv"
        path.write_text(text, encoding="utf-8", newline="")
        expected = list(csv.reader(io.StringIO(text, newline="")))[1:]
        items = read(path)

        assert len(items) == len(rows)
        for item, want in zip(items, expected, strict=True):
            if len(want) != len(header):
                assert isinstance(item, RowError), want[:2]
                assert "columns" in item.reason
                continue
            assert isinstance(item, ProviderRecord), item
            assert item.npi == want[0]
            assert item.last_name == want[header.index("Provider Last Name (Legal Name)")]
            assert item.organization_name == want[4]
            assert item.phone == want[34]
            assert item.address_line2 == want[29]
            codes = [want[header.index(f"Healthcare Provider Taxonomy Code_{k}")] for k in SLOTS]
            assert item.taxonomy_codes == tuple(dict.fromkeys(c for c in codes if c))


def test_it_counts_columns_even_when_the_quotes_balance(tmp_path: Path) -> None:
    lines = sample_lines()
    short = next(csv.reader([lines[1]]))
    # One column fewer, and one quote inside a field: as many quote characters as a
    # sound row, one separator short.
    del short[200]
    short[250] = 'A"B'
    comma_first = next(csv.reader([lines[2]]))
    comma_first[0] = ","
    path = write(tmp_path, [lines[0], quoted(short), quoted(comma_first), lines[3]])

    items = read(path)

    assert items[0] == RowError(
        2, "expected 329 columns, found 328; the row is truncated (NPI 1255334207)"
    )
    assert items[1] == RowError(3, "NPI ',' is not 10 digits")
    assert isinstance(items[2], ProviderRecord)


def test_it_refuses_a_csv_that_is_not_an_nppes_data_file(tmp_path: Path) -> None:
    with pytest.raises(NotNppesFile, match=r"no 'NPI', 'Entity Type Code'"):
        open_nppes(data_file("nucc", "nucc_taxonomy_251.csv"))
    with pytest.raises(NotNppesFile, match="secondary practice locations file"):
        open_nppes(data_file("nppes", SECONDARY_LOCATIONS))
    with pytest.raises(NotNppesFile, match="other names file"):
        open_nppes(data_file("nppes", OTHER_NAMES))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(NotNppesFile, match="empty"):
        open_nppes(empty)
    archive = tmp_path / "NPPES_Data_Dissemination.zip"
    archive.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00binary")
    with pytest.raises(NotNppesFile, match="ZIP archive"):
        open_nppes(archive)


def test_it_refuses_before_reading_any_row(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("NPI,Name\n1234567893,Alice\n", encoding="utf-8")

    # The call itself raises, not the first iteration: nothing can be half-imported.
    with pytest.raises(NotNppesFile) as refused:
        open_nppes(path)

    assert str(refused.value).startswith("people.csv is not an NPPES provider data file")
    assert "'Entity Type Code'" in str(refused.value)


def test_it_accepts_a_header_only_file() -> None:
    assert read(data_file("nppes", CMS_HEADER)) == []


def quoted(fields: list[str]) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerow(fields)
    return out.getvalue()
