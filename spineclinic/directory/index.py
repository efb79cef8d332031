"""Keeping the search index (Practice, Provider, Listing) true to its sources: the NPPES
import and the clinic's own practitioners."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from spineclinic.directory import grid
from spineclinic.directory.models import (
    Discipline,
    Listing,
    Location,
    Practice,
    Practitioner,
    Provider,
    Source,
)
from spineclinic.directory.taxonomy import SPINE_DISCIPLINES
from spineclinic.lib.names import name_key


def integrated_threshold() -> int:
    return int(getattr(settings, "DIRECTORY_INTEGRATED_MIN_DISCIPLINES", 3))


def spine_mask() -> int:
    """The bits of the spine disciplines (primary care refers, it is not one of them)."""
    mask = 0
    for discipline in Discipline.objects.filter(code__in=SPINE_DISCIPLINES):
        mask |= discipline.bit
    return mask


def is_integrated(mask: int, provider_count: int, spine: int) -> bool:
    """Several spine disciplines under one roof: at least the threshold's number of
    distinct spine disciplines, brought by at least two people (a lone practitioner with
    three taxonomies is not a clinic)."""
    return provider_count >= 2 and (mask & spine).bit_count() >= integrated_threshold()


def recompute_practices(practice_ids: Iterable[int] | None = None, batch: int = 5000) -> int:
    """Recompute each practice's disciplines, head count and integrated flag from its
    active listings, and copy the flag onto the listings. Returns practices changed."""
    ids = None if practice_ids is None else sorted(set(practice_ids))
    spine = spine_mask()
    if connection.vendor == "postgresql":
        return _recompute_in_postgresql(ids, spine)
    listing_table, practice_table = Listing._meta.db_table, Practice._meta.db_table
    changed = 0

    def chunks() -> Iterable[list[int] | None]:
        if ids is None:
            yield None
            return
        for i in range(0, len(ids), batch):
            yield ids[i : i + batch]

    for chunk in chunks():
        where, params = "", []
        if chunk is not None:
            where = f"WHERE p.id IN ({', '.join(['%s'] * len(chunk))})"
            params = list(chunk)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT p.id, p.disciplines, p.provider_count, p.integrated,"  # noqa: S608
                f" l.disciplines FROM {practice_table} p"
                f" LEFT JOIN {listing_table} l ON l.practice_id = p.id AND l.active = %s"
                f" {where} ORDER BY p.id",
                [True, *params],
            )
            updates: list[tuple[int, int, int, bool, int]] = []
            current: int | None = None
            old: tuple[int, int, bool] = (0, 0, False)
            mask = count = 0
            for pid, old_mask, old_count, old_integrated, listing_mask in cursor.fetchall():
                if pid != current:
                    if current is not None:
                        _collect(updates, current, old, mask, count, spine)
                    current, old, mask, count = pid, (old_mask, old_count, old_integrated), 0, 0
                if listing_mask is not None:
                    mask |= listing_mask
                    count += 1
            if current is not None:
                _collect(updates, current, old, mask, count, spine)
        if updates:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {practice_table} SET disciplines = %s, discipline_count = %s,"  # noqa: S608
                    " provider_count = %s, integrated = %s WHERE id = %s",
                    [(m, m.bit_count(), c, i, pid) for m, _, c, i, pid in updates],
                )
                cursor.executemany(
                    f"UPDATE {listing_table} SET integrated = %s WHERE practice_id = %s",  # noqa: S608
                    [(i, pid) for _, _, _, i, pid in updates],
                )
            changed += len(updates)
    return changed


def _recompute_in_postgresql(ids: list[int] | None, spine: int) -> int:
    """The same computation in one statement pair: PostgreSQL has bit_or, and a
    round trip per practice would dominate a national import."""
    listing_table, practice_table = Listing._meta.db_table, Practice._meta.db_table
    scope = "" if ids is None else "WHERE p.id = ANY(%s)"
    params: list[Any] = [] if ids is None else [ids]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH agg AS (
                SELECT p.id, COALESCE(bit_or(l.disciplines), 0) AS mask, COUNT(l.id) AS n
                FROM {practice_table} p
                LEFT JOIN {listing_table} l ON l.practice_id = p.id AND l.active
                {scope}
                GROUP BY p.id
            ), computed AS (
                SELECT id, mask, n,
                       length(replace(mask::bit(32)::text, '0', '')) AS all_kinds,
                       length(replace((mask & %s)::bit(32)::text, '0', '')) AS kinds
                FROM agg
            )
            UPDATE {practice_table} p
            SET disciplines = c.mask, provider_count = c.n, discipline_count = c.all_kinds,
                integrated = (c.n >= 2 AND c.kinds >= %s)
            FROM computed c
            WHERE p.id = c.id AND (p.disciplines, p.provider_count, p.integrated)
                IS DISTINCT FROM (c.mask, c.n, (c.n >= 2 AND c.kinds >= %s))
            RETURNING p.id
            """,  # noqa: S608
            [*params, spine, integrated_threshold(), integrated_threshold()],
        )
        changed = [pid for (pid,) in cursor.fetchall()]
        if changed:
            cursor.execute(
                f"UPDATE {listing_table} l SET integrated = p.integrated"  # noqa: S608
                f" FROM {practice_table} p WHERE l.practice_id = p.id AND p.id = ANY(%s)"
                " AND l.integrated IS DISTINCT FROM p.integrated",
                [changed],
            )
    return len(changed)


def _collect(
    updates: list[tuple[int, int, int, bool, int]],
    practice_id: int,
    old: tuple[int, int, bool],
    mask: int,
    count: int,
    spine: int,
) -> None:
    integrated = is_integrated(mask, count, spine)
    if (mask, count, integrated) != old:
        updates.append((mask, mask.bit_count(), count, integrated, practice_id))


def _practice_for(location: Location) -> Practice:
    from spineclinic.directory.addresses import normalize_address

    key = normalize_address(
        location.line1, location.line2, location.city, location.state, location.postal_code
    )
    practice, _ = Practice.objects.update_or_create(
        address_key=key,
        defaults={
            "name": location.name or (location.organization.name if location.organization else ""),
            "line1": location.line1,
            "line2": location.line2,
            "city": location.city,
            "state": location.state,
            "postal_code": location.postal_code,
            "phone": location.phone,
            "latitude": location.latitude,
            "longitude": location.longitude,
            "location": location,
        },
    )
    if location.address_key != key:
        location.address_key = key
        location.save(update_fields=["address_key"])
    return practice


def sync_clinic_practitioner(practitioner: Practitioner) -> None:
    """List one of the clinic's practitioners at each of their locations."""
    if not practitioner.npi:
        return
    roles = list(
        practitioner.roles.filter(active=True).select_related(
            "location__organization", "discipline"
        )
    )
    mask = 0
    for role in roles:
        mask |= role.discipline.bit
    provider, _ = Provider.objects.update_or_create(
        npi=practitioner.npi,
        defaults={
            "entity_type": 1,
            "name": f"{practitioner.given_name} {practitioner.family_name}".strip(),
            "given_name": practitioner.given_name,
            "family_name": practitioner.family_name,
            "credentials": practitioner.credentials,
            "sex": practitioner.sex,
            "disciplines": mask,
            "active": practitioner.active,
            "source": Source.CLINIC,
            "practitioner": practitioner,
        },
    )
    touched: set[int] = set(provider.listings.values_list("practice_id", flat=True))
    keep: set[int] = set()
    for location in {role.location for role in roles}:
        if location.latitude is None or location.longitude is None:
            continue
        practice = _practice_for(location)
        here = [r for r in roles if r.location_id == location.pk]
        loc_mask = 0
        for role in here:
            loc_mask |= role.discipline.bit
        x, y, z = grid.unit_vector(location.latitude, location.longitude)
        Listing.objects.update_or_create(
            provider=provider,
            practice=practice,
            defaults={
                "cell": grid.cell_of(location.latitude, location.longitude),
                "x": x,
                "y": y,
                "z": z,
                "disciplines": loc_mask,
                "accepting": any(r.accepting_new_patients for r in here),
                "active": practitioner.active,
                "name_key": name_key(practitioner.family_name, practitioner.given_name),
            },
        )
        keep.add(practice.pk)
        touched.add(practice.pk)
    provider.listings.exclude(practice_id__in=keep).delete()
    recompute_practices(touched)


def sync_clinic_directory() -> int:
    """List every practitioner of the clinic; returns how many were listed."""
    practitioners = Practitioner.objects.filter(source=Source.CLINIC, npi__isnull=False)
    count = 0
    with transaction.atomic():
        for practitioner in practitioners:
            sync_clinic_practitioner(practitioner)
            count += 1
    return count
