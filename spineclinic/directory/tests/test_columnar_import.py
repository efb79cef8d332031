"""The columnar first load (nppes_arrow + nppes_import._first_load) against the reference
row-by-row import: the same file must leave the same directory, the same summary and the
same rejected lines, whichever way it was read."""

from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from spineclinic.directory import nppes_arrow
from spineclinic.directory.index import recompute_practices
from spineclinic.directory.models import Listing, Practice, Provider
from spineclinic.directory.nppes_import import ImportSummary, _NpiSet, import_nppes
from spineclinic.directory.synthetic import write_synthetic_nppes
from spineclinic.directory.tests.nppes_files import (
    ORGANIZATIONS,
    PRACTITIONERS,
    provider_row,
    shared,
    write_nppes,
)
from spineclinic.lib.npi import npi_check_digit

pytestmark = pytest.mark.django_db

_PROVIDER = [f.attname for f in Provider._meta.concrete_fields if f.attname != "id"]
_PRACTICE = [
    f.attname for f in Practice._meta.concrete_fields if f.attname not in ("id", "public_id")
]
_LISTING = [
    f.attname
    for f in Listing._meta.concrete_fields
    if f.attname not in ("id", "provider_id", "practice_id")
]


def _rounded(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # The unit vectors come from Arrow's and from Python's libm calls: equal to 1e-12.
    return tuple(round(v, 12) if isinstance(v, float) else v for v in row)


def directory() -> dict[str, list[tuple[Any, ...]]]:
    """Every column the import writes, ids replaced by what they point at."""
    return {
        "providers": sorted(Provider.objects.values_list(*_PROVIDER)),
        "practices": sorted(_rounded(r) for r in Practice.objects.values_list(*_PRACTICE)),
        "listings": sorted(
            _rounded(r)
            for r in Listing.objects.values_list(
                "provider__npi", "practice__address_key", *_LISTING
            )
        ),
    }


def empty() -> None:
    Listing.objects.all().delete()
    Provider.objects.all().delete()
    Practice.objects.all().delete()


def both_ways(path: Path, **options: Any) -> tuple[ImportSummary, ImportSummary, dict[str, Any]]:
    reference = import_nppes(path, parallel=False, columnar=False, **options)
    expected = directory()
    empty()
    columnar = import_nppes(path, columnar=True, **options)
    assert directory() == expected
    return reference, columnar, expected


def same_summary(a: ImportSummary, b: ImportSummary) -> None:
    assert (a.read, a.created, a.updated, a.unchanged) == (
        b.read,
        b.created,
        b.updated,
        b.unchanged,
    )
    assert a.skipped == b.skipped
    assert a.unknown_zips == b.unknown_zips
    assert a.rejected == b.rejected and a.rejected_count == b.rejected_count


@pytest.mark.parametrize(
    ("sample", "all_taxonomies"),
    [(PRACTITIONERS, False), (ORGANIZATIONS, False), (ORGANIZATIONS, True)],
)
def test_it_loads_the_real_samples_as_the_reference_import_does(
    sample: str, all_taxonomies: bool
) -> None:
    reference, columnar, loaded = both_ways(shared(sample), all_taxonomies=all_taxonomies)
    same_summary(reference, columnar)
    assert len(loaded["providers"]) == reference.created


def test_it_loads_a_generated_file_as_the_reference_import_does(tmp_path: Path) -> None:
    # Colleagues at shared addresses, several taxonomies, the orthopaedic parent code
    # with and without a spine signal, deactivated rows: the generator's whole mix.
    path = tmp_path / "synthetic.csv"
    write_synthetic_nppes(path, 3000, seed=7)
    reference, columnar, loaded = both_ways(path)
    same_summary(reference, columnar)
    assert len(loaded["listings"]) > 2000
    assert any(p[-1] for p in loaded["practices"])  # some practices are integrated
    # The head counts and flags written during the load are what a recomputation finds.
    assert recompute_practices() == 0


def test_it_rejects_the_same_rows_with_the_same_line_numbers(tmp_path: Path) -> None:
    rows = [
        provider_row("1000000012", last="GOOD"),
        provider_row("1234567890", last="BADCHECKDIGIT"),
        provider_row("1000000020", last="ALSOGOOD", updated="13/45/2020"),
        provider_row("1000000038", last="NOTYPE") | {"Entity Type Code": "7"},
        provider_row("1000000046", last="MULTI\nLINE"),
        provider_row("1000000053", last="AFTER", updated="2020"),
        provider_row("1000000061", last="ÉLODIE", taxonomy="111N00000X"),
    ]
    path = write_nppes(tmp_path / "bad.csv", rows)
    with path.open("a", encoding="utf-8") as f:
        f.write('"1000000079","1","truncated"\n')
    reference, columnar, _ = both_ways(path)
    same_summary(reference, columnar)
    assert [line for line, _ in columnar.rejected] == [3, 4, 5, 8, 10]


def test_a_repeated_npi_keeps_its_last_row_across_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of a dozen rows (the header needs one of its own), mapped one at a time.
    monkeypatch.setattr(nppes_arrow, "BLOCK_BYTES", 16384)
    monkeypatch.setattr(nppes_arrow, "GROUP_ROWS", 1)
    bodies = [str(100000300 + i) for i in range(40)]
    npis = [b + npi_check_digit(b) for b in bodies]
    rows = [provider_row(npi, last=f"FIRST{i}") for i, npi in enumerate(npis)]
    rows.append(provider_row(npis[0], last="LATER", line1="1 Elm St", postal="06103"))
    path = write_nppes(tmp_path / "repeat.csv", rows)
    _, columnar, _ = both_ways(path)
    assert Provider.objects.get(npi=npis[0]).family_name == "Later"
    assert Listing.objects.filter(provider__npi=npis[0]).count() == 1
    assert (columnar.created, columnar.updated) == (40, 1)
    assert recompute_practices() == 0


class Killed(Exception):
    pass


def _schema() -> dict[str, set[str]]:
    """Every index and constraint of the three tables, by table."""
    out = {}
    with connection.cursor() as cursor:
        for model in (Provider, Practice, Listing):
            table = model._meta.db_table
            out[table] = set(connection.introspection.get_constraints(cursor, table))
    return out


def test_a_killed_columnar_first_load_leaves_the_directory_empty_with_its_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nppes_arrow, "BLOCK_BYTES", 16384)
    monkeypatch.setattr(nppes_arrow, "GROUP_ROWS", 1)
    bodies = [str(100000400 + i) for i in range(40)]
    path = write_nppes(
        tmp_path / "kill.csv",
        [provider_row(b + npi_check_digit(b), last=f"NAME{b}") for b in bodies],
    )
    before = _schema()
    assert "listing_cell" in before[Listing._meta.db_table]

    def kill(done: int, total: int, rows: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        import_nppes(path, columnar=True, progress=kill)
    assert not Provider.objects.exists() and not Practice.objects.exists()
    assert _schema() == before
    summary = import_nppes(path, columnar=True)
    assert summary.created == 40 == Provider.objects.count() == Listing.objects.count()
    assert _schema() == before
    # The id sequences moved past the loaded rows: the next insert does not collide.
    Provider.objects.create(npi="1000000012", name="After the load")
    # The unique indexes were rebuilt and hold again.
    with pytest.raises(IntegrityError), transaction.atomic():
        Provider.objects.create(npi=bodies[0] + npi_check_digit(bodies[0]), name="Twice")


def test_the_npi_bitmap_remembers_what_it_has_seen() -> None:
    seen = _NpiSet()
    assert seen.add(["1234567893", "1003000126"]) == []
    assert seen.add(["1245319599", "1234567893", "1003000126"]) == ["1234567893", "1003000126"]
    assert seen.add(["1245319599", "2999999990"]) == ["1245319599"]
