"""Distances, search boxes and US place lookup (ZIP code and city centroids).

Coordinates come from the `zipcodes` package, which ships GeoNames ZIP centroids under
CC BY 4.0: any page that shows a distance or a map must show GEO_ATTRIBUTION.

The lookup tables are built once, on first use (0.6 s), thread-safely. ZIP coordinates
live in flat float arrays indexed by the ZIP code's integer value; cities are one dict
of centroids and a list of display names: about 15 MB in all. zipcodes.list_all() would
keep 42,789 dicts alive in the zipcodes module (about 140 MB of RSS, half the import's
memory budget), so the same records are walked in slices by 3-digit prefix with
zipcodes.similar_to(), each slice dropped after use. (The zipcodes extension itself
holds about 40 MB once loaded, whichever way it is asked.)
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import threading
from array import array
from collections.abc import Iterator
from typing import NamedTuple

import zipcodes

GEO_ATTRIBUTION = (
    "ZIP code locations from GeoNames (geonames.org), licensed under CC BY 4.0,"
    " via the zipcodes package."
)

# IUGG mean Earth radius: the sphere that minimises the error of spherical formulas.
EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344

STATE_CODES: dict[str, str] = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA",
    "COLORADO": "CO", "CONNECTICUT": "CT", "DELAWARE": "DE", "DISTRICT OF COLUMBIA": "DC",
    "FLORIDA": "FL", "GEORGIA": "GA", "HAWAII": "HI", "IDAHO": "ID", "ILLINOIS": "IL",
    "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS", "KENTUCKY": "KY", "LOUISIANA": "LA",
    "MAINE": "ME", "MARYLAND": "MD", "MASSACHUSETTS": "MA", "MICHIGAN": "MI",
    "MINNESOTA": "MN", "MISSISSIPPI": "MS", "MISSOURI": "MO", "MONTANA": "MT",
    "NEBRASKA": "NE", "NEVADA": "NV", "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ",
    "NEW MEXICO": "NM", "NEW YORK": "NY", "NORTH CAROLINA": "NC", "NORTH DAKOTA": "ND",
    "OHIO": "OH", "OKLAHOMA": "OK", "OREGON": "OR", "PENNSYLVANIA": "PA",
    "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC", "SOUTH DAKOTA": "SD", "TENNESSEE": "TN",
    "TEXAS": "TX", "UTAH": "UT", "VERMONT": "VT", "VIRGINIA": "VA", "WASHINGTON": "WA",
    "WEST VIRGINIA": "WV", "WISCONSIN": "WI", "WYOMING": "WY", "PUERTO RICO": "PR",
    "GUAM": "GU", "US VIRGIN ISLANDS": "VI", "VIRGIN ISLANDS": "VI", "AMERICAN SAMOA": "AS",
    "NORTHERN MARIANA ISLANDS": "MP",
}  # fmt: skip


class UnknownPlace(ValueError):
    """Text that names no place we can locate; the message is fit to show the user."""


class BoundingBox(NamedTuple):
    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.lat_min <= lat <= self.lat_max and self.lon_min <= lon <= self.lon_max


class Near(NamedTuple):
    lat: float
    lon: float
    label: str


class ZipPlace(NamedTuple):
    zip5: str
    city: str
    state: str
    lat: float
    lon: float


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on the mean-radius sphere (error < 0.5% against WGS84)."""
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    # Rounding can push `a` a hair above 1 for antipodal points.
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return haversine_km(lat1, lon1, lat2, lon2) / KM_PER_MILE


def bounding_box(lat: float, lon: float, radius_km: float) -> BoundingBox:
    """The smallest lat/lon box holding every point within `radius_km` of (lat, lon).

    Meant as an index-friendly pre-filter before the exact haversine test. A degree of
    longitude shrinks with cos(latitude); the longitude half-width is the exact extent of
    the spherical cap, asin(sin(d) / cos(lat)), not the d / cos(lat) approximation,
    which undershoots for large radii. When the circle reaches a pole or crosses the
    180th meridian (Alaska's Aleutians, Guam) the box spans all longitudes: still a
    correct pre-filter, and a single BETWEEN range instead of two.
    """
    if radius_km < 0:
        raise ValueError("radius_km must not be negative")
    angle = radius_km / EARTH_RADIUS_KM
    # A ten-millionth of a degree (1 cm) of slack: rounding must not drop a point that
    # lies on the circle.
    dlat = math.degrees(angle) + 1e-7
    lat_min = lat - dlat
    lat_max = lat + dlat
    if lat_min <= -90 or lat_max >= 90:
        return BoundingBox(max(lat_min, -90.0), min(lat_max, 90.0), -180.0, 180.0)
    dlon = math.degrees(math.asin(math.sin(angle) / math.cos(math.radians(lat)))) + 1e-7
    lon_min = lon - dlon
    lon_max = lon + dlon
    if lon_min < -180 or lon_max > 180:
        return BoundingBox(lat_min, lat_max, -180.0, 180.0)
    return BoundingBox(lat_min, lat_max, lon_min, lon_max)


_CITY_PUNCTUATION = str.maketrans({".": None, "'": None, "-": " ", ",": " "})
# zipcodes spells these out ("Saint Louis", "Mount Vernon", "Fort Worth"); people and
# NPPES abbreviate them.
_CITY_WORDS = {"ST": "SAINT", "STE": "SAINTE", "MT": "MOUNT", "FT": "FORT"}
_CITY_DIRECTIONS = {"N": "NORTH", "S": "SOUTH", "E": "EAST", "W": "WEST"}


def city_key(city: str) -> str:
    """A comparison key for a city name: "St. Louis" and "SAINT LOUIS" give one key."""
    words = city.translate(_CITY_PUNCTUATION).upper().split()
    if not words:
        return ""
    words = [_CITY_WORDS.get(w, w) for w in words]
    # Only a leading N/S/E/W is a direction: "E Providence" is East Providence.
    words[0] = _CITY_DIRECTIONS.get(words[0], words[0])
    return " ".join(words)


_ZIP_SLOTS = 100_000
_KINDS = {"STANDARD": 1, "PO BOX": 2, "UNIQUE": 3, "MILITARY": 4}


class _ZipTables:
    def __init__(self) -> None:
        nan = array("d", [math.nan])
        self.lat = nan * _ZIP_SLOTS
        self.lon = nan * _ZIP_SLOTS
        self.city = array("l", [-1]) * _ZIP_SLOTS
        self.kind = bytearray(_ZIP_SLOTS)
        # (display name, state) per city; ZIPs point here by index.
        self.cities: list[tuple[str, str]] = []
        self.city_centroids: dict[str, tuple[float, float, int]] = {}
        city_index: dict[str, int] = {}
        sums: dict[str, list[float]] = {}
        alias_sums: dict[str, list[float]] = {}

        # In ZIP order, a two-digit prefix at a time: the full list of dicts at once
        # costs 160 MB, and a thousand three-digit prefixes rescan the list for seconds.
        for z in (z for prefix in range(100) for z in zipcodes.similar_to(f"{prefix:02d}")):
            lat = float(z["lat"])
            lon = float(z["long"])
            # Military APO/FPO codes carry 0,0: they have no place on the map.
            if lat == 0.0 and lon == 0.0:
                continue
            n = int(z["zip_code"])
            state = z["state"]
            key = f"{city_key(z['city'])}|{state}"
            i = city_index.get(key)
            if i is None:
                i = city_index[key] = len(self.cities)
                self.cities.append((z["city"], state))
            self.lat[n] = lat
            self.lon[n] = lon
            self.city[n] = i
            self.kind[n] = _KINDS.get(z["zip_code_type"], 0)
            _add(sums, key, lat, lon)
            for alias in z["acceptable_cities"]:
                _add(alias_sums, f"{city_key(alias)}|{state}", lat, lon)

        # A name that is only ever an alternate ("Roxbury" for Boston ZIPs) still finds
        # its neighbourhood; a primary city is never diluted by the ZIPs that list it as
        # an alternate.
        for key, (lat_sum, lon_sum, count) in alias_sums.items():
            if key not in sums:
                self.city_centroids[key] = (lat_sum / count, lon_sum / count, -1)
        for key, (lat_sum, lon_sum, count) in sums.items():
            self.city_centroids[key] = (lat_sum / count, lon_sum / count, city_index[key])


def _add(sums: dict[str, list[float]], key: str, lat: float, lon: float) -> None:
    total = sums.get(key)
    if total is None:
        sums[key] = [lat, lon, 1.0]
    else:
        total[0] += lat
        total[1] += lon
        total[2] += 1.0


_tables: _ZipTables | None = None
_tables_lock = threading.Lock()


def _zip_tables() -> _ZipTables:
    global _tables
    if _tables is None:
        with _tables_lock:
            if _tables is None:
                _tables = _ZipTables()
    return _tables


# ZIP coordinates alone, for a process that only places ZIP codes (the NPPES import's
# reader): read from a cache file when one is configured, so such a process never loads
# the zipcodes data (40 MB of its 300 MB budget).
_coordinates: tuple[array, array] | None = None
_cache_dir: str | None = None


def configure_cache(directory: str | os.PathLike[str] | None) -> None:
    """Where zip_coordinates() keeps its file (the clinic's var directory)."""
    global _cache_dir
    _cache_dir = None if directory is None else os.fspath(directory)


def zip_coordinates() -> tuple[array, array]:
    """(latitudes, longitudes): float arrays indexed by the ZIP code's integer value, NaN
    where the ZIP is unknown."""
    global _coordinates
    if _coordinates is None:
        with _tables_lock:
            if _coordinates is None:
                _coordinates = _cached_coordinates()
    return _coordinates


def prepare_zip_cache() -> None:
    """Write the cache file, if there is none, from a short-lived process of its own, so
    that this process and its children read the file instead of loading the zipcodes
    data. For a process about to fork a memory-bound worker (the NPPES import)."""
    if _cache_dir is None or _coordinates is not None or _tables is not None:
        return
    if os.path.exists(_cache_path(_cache_dir)):
        return
    subprocess.run(  # noqa: S603 - this interpreter, this module
        [
            sys.executable,
            "-c",
            "import sys; from spineclinic.lib import geo;"
            " geo.configure_cache(sys.argv[1]); geo.zip_coordinates()",
            _cache_dir,
        ],
        check=False,
    )


def _cache_path(directory: str) -> str:
    return os.path.join(directory, f"zip-centroids-{zipcodes.__version__}.bin")


def _cached_coordinates() -> tuple[array, array]:
    """Called under _tables_lock. Tables built here are kept for the place lookups."""
    global _tables
    if _tables is not None or _cache_dir is None:
        _tables = _tables or _ZipTables()
        return _tables.lat, _tables.lon
    path = _cache_path(_cache_dir)
    size = 2 * _ZIP_SLOTS * array("d").itemsize
    try:
        with open(path, "rb") as f:
            data = f.read(size + 1)
        if len(data) == size:
            lat, lon = array("d"), array("d")
            lat.frombytes(data[: size // 2])
            lon.frombytes(data[size // 2 :])
            return lat, lon
    except OSError:
        pass
    tables = _tables = _ZipTables()
    try:  # written whole or not at all: a reader never sees half a file
        os.makedirs(_cache_dir, exist_ok=True)
        partial = f"{path}.{os.getpid()}.tmp"
        with open(partial, "wb") as f:
            f.write(tables.lat.tobytes() + tables.lon.tobytes())
        os.replace(partial, path)
    except OSError:
        pass  # a read-only var directory: the next process builds the tables again
    return tables.lat, tables.lon


def _zip_number(zip_code: str) -> int | None:
    digits = zip_code.strip()[:5]
    if len(digits) != 5 or not (digits.isascii() and digits.isdigit()):
        return None
    return int(digits)


def zip_centroid(zip5: str) -> tuple[float, float] | None:
    """(lat, lon) of a US ZIP code ("02115"; ZIP+4 is cut to 5), None when unknown."""
    n = _zip_number(zip5)
    if n is None:
        return None
    lats, lons = zip_coordinates()
    lat = lats[n]
    if math.isnan(lat):
        return None
    return lat, lons[n]


def city_centroid(city: str, state: str) -> tuple[float, float] | None:
    """The average of the centroids of a city's ZIP codes, None when unknown.

    `state` is a 2-letter code or a state name. Names are compared through city_key, so
    "St. Louis" finds Saint Louis.
    """
    code = _state_code(state)
    if code is None:
        return None
    found = _find_city(city, code)
    return None if found is None else (found[0], found[1])


def zip_places(*, standard_only: bool = True) -> Iterator[ZipPlace]:
    """Every located ZIP with its city; standard_only skips PO box and single-firm ZIPs."""
    tables = _zip_tables()
    for n in range(_ZIP_SLOTS):
        kind = tables.kind[n]
        if kind == 0 or (standard_only and kind != _KINDS["STANDARD"]):
            continue
        city, state = tables.cities[tables.city[n]]
        yield ZipPlace(f"{n:05d}", city, state, tables.lat[n], tables.lon[n])


# Postal codes beyond the named states: freely associated states and military mail.
_OTHER_STATE_CODES = frozenset({"FM", "MH", "PW", "AA", "AE", "AP"})
_VALID_STATE_CODES = frozenset(STATE_CODES.values()) | _OTHER_STATE_CODES


def _state_code(state: str) -> str | None:
    text = " ".join(state.replace(".", "").upper().split())
    if text in _VALID_STATE_CODES:
        return text
    return STATE_CODES.get(text)


_COORDINATES = re.compile(
    r"\s*([+-]?\d{1,3}(?:\.\d*)?)(?:\s*[,|]\s*|\s+)([+-]?\d{1,3}(?:\.\d*)?)\s*"
)
_ZIP = re.compile(r"\s*(\d{5})(?:-?\d{4})?\s*")
_HOW = "Enter a ZIP code (02115), a city and state (Boston, MA) or coordinates (42.36,-71.06)."


def parse_near(text: str) -> Near:
    """Locate what a user typed as "near": a ZIP, "City, ST" or "lat,lon".

    Raises UnknownPlace with a message to show when the text names no known place.
    """
    if not text or not text.strip():
        raise UnknownPlace(f"Where should we search near? {_HOW}")
    m = _COORDINATES.fullmatch(text)
    if m:
        lat, lon = float(m.group(1)), float(m.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise UnknownPlace(
                f"{text.strip()!r} is not a position: latitude runs from -90 to 90 and"
                " longitude from -180 to 180."
            )
        return Near(lat, lon, f"{lat:.4f}, {lon:.4f}")
    m = _ZIP.fullmatch(text)
    if m:
        zip5 = m.group(1)
        n = int(zip5)
        tables = _zip_tables()
        if math.isnan(tables.lat[n]):
            raise UnknownPlace(f"We do not know the ZIP code {zip5}. {_HOW}")
        city, state = tables.cities[tables.city[n]]
        return Near(tables.lat[n], tables.lon[n], f"{zip5} ({city}, {state})")
    city, state = _split_city_state(text)
    if not city:
        raise UnknownPlace(f"We could not read {text.strip()!r} as a place. {_HOW}")
    code = _state_code(state)
    if code is None:
        raise UnknownPlace(f"{state.strip()!r} is not a US state. {_HOW}")
    tables = _zip_tables()
    found = _find_city(city, code)
    if found is None:
        raise UnknownPlace(f"We do not know a city called {city.strip()!r} in {code}. {_HOW}")
    lat, lon, index = found
    label = (
        f"{tables.cities[index][0]}, {code}" if index >= 0 else f"{' '.join(city.split())}, {code}"
    )
    return Near(lat, lon, label)


def _find_city(city: str, state_code: str) -> tuple[float, float, int] | None:
    centroids = _zip_tables().city_centroids
    found = centroids.get(f"{city_key(city)}|{state_code}")
    if found is None and "'" in city:
        # USPS writes "Coeur d'Alene" as COEUR D ALENE but "Lee's Summit" as LEES SUMMIT.
        found = centroids.get(f"{city_key(city.replace(chr(39), ' '))}|{state_code}")
    return found


def _split_city_state(text: str) -> tuple[str, str]:
    if "," in text:
        city, _, state = text.rpartition(",")
        return city.strip(), state.strip()
    # "Boston MA" or "Saint Paul Minnesota": try the longest state name at the end.
    words = text.split()
    for size in (3, 2, 1):
        if len(words) > size and _state_code(" ".join(words[-size:])) is not None:
            return " ".join(words[:-size]), " ".join(words[-size:])
    return "", ""
