"""Synthetic NPPES data files, for benchmarks and demos of the directory import.

write_synthetic_nppes() writes rows in today's 330-column layout, quoted and CRLF-ended
like the CMS files, streaming (memory does not grow with the row count). The data is
invented but shaped like the real file where it matters to the importer:

- geography: every practice sits in a real US ZIP (from geo.zip_places, standard ZIPs
  only: no PO box or single-firm ZIPs). zipcodes carries no population, so a ZIP is
  drawn uniformly; metro areas have many small ZIPs, so they get most practices anyway;
- practices: providers come in groups sharing one practice address, each colleague
  writing it a little differently (STREET or ST, their own suite, ZIP+4 or not), as in
  NPPES. Some practices are integrated spine centers (>= 3 spine disciplines) with an
  organization row whose name says "Spine", the signal that makes their orthopaedic
  surgeons with the parent code 207X00000X count as spine surgeons;
- discipline mix: many physical therapists and chiropractors, fewer physicians, few
  surgeons, and providers outside the spine disciplines (dentists, nurse practitioners,
  cardiologists) that an importer has to skip;
- about 20% of providers list two or three taxonomies, one switched primary ("Y");
- about 0.4% of NPIs are deactivated (CMS blanks everything but the NPI and the date)
  and 0.2% were deactivated and later reactivated (full rows, active again);
- NPIs are unique and pass the Luhn check; one that is also a real NPI is so by chance.

Run as a script to write a file: python -m spineclinic.directory.synthetic OUT.csv ROWS.
"""

from __future__ import annotations

import argparse
import os
import random
from bisect import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from spineclinic.directory.nppes_format import NPPES_COLUMNS_330
from spineclinic.lib.geo import ZipPlace, zip_places
from spineclinic.lib.npi import npi_check_digit


@dataclass(frozen=True, slots=True)
class SyntheticSummary:
    rows: int
    practices: int
    # Practices generated with >= 3 spine disciplines at one address.
    integrated_practices: int
    organizations: int
    deactivated: int
    reactivated: int
    multi_taxonomy: int


_COL = {name: i for i, name in enumerate(NPPES_COLUMNS_330)}
# Every column we fill lies before the 200 "Other Provider Identifier" columns, apart
# from the certification date at the very end.
_HEAD = _COL["Other Provider Identifier_1"]
_MIDDLE = '","' * (_COL["Certification Date"] - _HEAD + 1)
_HEADER_LINE = '"' + '","'.join(NPPES_COLUMNS_330) + '"\r\n'

_NPI = _COL["NPI"]
_ENTITY = _COL["Entity Type Code"]
_ORG_NAME = _COL["Provider Organization Name (Legal Business Name)"]
_LAST = _COL["Provider Last Name (Legal Name)"]
_FIRST = _COL["Provider First Name"]
_MIDDLE_NAME = _COL["Provider Middle Name"]
_CREDENTIAL = _COL["Provider Credential Text"]
_MAIL = _COL["Provider First Line Business Mailing Address"]
_PRACTICE = _COL["Provider First Line Business Practice Location Address"]
_ENUMERATED = _COL["Provider Enumeration Date"]
_UPDATED = _COL["Last Update Date"]
_DEACTIVATED = _COL["NPI Deactivation Date"]
_REACTIVATED = _COL["NPI Reactivation Date"]
_SEX = _COL["Provider Sex Code"]
_OFFICIAL = _COL["Authorized Official Last Name"]
_TAXONOMY = [_COL[f"Healthcare Provider Taxonomy Code_{k}"] for k in range(1, 16)]

# (primary code, secondary codes to add with the given probability, credentials)
_TAXONOMIES: dict[str, tuple[str, tuple[str, ...], float, tuple[str, ...]]] = {
    "spine_ortho": ("207XS0117X", ("207X00000X",), 0.6, ("MD", "DO", "M.D.")),
    "ortho": ("207X00000X", ("207XX0005X",), 0.15, ("MD", "DO", "M.D.")),
    "spine_center_ortho": ("207X00000X", (), 0.0, ("MD", "DO")),
    "neurosurgery": ("207T00000X", (), 0.0, ("MD", "M.D.")),
    "physiatry": ("208100000X", ("2081P2900X",), 0.3, ("MD", "DO")),
    "pain": ("207LP2900X", ("207L00000X",), 0.5, ("MD", "DO")),
    "interventional_pain": ("208VP0014X", ("208VP0000X",), 0.3, ("MD", "DO")),
    "radiology": ("2085R0202X", ("2085N0700X",), 0.35, ("MD", "DO")),
    "neuroradiology": ("2085N0700X", ("2085R0202X",), 0.5, ("MD",)),
    "chiropractic": ("111N00000X", ("111NX0800X",), 0.15, ("DC", "D.C.")),
    "pt": ("225100000X", ("2251X0800X",), 0.2, ("PT", "DPT", "PT, DPT", "MSPT")),
    "psychology": ("103T00000X", ("103TH0004X",), 0.6, ("PHD", "PSYD", "PH.D.")),
    "family": ("207Q00000X", ("207QA0505X",), 0.1, ("MD", "DO")),
    "internal": ("207R00000X", ("207RG0300X",), 0.1, ("MD", "DO")),
    "general": ("208D00000X", (), 0.0, ("MD",)),
    "dentist": ("1223G0001X", (), 0.0, ("DDS", "DMD")),
    "nurse_practitioner": ("363LF0000X", ("363L00000X",), 0.4, ("NP", "APRN", "FNP-C")),
    "cardiology": ("207RC0000X", ("207R00000X",), 0.5, ("MD",)),
    "pharmacist": ("183500000X", (), 0.0, ("PHARMD", "RPH")),
}

# Practice kinds: (weight, name pattern for an organization row or "", org taxonomy,
# members as (kind, min, max), kinds guaranteed one each).
_PRACTICES: tuple[tuple[str, int, str, str, tuple[tuple[str, int, int], ...]], ...] = (
    ("pt_clinic", 30, "{place} PHYSICAL THERAPY", "261QP2000X", (("pt", 1, 8),)),
    ("chiropractic", 26, "", "", (("chiropractic", 1, 3),)),
    ("primary_care", 14, "", "", (("family", 0, 4), ("internal", 1, 4), ("general", 0, 1))),
    ("other", 16, "", "", (("dentist", 0, 2), ("nurse_practitioner", 0, 2), ("cardiology", 0, 2),
                           ("pharmacist", 0, 1))),
    ("ortho_group", 5, "", "", (("ortho", 2, 8), ("spine_ortho", 0, 1), ("physiatry", 0, 1),
                                ("pt", 0, 3))),
    ("physiatry", 4, "", "", (("physiatry", 1, 3), ("pt", 0, 3))),
    ("spine_center", 3, "{place} SPINE CENTER", "261QM1300X",
     (("spine_center_ortho", 1, 3), ("spine_ortho", 0, 2), ("neurosurgery", 0, 2),
      ("physiatry", 1, 3), ("pain", 0, 2), ("pt", 1, 6), ("chiropractic", 0, 2),
      ("psychology", 0, 1))),
    ("pain_clinic", 4, "{place} PAIN MANAGEMENT", "261QP3300X",
     (("pain", 1, 3), ("interventional_pain", 0, 2), ("physiatry", 0, 1),
      ("psychology", 0, 1))),
    ("radiology", 3, "", "", (("radiology", 2, 8), ("neuroradiology", 0, 3))),
    ("neurosurgery", 1, "", "", (("neurosurgery", 1, 4), ("physiatry", 0, 1))),
)  # fmt: skip
_PRACTICE_CUMULATIVE = list(accumulate(p[1] for p in _PRACTICES))

# Kinds that map to a spine discipline (spine_center_ortho through its org's name).
_SPINE_KIND_DISCIPLINE = {
    "spine_ortho": "spine_surgery_ortho",
    "ortho": None,
    "spine_center_ortho": "spine_surgery_ortho",
    "neurosurgery": "neurosurgery",
    "physiatry": "physiatry",
    "pain": "pain_medicine",
    "interventional_pain": "pain_medicine",
    "radiology": "neuroradiology",
    "neuroradiology": "neuroradiology",
    "chiropractic": "chiropractic",
    "pt": "physical_therapy",
    "psychology": "pain_psychology",
}

_FIRST_NAMES = {
    "F": ("MARY", "JENNIFER", "LINDA", "SUSAN", "KAREN", "LISA", "NANCY", "SARAH", "EMILY",
          "JESSICA", "ASHLEY", "AMANDA", "MEGAN", "LAURA", "MARIA", "ANA", "PRIYA", "MEI",
          "AISHA", "RACHEL", "HANNAH", "OLIVIA", "GRACE", "NICOLE", "ELENA", "FATIMA"),
    "M": ("JAMES", "JOHN", "ROBERT", "MICHAEL", "DAVID", "WILLIAM", "RICHARD", "JOSEPH",
          "THOMAS", "DANIEL", "MATTHEW", "ANDREW", "KEVIN", "BRIAN", "JOSE", "LUIS", "WEI",
          "RAJ", "AHMED", "OMAR", "ERIC", "STEVEN", "PAUL", "MARK", "SAMUEL", "DMITRI"),
}  # fmt: skip
_LAST_NAMES = (
    "SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS",
    "RODRIGUEZ", "MARTINEZ", "HERNANDEZ", "LOPEZ", "GONZALEZ", "WILSON", "ANDERSON",
    "THOMAS", "TAYLOR", "MOORE", "JACKSON", "MARTIN", "LEE", "PEREZ", "THOMPSON", "WHITE",
    "HARRIS", "SANCHEZ", "CLARK", "RAMIREZ", "LEWIS", "ROBINSON", "WALKER", "YOUNG", "ALLEN",
    "KING", "WRIGHT", "SCOTT", "TORRES", "NGUYEN", "HILL", "FLORES", "GREEN", "ADAMS",
    "NELSON", "BAKER", "HALL", "RIVERA", "CAMPBELL", "MITCHELL", "CARTER", "ROBERTS", "PATEL",
    "SHAH", "KIM", "CHEN", "WANG", "OBRIEN", "MURPHY", "SULLIVAN", "COHEN", "ROSSI",
)  # fmt: skip
_STREETS = (
    "MAIN", "WASHINGTON", "ELM", "OAK", "MAPLE", "PARK", "CHESTNUT", "HIGHLAND", "CENTER",
    "MEDICAL CENTER", "HOSPITAL", "CHURCH", "LINCOLN", "FRANKLIN", "JEFFERSON", "MADISON",
    "UNIVERSITY", "COLLEGE", "RIVER", "LAKE", "HILLSIDE", "SUMMIT", "PROFESSIONAL",
    "CORPORATE", "COMMERCE", "INDUSTRIAL", "MILL", "SPRING", "PROSPECT", "PLEASANT",
)  # fmt: skip
# (full spelling, abbreviation): colleagues write either.
_STREET_TYPES = (
    ("STREET", "ST"), ("AVENUE", "AVE"), ("ROAD", "RD"), ("DRIVE", "DR"),
    ("BOULEVARD", "BLVD"), ("PARKWAY", "PKWY"), ("LANE", "LN"), ("WAY", "WAY"),
)  # fmt: skip
_DIRECTIONS = (("NORTH", "N"), ("SOUTH", "S"), ("EAST", "E"), ("WEST", "W"))

_EPOCH = date(2005, 5, 23)  # NPPES began enumerating on this day
_EPOCH_DAYS = (date(2024, 6, 30) - _EPOCH).days
_DATES = [(_EPOCH + timedelta(days=d)).strftime("%m/%d/%Y") for d in range(_EPOCH_DAYS + 1)]

# Deterministic unique NPIs: i -> (A * i + B) mod 2e8 is a bijection because A shares
# no factor with 2e8 = 2^9 * 5^8, so the first nine digits never repeat for i < 2e8.
_NPI_SPAN = 200_000_000
_NPI_STEP = 144_813

# A draw yields one deactivated row or a whole practice (4.3 rows on average): this
# makes about 0.4% of the rows deactivated NPIs.
_DEACTIVATED_PER_DRAW = 0.017


@dataclass(slots=True)
class _Counts:
    rows: int = 0
    practices: int = 0
    integrated: int = 0
    organizations: int = 0
    deactivated: int = 0
    reactivated: int = 0
    multi_taxonomy: int = 0


class _Writer:
    def __init__(self, rng: random.Random, places: list[ZipPlace]) -> None:
        self.rng = rng
        self.places = places
        self.offset = rng.randrange(_NPI_SPAN)
        self.counts = _Counts()

    def npi(self) -> str:
        i = self.counts.rows
        first9 = str(100_000_000 + (_NPI_STEP * i + self.offset) % _NPI_SPAN)
        return first9 + npi_check_digit(first9)

    def line(self, row: list[str], certified: str = "") -> str:
        self.counts.rows += 1
        return '"' + '","'.join(row) + _MIDDLE + certified + '"\r\n'

    def dates(self, row: list[str]) -> None:
        rng = self.rng
        enumerated = rng.randrange(_EPOCH_DAYS - 30)
        row[_ENUMERATED] = _DATES[enumerated]
        row[_UPDATED] = _DATES[rng.randrange(enumerated, _EPOCH_DAYS)]

    def deactivated_only(self) -> str:
        row = [""] * _HEAD
        row[_NPI] = self.npi()
        row[_DEACTIVATED] = _DATES[self.rng.randrange(_EPOCH_DAYS)]
        self.counts.deactivated += 1
        return self.line(row)

    def practice(self, room: int) -> list[str]:
        """The rows of one practice, at most `room` of them."""
        rng = self.rng
        counts = self.counts
        counts.practices += 1
        kind, _, org_pattern, org_code, members = _PRACTICES[
            bisect(_PRACTICE_CUMULATIVE, rng.randrange(_PRACTICE_CUMULATIVE[-1]))
        ]
        place = self.places[rng.randrange(len(self.places))]
        number = str(rng.randrange(1, 9999))
        street = rng.choice(_STREETS)
        street_type = rng.choice(_STREET_TYPES)
        direction = rng.choice(_DIRECTIONS) if rng.random() < 0.15 else None
        zip_plus4 = place.zip5 + f"{rng.randrange(10000):04d}"
        suite = rng.randrange(1, 6) * 100

        with_org = bool(org_pattern) and (kind != "pt_clinic" or rng.random() < 0.3)
        kinds: list[str] = []
        for member_kind, low, high in members:
            kinds.extend([member_kind] * rng.randint(low, high))
        if not kinds:
            kinds.append(members[0][0])
        del kinds[room - with_org :]
        disciplines = {_SPINE_KIND_DISCIPLINE.get(k) for k in kinds} - {None}
        if len(disciplines) >= 3:
            counts.integrated += 1

        lines: list[str] = []
        if with_org:
            org_name = org_pattern.format(place=place.city.upper())
            lines.append(
                self.provider(
                    entity=2,
                    codes=(org_code,),
                    credential="",
                    address=(f"{number} {street} {street_type[1]}", f"STE {suite}"),
                    place=place,
                    postal=zip_plus4,
                    org_name=org_name,
                )
            )
            counts.organizations += 1
        for member_kind in kinds:
            primary, extras, p_extra, credentials = _TAXONOMIES[member_kind]
            codes: tuple[str, ...] = (primary,)
            if extras and rng.random() < p_extra:
                codes = (primary, *extras[: rng.randint(1, len(extras))])
            if len(codes) > 1:
                counts.multi_taxonomy += 1
            # Each colleague spells the shared address their own way.
            full = rng.random() < 0.4
            words = [number]
            if direction:
                words.append(direction[0] if full else direction[1])
            words += [street, street_type[0] if full else street_type[1]]
            own_suite = suite + rng.randrange(0, 20) if rng.random() < 0.5 else suite
            unit = rng.choice((f"STE {own_suite}", f"SUITE {own_suite}", f"# {own_suite}", ""))
            inline = rng.random() < 0.3
            line1 = " ".join(words) + (f" {unit}" if inline and unit else "")
            line2 = "" if inline else unit
            lines.append(
                self.provider(
                    entity=1,
                    codes=codes,
                    credential=rng.choice(credentials),
                    address=(line1, line2),
                    place=place,
                    postal=zip_plus4 if rng.random() < 0.7 else place.zip5,
                )
            )
        return lines

    def provider(
        self,
        *,
        entity: int,
        codes: tuple[str, ...],
        credential: str,
        address: tuple[str, str],
        place: ZipPlace,
        postal: str,
        org_name: str = "",
    ) -> str:
        rng = self.rng
        row = [""] * _HEAD
        row[_NPI] = self.npi()
        row[_ENTITY] = str(entity)
        phone = f"{rng.randrange(201, 990)}{rng.randrange(2000000, 9999999)}"
        fax = f"{phone[:3]}{rng.randrange(2000000, 9999999)}"
        if entity == 1:
            sex = "F" if rng.random() < 0.5 else "M"
            row[_LAST] = rng.choice(_LAST_NAMES)
            row[_FIRST] = rng.choice(_FIRST_NAMES[sex])
            row[_MIDDLE_NAME] = chr(65 + rng.randrange(26)) if rng.random() < 0.6 else ""
            row[_CREDENTIAL] = credential
            row[_SEX] = sex
        else:
            row[_ORG_NAME] = org_name
            row[_OFFICIAL] = rng.choice(_LAST_NAMES)
            row[_OFFICIAL + 1] = rng.choice(_FIRST_NAMES["F"] + _FIRST_NAMES["M"])
            row[_OFFICIAL + 3] = "ADMINISTRATOR"
            row[_OFFICIAL + 4] = phone
        for block in (_MAIL, _PRACTICE):
            row[block : block + 8] = [
                *address,
                place.city.upper(),
                place.state,
                postal,
                "US",
                phone,
                fax,
            ]
        self.dates(row)
        if rng.random() < 0.002:
            deactivated = rng.randrange(_EPOCH_DAYS - 60)
            row[_DEACTIVATED] = _DATES[deactivated]
            row[_REACTIVATED] = _DATES[rng.randrange(deactivated + 1, _EPOCH_DAYS)]
            self.counts.reactivated += 1
        state = place.state
        for slot, code in enumerate(codes):
            i = _TAXONOMY[slot]
            row[i] = code
            if entity == 1:
                row[i + 1] = f"{code[:2]}{rng.randrange(10000, 999999)}"
                row[i + 2] = state
            row[i + 3] = "Y" if slot == 0 else "N"
        certified = _DATES[rng.randrange(_EPOCH_DAYS)] if rng.random() < 0.6 else ""
        return self.line(row, certified)


def write_synthetic_nppes(path: str | os.PathLike[str], n: int, seed: int = 0) -> SyntheticSummary:
    """Write exactly `n` synthetic provider rows (plus the header) to `path`."""
    if n < 0:
        raise ValueError("n must not be negative")
    rng = random.Random(seed)
    places = list(zip_places(standard_only=True))
    writer = _Writer(rng, places)
    counts = writer.counts
    batch: list[str] = []
    with open(path, "w", newline="", encoding="utf-8", buffering=1 << 20) as f:
        f.write(_HEADER_LINE)
        while counts.rows < n:
            if rng.random() < _DEACTIVATED_PER_DRAW:
                batch.append(writer.deactivated_only())
            else:
                batch.extend(writer.practice(n - counts.rows))
            if len(batch) >= 4096:
                f.writelines(batch)
                batch.clear()
        f.writelines(batch)
    return SyntheticSummary(
        rows=n,
        practices=counts.practices,
        integrated_practices=counts.integrated,
        organizations=counts.organizations,
        deactivated=counts.deactivated,
        reactivated=counts.reactivated,
        multi_taxonomy=counts.multi_taxonomy,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic NPPES data file.")
    parser.add_argument("path")
    parser.add_argument("rows", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    summary = write_synthetic_nppes(args.path, args.rows, args.seed)
    print(summary)


if __name__ == "__main__":
    main()
