"""Synthetic NPPES files: real layout, real geography, a directory-like mix of providers."""

from __future__ import annotations

import csv
import os
import tracemalloc
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from spineclinic.directory.addresses import normalize_address
from spineclinic.directory.nppes_format import (
    NPPES_COLUMNS_330,
    ProviderRecord,
    RowError,
    open_nppes,
)
from spineclinic.directory.synthetic import SyntheticSummary, write_synthetic_nppes
from spineclinic.directory.taxonomy import SPINE_DISCIPLINES, disciplines_for_taxonomies
from spineclinic.lib.geo import zip_places
from spineclinic.lib.npi import is_valid_npi

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
HEADER_330 = "npidata_pfile_header_current_330cols__DERIVED.csv"
ROWS = 20_000


def data_file(*parts: str) -> Path:
    path = DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"test data missing: {path}")
        pytest.skip(f"test data not available: {path}")
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SyntheticSummary]:
    path = tmp_path_factory.mktemp("synthetic") / "npidata_pfile_synthetic.csv"
    return path, write_synthetic_nppes(path, ROWS, seed=3)


@pytest.fixture(scope="module")
def providers(synthetic: tuple[Path, SyntheticSummary]) -> list[ProviderRecord]:
    with open_nppes(synthetic[0]) as rows:
        items = list(rows)
    assert not [i for i in items if isinstance(i, RowError)]
    return [i for i in items if isinstance(i, ProviderRecord)]


def test_it_writes_todays_330_column_header(synthetic: tuple[Path, SyntheticSummary]) -> None:
    with open(data_file("nppes", HEADER_330), newline="", encoding="utf-8") as f:
        published = next(csv.reader(f))
    with open(synthetic[0], newline="", encoding="utf-8") as f:
        first_line = f.readline()

    assert next(csv.reader([first_line])) == published == list(NPPES_COLUMNS_330)
    # Quoted and CRLF-ended like the CMS files.
    assert first_line.startswith('"NPI","Entity Type Code",') and first_line.endswith('"\r\n')


def test_it_writes_n_rows_that_the_reader_accepts(
    synthetic: tuple[Path, SyntheticSummary], providers: list[ProviderRecord]
) -> None:
    path, summary = synthetic

    assert len(providers) == summary.rows == ROWS
    assert [p.line_number for p in providers] == list(range(2, ROWS + 2))
    assert len({p.npi for p in providers}) == ROWS
    assert all(is_valid_npi(p.npi) for p in providers)
    with open(path, newline="", encoding="utf-8") as f:
        assert {len(row) for row in csv.reader(f)} == {330}


def test_it_writes_exactly_the_rows_asked_for(tmp_path: Path) -> None:
    for n in (0, 1, 7):
        path = tmp_path / f"n{n}.csv"
        assert write_synthetic_nppes(path, n, seed=n).rows == n
        with open_nppes(path) as rows:
            assert len(list(rows)) == n


def test_it_repeats_itself_for_a_seed(tmp_path: Path) -> None:
    write_synthetic_nppes(tmp_path / "a.csv", 2_000, seed=9)
    write_synthetic_nppes(tmp_path / "b.csv", 2_000, seed=9)
    write_synthetic_nppes(tmp_path / "c.csv", 2_000, seed=10)

    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()


def test_it_places_providers_in_real_zip_codes(providers: list[ProviderRecord]) -> None:
    places = {p.zip5: p for p in zip_places()}
    located = [p for p in providers if p.entity_type is not None]

    for provider in located:
        place = places[provider.zip5]
        assert (provider.city, provider.state) == (place.city.upper(), place.state)
        assert provider.postal_code[:5] == provider.zip5
    assert len({p.state for p in located}) >= 45
    assert {len(p.postal_code) for p in located} == {5, 9}


def test_it_mixes_disciplines_like_a_directory(providers: list[ProviderRecord]) -> None:
    individuals = [p for p in providers if p.entity_type == 1]
    mix = Counter(d for p in individuals for d in disciplines_for_taxonomies(p.taxonomy_codes))
    surgeons = mix["spine_surgery_ortho"] + mix["neurosurgery"]

    assert mix["physical_therapy"] > mix["chiropractic"] > mix["physiatry"] > surgeons > 0
    assert mix["physical_therapy"] > 0.25 * len(individuals)
    assert surgeons < 0.1 * mix["physical_therapy"]
    assert set(mix) == {d for d in SPINE_DISCIPLINES | {"primary_care"}}
    # Providers of no spine discipline, for the importer to skip: dentists, NPs...
    unmapped = [p for p in individuals if not disciplines_for_taxonomies(p.taxonomy_codes)]
    assert 0.1 * len(individuals) < len(unmapped) < 0.4 * len(individuals)


def test_it_gathers_colleagues_into_integrated_practices(
    synthetic: tuple[Path, SyntheticSummary], providers: list[ProviderRecord]
) -> None:
    at: dict[str, list[ProviderRecord]] = defaultdict(list)
    for p in providers:
        if p.entity_type is not None:
            at[
                normalize_address(p.address_line1, p.address_line2, p.city, p.state, p.postal_code)
            ].append(p)

    integrated = 0
    for colleagues in at.values():
        # An organization at the address ("... SPINE CENTER") is the spine signal for its
        # orthopaedic surgeons who list only the parent code 207X00000X.
        names = [p.organization_name for p in colleagues if p.entity_type == 2]
        disciplines = {
            d
            for p in colleagues
            if p.entity_type == 1
            for d in disciplines_for_taxonomies(p.taxonomy_codes, names=names)
        }
        integrated += len(disciplines & SPINE_DISCIPLINES) >= 3

    summary = synthetic[1]
    assert len(at) < 0.4 * len(providers)  # colleagues share addresses
    assert summary.integrated_practices > 20
    # Two practices may draw one address: the count can only merge, never split.
    assert 0.9 * summary.integrated_practices <= integrated <= summary.integrated_practices + 5
    assert summary.organizations == sum(1 for p in providers if p.entity_type == 2)


def test_it_deactivates_a_few_npis(
    synthetic: tuple[Path, SyntheticSummary], providers: list[ProviderRecord]
) -> None:
    summary = synthetic[1]
    gone = [p for p in providers if not p.active]
    back = [p for p in providers if p.active and p.deactivation_date is not None]

    assert len(gone) == summary.deactivated
    assert 0.002 * ROWS < len(gone) < 0.008 * ROWS
    # As CMS publishes them: nothing but the NPI and the deactivation date.
    assert all(p.entity_type is None and not p.taxonomy_codes and not p.city for p in gone)
    assert len(back) == summary.reactivated > 0
    for p in back:
        assert p.deactivation_date and p.reactivation_date
        assert p.reactivation_date > p.deactivation_date


def test_it_lists_several_taxonomies_for_some_providers(
    synthetic: tuple[Path, SyntheticSummary], providers: list[ProviderRecord]
) -> None:
    several = [p for p in providers if len(p.taxonomy_codes) > 1]

    assert len(several) == synthetic[1].multi_taxonomy
    assert 0.1 * ROWS < len(several) < 0.3 * ROWS
    assert all(p.primary_taxonomy == p.taxonomy_codes[0] for p in several)


def test_it_streams_in_constant_memory(tmp_path: Path) -> None:
    peaks = []
    for n in (2_000, 20_000):
        tracemalloc.start()
        write_synthetic_nppes(tmp_path / "m.csv", n, seed=1)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()

    # Ten times the rows, about the same peak: the ZIP list and one write batch.
    assert peaks[1] < peaks[0] * 1.3
