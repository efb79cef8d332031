"""The public directory search: near a place, within a radius, by discipline, name,
accepting new patients and integrated clinics; sorted by distance, paginated."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from spineclinic.directory import grid
from spineclinic.directory.models import Discipline, Listing
from spineclinic.lib.names import name_key

MAX_RADIUS_MILES = 500.0
PAGE_SIZE = 20


class SearchError(ValueError):
    """Input the search cannot answer; the message is shown to the user as it is."""


@dataclass(frozen=True)
class SearchQuery:
    lat: float
    lon: float
    place: str
    radius: float
    unit: str = "mi"
    disciplines: tuple[str, ...] = ()
    name: str = ""
    accepting: bool = False
    integrated: bool = False
    page: int = 1
    page_size: int = PAGE_SIZE

    @property
    def radius_km(self) -> float:
        return self.radius * grid.KM_PER_MILE if self.unit == "mi" else self.radius


@dataclass(frozen=True)
class Hit:
    listing_id: int
    npi: str
    name: str
    entity_type: int
    credentials: str
    disciplines: tuple[str, ...]
    discipline_names: tuple[str, ...]
    distance: float
    unit: str
    address: str
    practice_id: int
    practice_name: str
    integrated: bool
    accepting: bool | None
    # The disciplines of the whole practice, for an integrated clinic (else empty).
    clinic_disciplines: tuple[str, ...] = ()
    clinic_discipline_names: tuple[str, ...] = ()


@dataclass
class SearchPage:
    query: SearchQuery
    count: int
    hits: list[Hit] = field(default_factory=list)

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.query.page_size))

    @property
    def first_number(self) -> int:
        return (self.query.page - 1) * self.query.page_size + 1

    @property
    def has_next(self) -> bool:
        return self.query.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.query.page > 1


def discipline_bits() -> dict[str, int]:
    return {d.code: d.bit for d in Discipline.objects.all()}


def disciplines_of(mask: int, bits: dict[str, int]) -> tuple[str, ...]:
    return tuple(code for code, bit in bits.items() if mask & bit)


def _where(query: SearchQuery, bits: dict[str, int]) -> tuple[str, list[Any]]:
    x0, y0, z0 = grid.unit_vector(query.lat, query.lon)
    cells = grid.cells_covering(query.lat, query.lon, query.radius_km)
    clauses = [
        f"l.cell IN ({', '.join(['%s'] * len(cells))})",
        "l.active = %s",
        "((l.x - %s) * (l.x - %s) + (l.y - %s) * (l.y - %s) + (l.z - %s) * (l.z - %s)) <= %s",
    ]
    params: list[Any] = [*cells, True, x0, x0, y0, y0, z0, z0, grid.chord2_for_km(query.radius_km)]
    if query.disciplines:
        mask = 0
        for code in query.disciplines:
            mask |= bits[code]
        clauses.append("(l.disciplines & %s) <> 0")
        params.append(mask)
    if query.accepting:
        clauses.append("l.accepting = %s")
        params.append(True)
    if query.integrated:
        clauses.append("l.integrated = %s")
        params.append(True)
    if query.name.strip():
        for word in name_key(query.name).split():
            clauses.append("l.name_key LIKE %s")
            params.append(f"%{word}%")
    return " AND ".join(clauses), params


def ranked_sql(query: SearchQuery, bits: dict[str, int]) -> tuple[str, list[Any]]:
    """The main search query: one page of listing ids with their squared chord."""
    where, params = _where(query, bits)
    x0, y0, z0 = grid.unit_vector(query.lat, query.lon)
    # COUNT(*) OVER () counts every match in the same pass that ranks them: one scan of
    # the candidates instead of two.
    sql = (
        "SELECT l.id, ((l.x - %s) * (l.x - %s) + (l.y - %s) * (l.y - %s)"  # noqa: S608
        f" + (l.z - %s) * (l.z - %s)) AS d2, COUNT(*) OVER () AS total"
        f" FROM {Listing._meta.db_table} l WHERE {where}"
        " ORDER BY d2, l.id LIMIT %s OFFSET %s"
    )
    offset = (query.page - 1) * query.page_size
    return sql, [x0, x0, y0, y0, z0, z0, *params, query.page_size, offset]


def count_sql(query: SearchQuery, bits: dict[str, int]) -> tuple[str, list[Any]]:
    where, params = _where(query, bits)
    return f"SELECT COUNT(*) FROM {Listing._meta.db_table} l WHERE {where}", params  # noqa: S608


def search(query: SearchQuery) -> SearchPage:
    disciplines = list(Discipline.objects.all())
    bits = {d.code: d.bit for d in disciplines}
    names = {d.code: d.name for d in disciplines}
    with connection.cursor() as cursor:
        cursor.execute(*ranked_sql(query, bits))
        ranked = cursor.fetchall()
        if not ranked:  # no match, or a page past the end: the count still matters
            cursor.execute(*count_sql(query, bits))
            return SearchPage(query, cursor.fetchone()[0])
    count = ranked[0][2]
    rows = Listing.objects.select_related("provider", "practice").in_bulk([r[0] for r in ranked])
    to_unit = 1 / grid.KM_PER_MILE if query.unit == "mi" else 1.0
    hits = []
    for listing_id, d2, _ in ranked:
        listing = rows[listing_id]
        provider, practice = listing.provider, listing.practice
        codes = disciplines_of(listing.disciplines, bits)
        clinic = disciplines_of(practice.disciplines, bits) if listing.integrated else ()
        hits.append(
            Hit(
                listing_id=listing_id,
                npi=provider.npi,
                name=provider.name,
                entity_type=provider.entity_type,
                credentials=provider.credentials,
                disciplines=codes,
                discipline_names=tuple(names[c] for c in codes),
                distance=round(grid.km_for_chord2(d2) * to_unit, 1),
                unit=query.unit,
                address=practice.one_line,
                practice_id=practice.pk,
                practice_name=practice.name,
                integrated=listing.integrated,
                accepting=listing.accepting,
                clinic_disciplines=clinic,
                clinic_discipline_names=tuple(names[c] for c in clinic),
            )
        )
    return SearchPage(query, count, hits)
