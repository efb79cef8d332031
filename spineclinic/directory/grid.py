"""The geometry of the directory's search index: grid squares and chord distances.

A listing stores the grid square it falls in and its position as a unit vector. A radius
search asks for the squares that cover the circle's bounding box, then keeps rows whose
squared chord to the centre is at most the radius's squared chord. The chord grows
monotonically with the great-circle distance, so filtering and ordering by it is exact.
"""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
KM_PER_MILE = 1.609344
CELL_DEGREES = 0.25
_COLUMNS = int(360 / CELL_DEGREES)


def cell_of(lat: float, lon: float) -> int:
    row = int((lat + 90.0) // CELL_DEGREES)
    col = int((lon + 180.0) // CELL_DEGREES) % _COLUMNS
    return row * _COLUMNS + col


def unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    phi, lam = math.radians(lat), math.radians(lon)
    return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))


def chord2_for_km(distance_km: float) -> float:
    """The squared chord (unit sphere) of a great-circle distance."""
    angle = min(distance_km / EARTH_RADIUS_KM, math.pi)
    return (2.0 * math.sin(angle / 2.0)) ** 2


def km_for_chord2(chord2: float) -> float:
    return 2.0 * math.asin(min(1.0, math.sqrt(max(chord2, 0.0)) / 2.0)) * EARTH_RADIUS_KM


def cells_covering(lat: float, lon: float, radius_km: float) -> list[int]:
    """Every grid square that may hold a point within radius_km of (lat, lon)."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    lat_min, lat_max = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    # The widest longitude span is at the latitude nearest a pole within the box.
    widest = max(abs(lat_min), abs(lat_max))
    dlon = 180.0 if widest >= 89.0 else min(180.0, dlat / math.cos(math.radians(widest)))
    rows = range(int((lat_min + 90.0) // CELL_DEGREES), int((lat_max + 90.0) // CELL_DEGREES) + 1)
    first = int((lon - dlon + 180.0) // CELL_DEGREES)
    last = int((lon + dlon + 180.0) // CELL_DEGREES)
    cols = sorted({c % _COLUMNS for c in range(first, last + 1)})
    return [r * _COLUMNS + c for r in rows for c in cols]
