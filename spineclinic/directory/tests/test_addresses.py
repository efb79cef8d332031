"""Address keys: the spellings of one building found in the real NPPES sample fall together."""

from __future__ import annotations

import os
import random
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pytest

from spineclinic.directory.addresses import normalize_address
from spineclinic.directory.nppes_arrow import address_keys
from spineclinic.directory.nppes_format import ProviderRecord, open_nppes

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
PRACTITIONERS = (
    "npidata_sample_2018_practitioners_first500rows__HL7-DaVinci_pdex-plan-net-sample-data.csv"
)


def data_file(*parts: str) -> Path:
    path = DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"test data missing: {path}")
        pytest.skip(f"test data not available: {path}")
    return path


def keys(*addresses: tuple[str, str, str, str, str]) -> set[str]:
    return {normalize_address(*a) for a in addresses}


def test_it_drops_the_suite_so_colleagues_in_one_building_group() -> None:
    # Practice locations of colleagues in the sample, as each of them typed it.
    assert keys(
        ("1000 ASYLUM AVE", "SUITE 4310", "HARTFORD", "CT", "061051770"),
        ("1000 ASYLUM AVE", "STE 1004", "HARTFORD", "CT", "061051770"),
        ("1000 ASYLUM AVE STE 2112", "", "HARTFORD", "CT", "061051719"),
        ("1000 Asylum Avenue, Suite 2110", "", "Hartford", "CT", "06105-1719"),
        ("1000 ASYLUM AVE #2110", "", "HARTFORD", "CT", "06105"),
    ) == {"1000 ASYLUM AVE|CT|06105"}
    assert keys(
        ("60 OLD NEW MILFORD RD", "STE 3G", "BROOKFIELD", "CT", "068042430"),
        ("60 OLD NEW MILFORD RD", "STE 3E", "BROOKFIELD", "CT", "068042430"),
    ) == {"60 OLD NEW MILFORD RD|CT|06804"}
    assert keys(
        ("850 AQUIDNECK AVE", "UNIT B-9", "MIDDLETOWN", "RI", "028427244"),
        ("850 AQUIDNECK AVE", "UNIT B9", "MIDDLETOWN", "RI", "028427244"),
        ("850 AQUIDNECK AVE", "APT 2", "MIDDLETOWN", "RI", "02842"),
        ("850 AQUIDNECK AVE", "ROOM 12", "MIDDLETOWN", "RI", "02842"),
    ) == {"850 AQUIDNECK AVE|RI|02842"}


def test_it_drops_a_floor_with_its_ordinal() -> None:
    assert keys(
        ("25 MARSTON ST", "3RD FL", "LAWRENCE", "MA", "018412310"),
        ("25 MARSTON ST FL 3", "", "LAWRENCE", "MA", "018412310"),
        ("25 MARSTON ST 3RD FL", "", "LAWRENCE", "MA", "018412310"),
        ("25 Marston Street, Third Floor", "", "Lawrence", "MA", "01841"),
    ) == {"25 MARSTON ST|MA|01841"}


def test_it_abbreviates_street_types_and_directionals() -> None:
    assert keys(
        ("1565 N MAIN ST", "STE 306", "FALL RIVER", "MA", "027202972"),
        ("1565 NORTH MAIN STREET", "SUITE 306", "FALL RIVER", "MA", "027202972"),
        ("1565 N. Main St.", "", "Fall River", "Massachusetts", "02720"),
    ) == {"1565 N MAIN ST|MA|02720"}
    assert keys(
        ("100 HOSPITAL ROAD", "SUITE 3C", "LEOMINSTER", "MA", "01453"),
        ("100 HOSPITAL RD", "STE 3A", "LEOMINSTER", "MA", "014532253"),
    ) == {"100 HOSPITAL RD|MA|01453"}
    assert keys(
        ("330 MOUNT AUBURN ST", "HOSPITALIST SERVICES", "CAMBRIDGE", "MA", "021385502"),
        ("330 MT AUBURN ST", "", "CAMBRIDGE", "MA", "02138"),
    ) == {"330 MT AUBURN ST|MA|02138"}
    assert keys(
        ("200 Southwest Boulevard", "", "X", "TX", "75001"),
        ("200 SW BLVD", "", "X", "TX", "75001"),
        ("200 S.W. Blvd.", "", "X", "TX", "75001"),
    ) == {"200 SW BLVD|TX|75001"}


def test_it_writes_ordinals_and_a_leading_number_word_as_digits() -> None:
    assert keys(
        ("125 Fifth Avenue", "", "New York", "NY", "10003"),
        ("125 5TH AVE", "", "NEW YORK", "NY", "100031234"),
    ) == {"125 5TH AVE|NY|10003"}
    # From the sample: the street sits on line 2, after the practice's name.
    assert keys(
        ("NP RESOURCES, LLC", "SIX CORPORATE DRIVE, SUITE 420", "SHELTON", "CT", "06484"),
        ("6 CORPORATE DR", "STE 420", "SHELTON", "CT", "064846270"),
    ) == {"6 CORPORATE DR|CT|06484"}


def test_it_finds_the_street_on_either_line() -> None:
    assert keys(
        ("Medical Arts Building", "100 North Main Street", "Milford", "MA", "01757"),
        ("SUITE 200", "100 N MAIN ST", "MILFORD", "MA", "01757"),
        ("STE 200 100 N. Main St.", "", "MILFORD", "MA", "01757"),
        ("100 N MAIN ST", "MEDICAL ARTS BLDG", "MILFORD", "MA", "01757"),
    ) == {"100 N MAIN ST|MA|01757"}


def test_it_keeps_po_boxes_and_cuts_internal_mail_boxes() -> None:
    assert keys(
        ("P.O. Box 488", "", "BEVERLY", "MA", "019153370"),
        ("PO BOX 488", "", "BEVERLY", "MA", "01915"),
        ("POST OFFICE BOX 488", "", "BEVERLY", "MA", "01915"),
    ) == {"PO BOX 488|MA|01915"}
    assert normalize_address("800 WASHINGTON ST BOX 306", "", "BOSTON", "MA", "021111552") == (
        "800 WASHINGTON ST|MA|02111"
    )


def test_it_repairs_zip_codes_that_lost_their_leading_zero() -> None:
    assert keys(
        ("114 WOODLAND ST", "", "HARTFORD", "CT", "061051208"),
        ("114 WOODLAND ST", "", "HARTFORD", "CT", "6105"),
        ("114 WOODLAND ST", "", "HARTFORD", "CT", "61051208"),
    ) == {"114 WOODLAND ST|CT|06105"}


def test_it_uses_the_zip_rather_than_the_city_name() -> None:
    # USPS accepts Dorchester and Boston for 02122; providers write either.
    assert keys(
        ("398 NEPONSET AVE", "", "DORCHESTER", "MA", "021223134"),
        ("398 NEPONSET AVE", "", "BOSTON", "MA", "02122"),
    ) == {"398 NEPONSET AVE|MA|02122"}
    # Without a ZIP the city stands in, compared the way geo compares city names.
    assert keys(
        ("1 Main St", "", "St. Louis", "MO", ""),
        ("1 MAIN ST", "", "SAINT LOUIS", "MO", ""),
    ) == {"1 MAIN ST|MO|SAINT LOUIS"}


def test_it_keeps_different_buildings_apart() -> None:
    assert (
        len(
            keys(
                ("1000 ASYLUM AVE", "", "HARTFORD", "CT", "06105"),
                ("100 ASYLUM AVE", "", "HARTFORD", "CT", "06105"),
                ("1000 ASYLUM ST", "", "HARTFORD", "CT", "06105"),
                ("1000 ASYLUM AVE", "", "HARTFORD", "CT", "06106"),
                ("1000 ASYLUM AVE", "", "HARTFORD", "RI", "06105"),
            )
        )
        == 5
    )


def test_it_groups_the_colleagues_of_the_sample() -> None:
    with open_nppes(data_file("nppes", PRACTITIONERS)) as rows:
        practitioners = [r for r in rows if isinstance(r, ProviderRecord)]
    by_key: dict[str, set[str]] = defaultdict(set)
    for r in practitioners:
        key = normalize_address(r.address_line1, r.address_line2, r.city, r.state, r.postal_code)
        by_key[key].add(r.npi)
    spellings = {
        (r.address_line1, r.address_line2, r.city, r.state, r.postal_code) for r in practitioners
    }

    # Twelve providers at one Fall River building, in seven suites and two spellings.
    assert len(by_key["289 PLEASANT ST|MA|02721"]) == 12
    assert len(by_key["1565 N MAIN ST|MA|02720"]) == 9
    assert len(spellings) == 387
    assert len(by_key) == 334


# -- nppes_arrow.address_keys: the same keys, computed by Arrow's kernels -----------------

_TOKENS = [
    "100", "25", "3RD", "2ND", "4TH", "Fifth", "ONE", "six", "N.", "N.MAIN", "S.W.", "North",
    "MAIN", "Main", "Street", "ST", "st.", "Ave", "AVENUE", "Blvd.", "Suite", "STE", "#",
    "#2110", "FL", "Floor", "Room", "RM", "UNIT", "B-9", "Box", "BOX", "PO", "P", "O",
    "P.O.", "POST", "OFFICE", "POB", "Apt", "BLDG", "Dept", "O'Neil", "Mount", "St",
    "Saint", "&", ",", "-", "(", ")", "/", "A.B.CD", "\t", "  ", "LEVEL", "OFC", "Ofc",
]  # fmt: skip


def _line(rng: random.Random) -> str:
    return " ".join(rng.choice(_TOKENS) for _ in range(rng.randint(0, 7)))


def test_the_arrow_kernels_make_the_same_keys_as_normalize_address() -> None:
    rng = random.Random(7)
    rows = [
        (
            _line(rng),
            _line(rng) if rng.random() < 0.4 else "",
            rng.choice(["Boston", "St. Louis", "SAINT LOUIS", ""]),
            # Mostly what the kernels handle themselves; the rest goes to the reference.
            rng.choice(["MA"] * 8 + ["Massachusetts", "mo", "N1", ""]),
            rng.choice(["02115"] * 4 + ["021155724"] * 4 + ["02115-5724", "6105", "ABCDE", ""]),
        )
        for _ in range(20_000)
    ]
    # And every example of this file, as typed.
    rows += [
        ("1000 Asylum Avenue, Suite 2110", "", "Hartford", "CT", "06105-1719"),
        ("25 Marston Street, Third Floor", "", "Lawrence", "MA", "01841"),
        ("SUITE 200", "100 N MAIN ST", "MILFORD", "MA", "01757"),
        ("STE 200 100 N. Main St.", "", "MILFORD", "MA", "01757"),
        ("POST OFFICE BOX 488", "", "BEVERLY", "MA", "01915"),
        ("800 WASHINGTON ST BOX 306", "", "BOSTON", "MA", "021111552"),
        ("NP RESOURCES, LLC", "SIX CORPORATE DRIVE, SUITE 420", "SHELTON", "CT", "06484"),
        ("", "", "", "", ""),
    ]
    columns = [pa.array(list(column), pa.string()) for column in zip(*rows, strict=True)]
    assert address_keys(*columns).to_pylist() == [normalize_address(*row) for row in rows]


def test_the_arrow_kernels_leave_rows_without_a_line_1_keyless() -> None:
    columns = [pa.array(v, pa.string()) for v in ([None, "1 MAIN ST"], ["", ""], ["", ""])]
    columns += [pa.array(["MA", "MA"]), pa.array(["02115", "02115"])]
    assert address_keys(*columns).to_pylist() == [None, "1 MAIN ST|MA|02115"]
