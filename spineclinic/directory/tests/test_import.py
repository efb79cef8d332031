from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from spineclinic.directory.models import Listing, Practice, Provider, TaxonomyCode
from spineclinic.directory.nppes_import import import_nppes, import_nucc
from spineclinic.directory.search import discipline_bits, disciplines_of
from spineclinic.directory.tests.nppes_files import (
    NUCC,
    ORGANIZATIONS,
    PRACTITIONERS,
    provider_row,
    shared,
    write_nppes,
)

pytestmark = pytest.mark.django_db


def state() -> list[tuple[object, ...]]:
    """Everything the import writes, in a comparable form (ids aside)."""
    providers = sorted(
        Provider.objects.values_list("npi", "name", "disciplines", "active", "row_hash")
    )
    practices = sorted(
        Practice.objects.values_list("address_key", "disciplines", "provider_count", "integrated")
    )
    listings = sorted(
        Listing.objects.values_list("provider__npi", "practice__address_key", "cell", "integrated")
    )
    return [*providers, *practices, *listings]


def test_it_imports_the_spine_providers_of_the_real_sample() -> None:
    summary = import_nppes(shared(PRACTITIONERS))
    bits = discipline_bits()
    per_discipline = Counter(
        code
        for mask in Provider.objects.values_list("disciplines", flat=True)
        for code in disciplines_of(mask, bits)
    )
    # Counted independently from the CSV's taxonomy columns (REFERENCE section 1 codes).
    assert per_discipline == {
        "primary_care": 77,
        "pain_medicine": 14,
        "chiropractic": 13,
        "neuroradiology": 12,
        "physical_therapy": 6,
        "physiatry": 5,
        "pain_psychology": 4,
        "neurosurgery": 2,
    }
    assert (summary.read, summary.created, summary.rejected_count) == (500, 133, 0)
    assert summary.skipped == {"no taxonomy code of a spine discipline": 367}


def test_it_keeps_the_samples_reactivated_npis_active() -> None:
    import_nppes(shared(PRACTITIONERS))
    # All 15 deactivated NPIs of the sample were reactivated later.
    assert not Provider.objects.filter(active=False).exists()


def test_it_changes_nothing_on_a_second_run() -> None:
    import_nppes(shared(PRACTITIONERS))
    before = state()
    again = import_nppes(shared(PRACTITIONERS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 133)
    assert state() == before


def test_it_imports_organizations() -> None:
    # None of the sample's 40 organisations has a spine taxonomy: all are skipped by
    # default, and all come in, as organisations, with --all-taxonomies.
    spine_only = import_nppes(shared(ORGANIZATIONS))
    assert (spine_only.read, spine_only.created) == (40, 0)
    everything = import_nppes(shared(ORGANIZATIONS), all_taxonomies=True)
    assert everything.created == 40
    assert Provider.objects.filter(entity_type=2).count() == 40
    assert Provider.objects.filter(name="").count() == 0


def test_it_reads_both_header_layouts(tmp_path: Path) -> None:
    legacy = shared("nppes/npidata_20050523-20150308FileHeader__dmccallie_nppes_fhir_demo.csv")
    columns = tuple(next(iter(legacy.open(encoding="utf-8"))).strip().strip('"').split('","'))
    assert "Provider Gender Code" in columns and len(columns) == 329
    rows = [provider_row("1000000012", last="DISC", first="ANA")]
    import_nppes(write_nppes(tmp_path / "old.csv", rows, columns))
    import_nppes(write_nppes(tmp_path / "new.csv", [provider_row("1000000020", last="FACET")]))
    assert set(Provider.objects.values_list("npi", flat=True)) == {"1000000012", "1000000020"}


def test_it_updates_a_provider_from_a_newer_file(tmp_path: Path) -> None:
    import_nppes(write_nppes(tmp_path / "a.csv", [provider_row("1000000012", last="DISC")]))
    newer = provider_row(
        "1000000012",
        last="DISC",
        line1="1000 Farmington Ave",
        city="WEST HARTFORD",
        postal="06107",
        updated="03/04/2021",
    )
    summary = import_nppes(write_nppes(tmp_path / "b.csv", [newer]))
    assert (summary.created, summary.updated) == (0, 1)
    listing = Listing.objects.get(provider__npi="1000000012")
    assert listing.practice.city == "West Hartford"
    assert Listing.objects.count() == 1


def test_it_reports_malformed_rows_by_line_and_imports_the_rest(tmp_path: Path) -> None:
    path = write_nppes(
        tmp_path / "bad.csv",
        [
            provider_row("1000000012", last="GOOD"),
            provider_row("1234567890", last="BADCHECKDIGIT"),
            provider_row("1000000020", last="ALSOGOOD"),
        ],
    )
    with path.open("a", encoding="utf-8") as f:
        f.write('"1000000038","1","truncated"\n')
    summary = import_nppes(path)
    assert summary.created == 2
    lines = dict(summary.rejected)
    assert set(lines) == {3, 5}
    assert "1234567890" in lines[3] or "NPI" in lines[3]
    assert set(Provider.objects.values_list("npi", flat=True)) == {"1000000012", "1000000020"}


def test_it_refuses_a_file_that_is_not_nppes_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "patients.csv"
    path.write_text("name,dob\nAnn,1970-01-01\n")
    with pytest.raises(CommandError, match="not an NPPES provider data file"):
        call_command("import_nppes", str(path), "--no-progress")
    assert not Provider.objects.exists() and not Practice.objects.exists()


class Killed(Exception):
    pass


def kill_after_first_batch(done: int, total: int, rows: int) -> None:
    if done < total:
        raise Killed


def eight_providers(tmp_path: Path) -> Path:
    from spineclinic.lib.npi import npi_check_digit

    bodies = [str(100000200 + i) for i in range(8)]
    rows = [provider_row(b + npi_check_digit(b), last=f"NAME{b}") for b in bodies]
    return write_nppes(tmp_path / "kill.csv", rows)


def listing_indexes() -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Listing._meta.db_table)
    # Indexes and foreign keys: both are dropped for a first load and must come back.
    return {
        name
        for name, c in constraints.items()
        if (c["index"] or c["foreign_key"]) and not c["primary_key"]
    }


def test_it_leaves_an_empty_directory_as_it_was_when_a_first_load_is_killed(
    tmp_path: Path,
) -> None:
    indexes = listing_indexes()
    assert "listing_cell" in indexes
    with pytest.raises(Killed):
        import_nppes(eight_providers(tmp_path), batch_size=3, progress=kill_after_first_batch)
    assert not Provider.objects.exists() and not Practice.objects.exists()
    assert listing_indexes() == indexes  # dropped for the load, restored by the rollback
    import_nppes(eight_providers(tmp_path), batch_size=3)
    assert Provider.objects.count() == 8
    assert listing_indexes() == indexes  # rebuilt at the end of a completed first load


def test_it_ends_a_killed_import_in_the_state_of_one_clean_run(tmp_path: Path) -> None:
    path = eight_providers(tmp_path)
    seed = write_nppes(tmp_path / "seed.csv", [provider_row("1000000012", last="SEED")])
    import_nppes(seed)  # not a first load: batches commit one by one
    with pytest.raises(Killed):
        import_nppes(path, batch_size=3, progress=kill_after_first_batch)
    assert Provider.objects.count() == 1 + 3  # the first batch landed, the rest did not
    import_nppes(path, batch_size=3)
    killed_then_rerun = state()
    Listing.objects.all().delete()
    Provider.objects.all().delete()
    Practice.objects.all().delete()
    import_nppes(seed)
    import_nppes(path, batch_size=3)
    assert state() == killed_then_rerun
    assert Provider.objects.count() == 9
    assert "listing_cell" in listing_indexes()


def test_it_groups_colleagues_at_one_address_into_an_integrated_clinic(tmp_path: Path) -> None:
    from spineclinic.lib.npi import npi_check_digit

    def npi(n: int) -> str:
        body = f"{100000100 + n}"
        return body + npi_check_digit(body)

    rows = [
        provider_row(npi(1), last="PT", taxonomy="225100000X", line1="85 Seymour Street"),
        provider_row(npi(2), last="CHIRO", taxonomy="111N00000X", line1="85 SEYMOUR ST."),
        provider_row(
            npi(3), last="PAIN", taxonomy="208VP0014X", line1="85 Seymour St", postal="06106"
        ),
        provider_row(npi(4), last="ALONE", taxonomy="207T00000X", line1="1 Elm St"),
    ]
    import_nppes(write_nppes(tmp_path / "group.csv", rows))
    clinic = Practice.objects.get(listings__provider__npi=npi(1))
    assert clinic.provider_count == 3 and clinic.discipline_count == 3
    assert clinic.integrated
    assert Listing.objects.filter(practice=clinic, integrated=True).count() == 3
    assert not Practice.objects.get(listings__provider__npi=npi(4)).integrated


def test_it_loads_the_nucc_taxonomy_names() -> None:
    assert import_nucc(shared(NUCC)) == 883
    assert "Physical Therapist" in TaxonomyCode.objects.get(code="225100000X").display_name


def test_it_imports_the_same_with_a_parsing_process() -> None:
    sequential = import_nppes(shared(PRACTITIONERS), parallel=False)
    before = state()
    Listing.objects.all().delete()
    Provider.objects.all().delete()
    Practice.objects.all().delete()
    parallel = import_nppes(shared(PRACTITIONERS), parallel=True, batch_size=50)
    assert state() == before
    assert (parallel.read, parallel.created, parallel.skipped) == (
        sequential.read,
        sequential.created,
        sequential.skipped,
    )
