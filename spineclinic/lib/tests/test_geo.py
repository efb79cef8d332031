"""Distances, search boxes and place lookup, checked against independent computations."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest
import zipcodes

from spineclinic.lib import geo
from spineclinic.lib.geo import (
    EARTH_RADIUS_KM,
    GEO_ATTRIBUTION,
    KM_PER_MILE,
    UnknownPlace,
    bounding_box,
    city_centroid,
    haversine_km,
    haversine_miles,
    parse_near,
    zip_centroid,
    zip_places,
)


def law_of_cosines_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The other textbook great-circle formula: fine away from tiny and antipodal spans."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    cos_angle = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(
        math.radians(lon2 - lon1)
    )
    return EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, cos_angle)))


def destination(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    """The point `km` away on `bearing` degrees (spherical direct problem)."""
    angle = km / EARTH_RADIUS_KM
    p1, l1, theta = math.radians(lat), math.radians(lon), math.radians(bearing)
    p2 = math.asin(
        math.sin(p1) * math.cos(angle) + math.cos(p1) * math.sin(angle) * math.cos(theta)
    )
    l2 = l1 + math.atan2(
        math.sin(theta) * math.sin(angle) * math.cos(p1),
        math.cos(angle) - math.sin(p1) * math.sin(p2),
    )
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


def test_it_matches_the_published_lax_to_jfk_example() -> None:
    # Ed Williams, Aviation Formulary: LAX (33deg57'N 118deg24'W) to JFK (40deg38'N
    # 73deg47'W) is 0.623585 radians of arc, about 2144 nautical miles.
    km = haversine_km(33 + 57 / 60, -(118 + 24 / 60), 40 + 38 / 60, -(73 + 47 / 60))

    assert km / EARTH_RADIUS_KM == pytest.approx(0.623585, abs=1e-6)
    assert math.degrees(km / EARTH_RADIUS_KM) * 60 == pytest.approx(2144, abs=0.5)


def test_it_agrees_with_the_spherical_law_of_cosines() -> None:
    rng = random.Random(7)
    for _ in range(500):
        lat1, lat2 = rng.uniform(-80, 80), rng.uniform(-80, 80)
        lon1, lon2 = rng.uniform(-180, 180), rng.uniform(-180, 180)
        expected = law_of_cosines_km(lat1, lon1, lat2, lon2)
        if 1 < expected < 19_000:
            assert haversine_km(lat1, lon1, lat2, lon2) == pytest.approx(expected, rel=1e-9)


def test_it_measures_short_and_extreme_distances() -> None:
    # One degree of latitude on the mean sphere is 2 * pi * R / 360 = 111.195 km.
    assert haversine_km(42.0, -71.0, 43.0, -71.0) == pytest.approx(111.1951, abs=1e-4)
    assert haversine_km(42.3601, -71.0589, 42.3601, -71.0589) == 0.0
    assert haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert haversine_km(10.0, 20.0, -10.0, -160.0) == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_it_converts_kilometres_to_statute_miles() -> None:
    boston, new_york = (42.3427, -71.0922), (40.7484, -73.9857)
    km = haversine_km(*boston, *new_york)

    assert haversine_miles(*boston, *new_york) == pytest.approx(km / 1.609344)
    assert KM_PER_MILE == 1.609344
    # zipcodes computes its own haversine in miles on a slightly different radius.
    theirs = zipcodes.haversine(boston[1], boston[0], new_york[1], new_york[0])
    assert haversine_miles(*boston, *new_york) == pytest.approx(theirs, rel=2e-3)


def test_it_boxes_every_point_of_the_circle_and_no_more() -> None:
    rng = random.Random(11)
    for _ in range(200):
        lat, lon = rng.uniform(-70, 70), rng.uniform(-170, 170)
        radius = rng.choice([1.0, 25.0, 80.0, 400.0])
        box = bounding_box(lat, lon, radius)
        if box.lon_min == -180.0 and box.lon_max == 180.0:
            continue
        edge = [destination(lat, lon, b / 4, radius) for b in range(0, 360 * 4)]
        assert all(box.contains(p_lat, p_lon) for p_lat, p_lon in edge)
        # Tight: the circle reaches each side of the box.
        assert max(p[0] for p in edge) == pytest.approx(box.lat_max, abs=1e-6)
        assert min(p[0] for p in edge) == pytest.approx(box.lat_min, abs=1e-6)
        assert max(p[1] for p in edge) == pytest.approx(box.lon_max, abs=1e-4)
        assert min(p[1] for p in edge) == pytest.approx(box.lon_min, abs=1e-4)


def test_it_widens_the_box_with_latitude() -> None:
    equator = bounding_box(0.0, 0.0, 100.0)
    north = bounding_box(60.0, 0.0, 100.0)

    assert equator.lat_max - equator.lat_min == pytest.approx(north.lat_max - north.lat_min)
    # A degree of longitude at 60 degrees is half as long as at the equator.
    assert north.lon_max == pytest.approx(2 * equator.lon_max, rel=1e-3)


def test_it_spans_all_longitudes_at_a_pole_or_the_180th_meridian() -> None:
    assert bounding_box(89.5, 10.0, 100.0)[2:] == (-180.0, 180.0)
    assert bounding_box(89.5, 10.0, 100.0).lat_max == 90.0
    adak = bounding_box(51.88, -176.66, 500.0)  # Adak, Alaska, near the date line
    assert (adak.lon_min, adak.lon_max) == (-180.0, 180.0)
    assert adak.contains(52.93, 173.0)  # Attu, across the meridian
    with pytest.raises(ValueError):
        bounding_box(0.0, 0.0, -1.0)


def test_it_locates_zip_codes() -> None:
    lat, lon = zip_centroid("02115") or (0.0, 0.0)

    assert (lat, lon) == pytest.approx((42.3427, -71.0922))
    assert zip_centroid("02115-5724") == zip_centroid("021155724") == (lat, lon)
    assert zip_centroid("00000") is None
    assert zip_centroid("ABCDE") is None
    assert zip_centroid("0211") is None
    # Military APO codes carry 0,0 in the data: no place on the map.
    assert zip_centroid("09001") is None


def test_it_averages_the_zip_centroids_of_a_city() -> None:
    boston = zipcodes.filter_by(None, city="Boston", state="MA")
    expected = (
        sum(float(z["lat"]) for z in boston) / len(boston),
        sum(float(z["long"]) for z in boston) / len(boston),
    )

    assert city_centroid("Boston", "MA") == pytest.approx(expected)
    assert city_centroid("BOSTON", "Massachusetts") == pytest.approx(expected)
    assert city_centroid("St. Louis", "MO") == city_centroid("Saint Louis", "MO") is not None
    assert city_centroid("E Providence", "RI") == city_centroid("East Providence", "RI")
    assert city_centroid("Coeur d'Alene", "ID") is not None
    assert city_centroid("Boston", "XX") is None
    assert city_centroid("Atlantis", "MA") is None


def test_it_understands_what_people_type_as_near() -> None:
    assert parse_near("02115") == pytest.approx((42.3427, -71.0922, "02115 (Boston, MA)"))
    assert parse_near(" 02115-5724 ").label == "02115 (Boston, MA)"
    boston = parse_near("boston, ma")
    assert boston.label == "Boston, MA"
    assert (boston.lat, boston.lon) == city_centroid("Boston", "MA")
    assert parse_near("St. Paul Minnesota").label == "Saint Paul, MN"
    assert parse_near("Dorchester MA").label == "Dorchester, MA"
    assert parse_near("42.3601,-71.0589") == (42.3601, -71.0589, "42.3601, -71.0589")
    assert parse_near("42.3601|-71.0589")[:2] == (42.3601, -71.0589)  # FHIR near=lat|lon
    assert parse_near("-33.9, 151.2")[:2] == (-33.9, 151.2)


def test_it_explains_a_place_it_cannot_find() -> None:
    with pytest.raises(UnknownPlace, match="ZIP code 99999"):
        parse_near("99999")
    with pytest.raises(UnknownPlace, match="do not know a city called 'Bostn' in MA"):
        parse_near("Bostn, MA")
    with pytest.raises(UnknownPlace, match="'Narnia' is not a US state"):
        parse_near("Boston, Narnia")
    with pytest.raises(UnknownPlace, match="latitude runs from -90 to 90"):
        parse_near("100, 20")
    with pytest.raises(UnknownPlace, match="Where should we search"):
        parse_near("   ")
    with pytest.raises(UnknownPlace, match="could not read 'somewhere'"):
        parse_near("somewhere")
    assert issubclass(UnknownPlace, ValueError)


def test_it_lists_located_zip_codes_with_their_city() -> None:
    places = list(zip_places())
    every = list(zip_places(standard_only=False))

    assert 29_000 < len(places) < len(every) < 42_789
    assert all(isinstance(p.lat, float) and isinstance(p.lon, float) for p in every)
    boston = next(p for p in places if p.zip5 == "02115")
    assert (boston.city, boston.state) == ("Boston", "MA")


def test_it_credits_geonames() -> None:
    assert "GeoNames" in GEO_ATTRIBUTION
    assert "CC BY 4.0" in GEO_ATTRIBUTION


@pytest.fixture
def zip_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, Path]:
    """This process's ZIP coordinates, and the cache file's path in a new cache directory."""
    lat, lon = geo.zip_coordinates()
    monkeypatch.setattr(geo, "_cache_dir", None)
    geo.configure_cache(tmp_path)
    return lat, lon, tmp_path / f"zip-centroids-{zipcodes.__version__}.bin"


def as_a_new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the coordinates and tables, as a process that has not looked them up."""
    monkeypatch.setattr(geo, "_coordinates", None)
    monkeypatch.setattr(geo, "_tables", None)


def test_zip_coordinates_are_kept_in_a_cache_file_for_the_next_process(
    zip_cache: tuple[Any, Any, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    lat, lon, path = zip_cache
    as_a_new_process(monkeypatch)
    geo.zip_coordinates()  # built, and written for the next process
    files = list(path.parent.glob("zip-centroids-*.bin"))
    assert [f.name for f in files] == [f"zip-centroids-{zipcodes.__version__}.bin"]
    # A process without the tables reads the file and never loads the zipcodes data.
    as_a_new_process(monkeypatch)
    again = geo.zip_coordinates()
    assert geo._tables is None
    assert again[0].tobytes() == lat.tobytes() and again[1].tobytes() == lon.tobytes()
    assert zip_centroid("02115") == (lat[2115], lon[2115])


def test_a_damaged_cache_file_is_rebuilt(
    zip_cache: tuple[Any, Any, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    lat, _, damaged = zip_cache
    damaged.write_bytes(b"half a file")
    as_a_new_process(monkeypatch)
    assert geo.zip_coordinates()[0].tobytes() == lat.tobytes()
    assert damaged.stat().st_size == 2 * len(lat) * lat.itemsize


def test_the_cache_file_is_prepared_by_a_process_of_its_own(
    zip_cache: tuple[Any, Any, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    lat, _, written = zip_cache
    as_a_new_process(monkeypatch)
    geo.prepare_zip_cache()
    assert geo._tables is None  # this process did not build the tables
    assert written.read_bytes()[: len(lat) * lat.itemsize] == lat.tobytes()
