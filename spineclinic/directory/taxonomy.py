"""Spine disciplines and the NUCC Health Care Provider Taxonomy codes behind them.

The table is REFERENCE section 1, kept as data so the importer, the directory filters
and the FHIR mapping (PractitionerRole.specialty) read one source. Migration
directory/0002 freezes a copy of the same rows; test_taxonomy checks they agree.

Framework-free on purpose: the bulk importer calls this once per NPPES row.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Discipline:
    code: str
    label: str
    role: str
    nucc_codes: tuple[str, ...]
    # Primary care refers patients in but is not one of the spine disciplines that make
    # a location "integrated".
    spine: bool = True


DISCIPLINES: tuple[Discipline, ...] = (
    Discipline(
        "spine_surgery_ortho",
        "Orthopaedic spine surgery",
        "Orthopaedic spine surgeon",
        ("207XS0117X", "207X00000X"),
    ),
    Discipline("neurosurgery", "Neurosurgery", "Neurosurgeon (spine)", ("207T00000X",)),
    Discipline(
        "physiatry",
        "Physiatry (PM&R)",
        "Physical medicine & rehabilitation, interventional physiatrist",
        ("208100000X", "2081P2900X", "2081P0010X"),
    ),
    Discipline(
        "pain_medicine",
        "Pain medicine",
        "Anesthesiologist / interventional pain",
        ("207L00000X", "207LP2900X", "208VP0014X", "208VP0000X"),
    ),
    Discipline(
        "neuroradiology",
        "Neuroradiology",
        "Neuroradiologist, reads spine imaging",
        ("2085N0700X", "2085R0202X"),
    ),
    Discipline("chiropractic", "Chiropractic", "Chiropractor", ("111N00000X", "111NX0800X")),
    Discipline(
        "physical_therapy", "Physical therapy", "Physical therapist", ("225100000X", "2251X0800X")
    ),
    Discipline(
        "pain_psychology",
        "Pain psychology",
        "Psychologist specialising in pain",
        ("103T00000X", "103TH0004X"),
    ),
    Discipline(
        "primary_care",
        "Primary care",
        "Referring / coordinating physician",
        ("207Q00000X", "207R00000X", "208D00000X"),
        spine=False,
    ),
)

DISCIPLINE_BY_CODE: dict[str, Discipline] = {d.code: d for d in DISCIPLINES}
DISCIPLINE_FOR_NUCC: dict[str, str] = {n: d.code for d in DISCIPLINES for n in d.nucc_codes}
_DISCIPLINE_ORDER: dict[str, int] = {d.code: i for i, d in enumerate(DISCIPLINES)}
SPINE_DISCIPLINES: frozenset[str] = frozenset(d.code for d in DISCIPLINES if d.spine)

# A location where at least this many spine disciplines practise is "integrated" (the
# default of settings.DIRECTORY_INTEGRATED_MIN_DISCIPLINES).
INTEGRATED_MIN_DISCIPLINES = 3

# Most orthopaedic surgeons registered under the parent code treat hips, knees and
# hands; listing all of them as spine surgeons would drown the directory. The parent
# code counts only with a spine signal (see has_spine_signal).
ORTHO_SURGERY_PARENT = "207X00000X"

# Taxonomies that say "this provider works on the spine" when they appear beside the
# orthopaedic parent code on the same NPI: the spine subspecialty itself, neurosurgery
# (surgeons boarded in both are spine surgeons) and spinal cord injury medicine.
SPINE_SIGNAL_TAXONOMIES: frozenset[str] = frozenset({"207XS0117X", "207T00000X", "2081P0004X"})

# Whole words only: "Spinelli" is a surname, "Spine Center" and "spinal" are signals.
_SPINE_WORD = re.compile(r"\bspin(?:e|al)\b", re.IGNORECASE)

# Organization-level (entity type 2) codes: they describe a clinic, not a discipline.
CLINIC_TAXONOMIES: dict[str, str] = {
    "261QM1300X": "Multi-specialty clinic",
    "261QP3300X": "Pain clinic",
}


def has_spine_signal(codes: Iterable[str], names: Iterable[str] = ()) -> bool:
    """True when a provider's taxonomies or names tie its orthopaedic practice to the spine.

    `names` is whatever the caller knows about where the provider practises: an
    organization's legal or "doing business as" name, the name of the organization at
    the same address. Never a person's own name: Spina and Spine are surnames.
    """
    if any(c in SPINE_SIGNAL_TAXONOMIES for c in codes):
        return True
    return any(_SPINE_WORD.search(n) for n in names if n)


def discipline_for_taxonomy(code: str, *, spine_signal: bool = False) -> str | None:
    """Our discipline code for one NUCC code, or None when the code is not a spine one."""
    if code == ORTHO_SURGERY_PARENT and not spine_signal:
        return None
    return DISCIPLINE_FOR_NUCC.get(code)


def disciplines_for_taxonomies(
    codes: Iterable[str], *, names: Iterable[str] = ()
) -> tuple[str, ...]:
    """The distinct disciplines a provider's NUCC codes map to, in DISCIPLINES order.

    Codes are matched exactly (NPPES writes them upper case); unknown codes are ignored.
    The orthopaedic parent 207X00000X counts as spine_surgery_ortho only with a spine
    signal: another spine taxonomy on the same provider or "spine"/"spinal" as a word in
    one of `names` (see has_spine_signal).
    """
    if type(codes) is not tuple:
        codes = tuple(codes)
    # The bulk import asks about the same few thousand code combinations millions of
    # times. Only answers that cannot depend on `names` are remembered.
    known = _ANSWERS.get(codes)
    if known is not None:
        return known
    if ORTHO_SURGERY_PARENT in codes:
        return _disciplines(codes, has_spine_signal(codes, names))
    answer = _disciplines(codes, False)
    if len(_ANSWERS) >= _ANSWERS_LIMIT:
        _ANSWERS.clear()
    _ANSWERS[codes] = answer
    return answer


_ANSWERS: dict[tuple[str, ...], tuple[str, ...]] = {}
_ANSWERS_LIMIT = 65_536


def _disciplines(codes: tuple[str, ...], spine_signal: bool) -> tuple[str, ...]:
    found = {
        discipline
        for code in codes
        if (discipline := DISCIPLINE_FOR_NUCC.get(code)) is not None
        and (spine_signal or code != ORTHO_SURGERY_PARENT)
    }
    return tuple(sorted(found, key=_DISCIPLINE_ORDER.__getitem__))


def clinic_taxonomies(codes: Iterable[str]) -> tuple[str, ...]:
    """The clinic-level codes (multi-specialty clinic, pain clinic) among `codes`."""
    return tuple(dict.fromkeys(c for c in codes if c in CLINIC_TAXONOMIES))


def is_integrated(disciplines: Iterable[str], minimum: int = INTEGRATED_MIN_DISCIPLINES) -> bool:
    """True when at least `minimum` distinct spine disciplines (primary care aside) are in."""
    return len(SPINE_DISCIPLINES.intersection(disciplines)) >= minimum


class NuccTaxonomy(NamedTuple):
    code: str
    grouping: str
    classification: str
    specialization: str
    display_name: str


_NUCC_REQUIRED = ("Code", "Grouping", "Classification", "Specialization")


def read_nucc_csv(path: str | os.PathLike[str]) -> Iterator[NuccTaxonomy]:
    """Stream the NUCC code set CSV (v25.1: UTF-8, CRLF, quoted multi-line definitions).

    Columns are matched by name. Releases that predate the "Display Name" column get the
    specialization (or the classification) as display name.
    """
    # newline="" lets the csv module see the line breaks inside quoted definitions.
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in _NUCC_REQUIRED if c not in header]
        if missing:
            raise ValueError(
                f"{os.fspath(path)} is not a NUCC taxonomy CSV: no column(s) {', '.join(missing)}."
            )
        code_i, group_i, class_i, spec_i = (header.index(c) for c in _NUCC_REQUIRED)
        display_i = header.index("Display Name") if "Display Name" in header else None
        width = max(code_i, group_i, class_i, spec_i, display_i or 0) + 1
        for row in reader:
            if len(row) < width or not row[code_i].strip():
                continue
            classification = row[class_i].strip()
            specialization = row[spec_i].strip()
            display = row[display_i].strip() if display_i is not None else ""
            yield NuccTaxonomy(
                code=row[code_i].strip(),
                grouping=row[group_i].strip(),
                classification=classification,
                specialization=specialization,
                display_name=display or specialization or classification,
            )
