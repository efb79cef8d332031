"""The NPI check digit (Luhn over 80840 + the NPI), against real NPIs and CMS's example."""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path

import pytest

from spineclinic.lib.npi import is_valid_npi, npi_check_digit

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
SAMPLES = (
    "npidata_sample_2018_practitioners_first500rows__HL7-DaVinci_pdex-plan-net-sample-data.csv",
    "npidata_sample_2018_organizations_40rows__HL7-DaVinci_pdex-plan-net-sample-data.csv",
)


def data_file(*parts: str) -> Path:
    path = DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"test data missing: {path}")
        pytest.skip(f"test data not available: {path}")
    return path


def textbook_luhn_valid(number: str) -> bool:
    """Luhn as usually written: double every second digit from the right."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def sample_npis() -> list[str]:
    npis = []
    for name in SAMPLES:
        with open(data_file("nppes", name), newline="", encoding="utf-8") as f:
            npis += [row[0] for row in list(csv.reader(f))[1:]]
    return npis


def test_it_accepts_the_npis_of_the_real_samples() -> None:
    npis = sample_npis()

    assert len(npis) == 540
    assert all(is_valid_npi(npi) for npi in npis)
    assert "1255334207" in npis and "1689670259" in npis


def test_it_computes_the_check_digit_of_the_cms_example() -> None:
    # CMS, "Requirements for NPI check digit": 123456789 gets the check digit 3.
    assert npi_check_digit("123456789") == "3"
    assert is_valid_npi("1234567893")


def test_it_recomputes_the_check_digit_of_every_sample_npi() -> None:
    for npi in sample_npis():
        assert npi_check_digit(npi[:9]) == npi[9]


def test_it_rejects_any_single_mistyped_digit() -> None:
    npi = "1255334207"
    for i in range(10):
        for digit in "0123456789":
            typo = npi[:i] + digit + npi[i + 1 :]
            assert is_valid_npi(typo) == (typo == npi)


def test_it_agrees_with_the_textbook_luhn_over_the_80840_prefix() -> None:
    rng = random.Random(42)
    for _ in range(20_000):
        number = f"{rng.randrange(10**10):010d}"
        assert is_valid_npi(number) == textbook_luhn_valid("80840" + number)
        first9 = number[:9]
        assert textbook_luhn_valid("80840" + first9 + npi_check_digit(first9))


def test_it_rejects_what_is_not_ten_ascii_digits() -> None:
    fullwidth = "".join(chr(0xFF10 + int(d)) for d in "1234567893")
    for bad in ["", "123456789", "12345678930", "12345 7893", "123456789X", fullwidth]:
        assert not is_valid_npi(bad)
    # Superscript digits pass str.isdigit(); they are not digits of an NPI.
    assert not is_valid_npi("123456789\u00b3")
    for bad in ["12345678", "1234567890", "12345678X", "\u00b9\u00b2\u00b3456789"]:
        with pytest.raises(ValueError, match="9 digits"):
            npi_check_digit(bad)
