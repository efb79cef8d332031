"""Small NPPES-format files for tests, and the paths of the real samples."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from spineclinic.directory.nppes_format import NPPES_COLUMNS_330

SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
_SAMPLE = "HL7-DaVinci_pdex-plan-net-sample-data.csv"
PRACTITIONERS = f"nppes/npidata_sample_2018_practitioners_first500rows__{_SAMPLE}"
ORGANIZATIONS = f"nppes/npidata_sample_2018_organizations_40rows__{_SAMPLE}"
NUCC = "nucc/nucc_taxonomy_251.csv"


def shared(relative: str) -> Path:
    """A file of ../shared/data: missing fails the test under CI, skips it elsewhere."""
    path = SHARED_DATA / relative
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI must have ../shared/data beside the project")
        pytest.skip(f"{path} is not here")
    return path


def provider_row(
    npi: str,
    *,
    last: str = "",
    first: str = "",
    org: str = "",
    taxonomy: str = "225100000X",
    line1: str = "85 Seymour St",
    city: str = "HARTFORD",
    state: str = "CT",
    postal: str = "061061234",
    updated: str = "01/02/2020",
    credentials: str = "",
) -> dict[str, str]:
    return {
        "NPI": npi,
        "Entity Type Code": "2" if org else "1",
        "Provider Organization Name (Legal Business Name)": org,
        "Provider Last Name (Legal Name)": last,
        "Provider First Name": first,
        "Provider Credential Text": credentials,
        "Provider First Line Business Practice Location Address": line1,
        "Provider Business Practice Location Address City Name": city,
        "Provider Business Practice Location Address State Name": state,
        "Provider Business Practice Location Address Postal Code": postal,
        "Provider Business Practice Location Address Country Code (If outside U.S.)": "US",
        "Provider Enumeration Date": "05/23/2005",
        "Last Update Date": updated,
        "Healthcare Provider Taxonomy Code_1": taxonomy,
        "Healthcare Provider Primary Taxonomy Switch_1": "Y",
    }


def write_nppes(
    path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = NPPES_COLUMNS_330
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), quoting=csv.QUOTE_ALL, restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: v for k, v in row.items() if k in columns})
    return path
