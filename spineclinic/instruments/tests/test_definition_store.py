"""Stored questionnaire definitions: the shipped files after migrate, one active wording
per instrument, and a licensed wording that a new release never replaces."""

from __future__ import annotations

from pathlib import Path

from spineclinic.instruments.actions import do_load_licensed_odi, sync_bundled_definitions
from spineclinic.instruments.catalog import active_definition
from spineclinic.instruments.definitions import ODI_DEMO_FILE, load_bundled
from spineclinic.instruments.models import DefinitionSource, InstrumentDefinition
from spineclinic.test import Clinic

LICENSED = ODI_DEMO_FILE.read_text().replace("version: demo-1", 'version: "2.1a-clinic"')


def licensed_file(tmp_path: Path) -> Path:
    path = tmp_path / "odi_licensed.yaml"
    path.write_text(LICENSED.replace("text: Pain intensity", "text: Section 1 - Pain intensity"))
    return path


def test_it_stores_every_shipped_definition_at_migrate(db: None) -> None:
    shipped = load_bundled()
    stored = {d.code: d for d in InstrumentDefinition.objects.filter(active=True)}
    assert set(stored) == set(shipped)
    for code, instrument in shipped.items():
        assert stored[code].version == instrument.version
        assert stored[code].source == DefinitionSource.BUNDLED
        assert stored[code].instrument() == instrument  # the stored content rebuilds it


def test_it_loads_the_shipped_files_only_once(db: None) -> None:
    count = InstrumentDefinition.objects.count()
    assert sync_bundled_definitions() == 0
    assert InstrumentDefinition.objects.count() == count


def test_it_keeps_the_wording_of_sbst_with_keeles_notice(db: None) -> None:
    sbst = active_definition("sbst")
    assert "Keele University" in sbst.licence
    assert sbst.instrument().item("q1").text.startswith("My back pain has spread down my leg")


def test_it_activates_a_licensed_odi_and_keeps_it_over_a_new_release(
    clinic: Clinic, tmp_path: Path
) -> None:
    row = do_load_licensed_odi(licensed_file(tmp_path), by=clinic.ada)
    assert active_definition("odi") == row
    assert row.instrument().item("pain_intensity").text == "Section 1 - Pain intensity"
    # A later migrate must not put the demonstration wording back.
    sync_bundled_definitions()
    assert active_definition("odi") == row
    assert InstrumentDefinition.objects.filter(code="odi", active=True).count() == 1


def test_it_makes_a_newer_shipped_version_active(db: None) -> None:
    InstrumentDefinition.objects.filter(code="nrs", active=True).update(
        version="0-old", active=True
    )
    sync_bundled_definitions()
    assert active_definition("nrs").version == "1"
    assert InstrumentDefinition.objects.get(code="nrs", version="0-old").active is False
