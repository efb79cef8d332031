"""Spine disciplines from NUCC taxonomy codes (REFERENCE section 1) and the NUCC code set."""

from __future__ import annotations

import ast
import os
from collections import Counter
from pathlib import Path

import pytest

from spineclinic.directory.nppes_format import ProviderRecord, open_nppes
from spineclinic.directory.taxonomy import (
    CLINIC_TAXONOMIES,
    DISCIPLINE_BY_CODE,
    DISCIPLINES,
    SPINE_DISCIPLINES,
    NuccTaxonomy,
    clinic_taxonomies,
    discipline_for_taxonomy,
    disciplines_for_taxonomies,
    has_spine_signal,
    is_integrated,
    read_nucc_csv,
)

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
PRACTITIONERS = (
    "npidata_sample_2018_practitioners_first500rows__HL7-DaVinci_pdex-plan-net-sample-data.csv"
)
NUCC = "nucc_taxonomy_251.csv"

# REFERENCE section 1, typed out again so a slip in taxonomy.py cannot hide.
REFERENCE = {
    "spine_surgery_ortho": {"207XS0117X", "207X00000X"},
    "neurosurgery": {"207T00000X"},
    "physiatry": {"208100000X", "2081P2900X", "2081P0010X"},
    "pain_medicine": {"207L00000X", "207LP2900X", "208VP0014X", "208VP0000X"},
    "neuroradiology": {"2085N0700X", "2085R0202X"},
    "chiropractic": {"111N00000X", "111NX0800X"},
    "physical_therapy": {"225100000X", "2251X0800X"},
    "pain_psychology": {"103T00000X", "103TH0004X"},
    "primary_care": {"207Q00000X", "207R00000X", "208D00000X"},
}


def data_file(*parts: str) -> Path:
    path = DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"test data missing: {path}")
        pytest.skip(f"test data not available: {path}")
    return path


def test_it_holds_the_reference_table() -> None:
    assert {d.code: set(d.nucc_codes) for d in DISCIPLINES} == REFERENCE
    assert {d.code for d in DISCIPLINES if not d.spine} == {"primary_care"}
    assert DISCIPLINE_BY_CODE["physiatry"].role == (
        "Physical medicine & rehabilitation, interventional physiatrist"
    )


def test_it_agrees_with_the_migration_that_loads_the_disciplines() -> None:
    # Read as source, not imported: these tests run without Django.
    migration = Path(__file__).resolve().parents[1] / "migrations" / "0002_disciplines.py"
    tree = ast.parse(migration.read_text(encoding="utf-8"))
    assigned = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "DISCIPLINES" for t in node.targets)
    )
    frozen = ast.literal_eval(assigned)

    assert [(code, label, role, list(nucc)) for code, label, role, nucc in frozen] == [
        (d.code, d.label, d.role, list(d.nucc_codes)) for d in DISCIPLINES
    ]


def test_it_uses_only_codes_of_the_nucc_code_set() -> None:
    known = {t.code: t for t in read_nucc_csv(data_file("nucc", NUCC))}

    ours = {c for d in DISCIPLINES for c in d.nucc_codes} | set(CLINIC_TAXONOMIES)
    assert ours <= set(known)
    assert known["261QM1300X"].display_name == "Multi-Specialty Clinic/Center"
    assert known["261QP3300X"].display_name == "Pain Clinic/Center"


def test_it_maps_each_code_to_its_discipline() -> None:
    for discipline, codes in REFERENCE.items():
        for code in codes - {"207X00000X"}:
            assert disciplines_for_taxonomies([code]) == (discipline,)
            assert discipline_for_taxonomy(code) == discipline
    assert disciplines_for_taxonomies(["1223G0001X", "363LF0000X"]) == ()
    assert disciplines_for_taxonomies([]) == ()


def test_it_lists_several_disciplines_once_each_in_table_order() -> None:
    codes = ["225100000X", "208100000X", "2251X0800X", "207Q00000X", "2081P2900X"]

    assert disciplines_for_taxonomies(codes) == ("physiatry", "physical_therapy", "primary_care")
    assert disciplines_for_taxonomies(iter(codes)) == disciplines_for_taxonomies(tuple(codes))


def test_it_counts_the_orthopaedic_parent_code_only_with_a_spine_signal() -> None:
    parent = "207X00000X"

    assert disciplines_for_taxonomies([parent]) == ()
    assert discipline_for_taxonomy(parent) is None
    # Another spine taxonomy on the same NPI is a signal...
    assert disciplines_for_taxonomies([parent, "207XS0117X"]) == ("spine_surgery_ortho",)
    assert disciplines_for_taxonomies([parent, "207T00000X"]) == (
        "spine_surgery_ortho",
        "neurosurgery",
    )
    assert disciplines_for_taxonomies([parent, "2081P0004X"]) == ("spine_surgery_ortho",)
    # ...and so is the practice's name; sports medicine or hands are not.
    assert disciplines_for_taxonomies([parent], names=["NEW ENGLAND SPINE CENTER, LLC"]) == (
        "spine_surgery_ortho",
    )
    assert disciplines_for_taxonomies([parent], names=["", "Spinal Surgery Associates"]) == (
        "spine_surgery_ortho",
    )
    assert disciplines_for_taxonomies([parent, "207XX0005X"], names=["HAND & SPORTS"]) == ()
    assert discipline_for_taxonomy(parent, spine_signal=True) == "spine_surgery_ortho"


def test_it_does_not_take_a_surname_for_a_spine_signal() -> None:
    assert not has_spine_signal([], ["SPINELLI ORTHOPAEDICS", "BACKSPINE LLC"])
    assert has_spine_signal([], ["Orthopaedic & Spine Institute"])


def test_it_finds_the_clinic_level_codes() -> None:
    codes = ["261QP3300X", "261QM1300X", "261QP2000X", "261QP3300X"]

    assert clinic_taxonomies(codes) == ("261QP3300X", "261QM1300X")
    assert disciplines_for_taxonomies(codes) == ()


def test_it_calls_three_spine_disciplines_integrated() -> None:
    assert is_integrated(["spine_surgery_ortho", "physiatry", "physical_therapy"])
    assert not is_integrated(["physical_therapy", "chiropractic", "primary_care"])
    assert not is_integrated(["physical_therapy", "physical_therapy", "chiropractic"])


def test_it_counts_the_sample_practitioners_of_each_discipline() -> None:
    with open_nppes(data_file("nppes", PRACTITIONERS)) as rows:
        practitioners = [r for r in rows if isinstance(r, ProviderRecord)]

    per_discipline = Counter(
        d for r in practitioners for d in disciplines_for_taxonomies(r.taxonomy_codes)
    )

    # Cross-checked with gawk over the raw file (FPAT quoted fields, the 15 code columns).
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
    mapped = [disciplines_for_taxonomies(r.taxonomy_codes) for r in practitioners]
    assert sum(1 for m in mapped if m) == 133
    assert sum(1 for m in mapped if SPINE_DISCIPLINES.intersection(m)) == 56
    # Fourteen general orthopaedic surgeons, none with a spine taxonomy beside: without
    # a name that says spine they are not listed as spine surgeons.
    parents = [r for r in practitioners if "207X00000X" in r.taxonomy_codes]
    assert len(parents) == 14
    assert all(disciplines_for_taxonomies(r.taxonomy_codes) == () for r in parents)
    assert all(
        disciplines_for_taxonomies(r.taxonomy_codes, names=["RIVER VALLEY SPINE"])
        == ("spine_surgery_ortho",)
        for r in parents
    )
    groff = next(r for r in practitioners if r.npi == "1710980370")
    assert disciplines_for_taxonomies(groff.taxonomy_codes) == ("neurosurgery",)


def test_it_reads_the_nucc_code_set() -> None:
    codes = list(read_nucc_csv(data_file("nucc", NUCC)))

    assert len(codes) == 883
    assert len({t.code for t in codes}) == 883
    spine = next(t for t in codes if t.code == "207XS0117X")
    assert spine == NuccTaxonomy(
        code="207XS0117X",
        grouping="Allopathic & Osteopathic Physicians",
        classification="Orthopaedic Surgery",
        specialization="Orthopaedic Surgery of the Spine",
        display_name="Orthopaedic Surgery of the Spine Physician",
    )


def test_it_reads_quoted_multiline_definitions(tmp_path: Path) -> None:
    path = tmp_path / "nucc.csv"
    header = "Code,Grouping,Classification,Specialization,Definition,Notes,Display Name,Section"
    spine = (
        "207XS0117X,Allopathic & Osteopathic Physicians,Orthopaedic Surgery,"
        'Orthopaedic Surgery of the Spine,"A surgeon\r\n\r\nwho ""operates"", on spines",'
        '"[7/1/2003: new]\r\nSource: NUCC",Orthopaedic Surgery of the Spine Physician,Individual'
    )
    chiropractor = "111N00000X,Chiropractic Providers,Chiropractor,,x,,Chiropractor,Individual"
    path.write_bytes(f"\ufeff{header}\r\n{spine}\r\n{chiropractor}\r\n".encode())

    codes = list(read_nucc_csv(path))

    assert [t.code for t in codes] == ["207XS0117X", "111N00000X"]
    assert codes[1].specialization == ""


def test_it_refuses_a_csv_without_nucc_columns() -> None:
    with pytest.raises(ValueError, match="not a NUCC taxonomy CSV"):
        list(read_nucc_csv(data_file("nppes", PRACTITIONERS)))
