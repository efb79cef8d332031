import math
from pathlib import Path

import pytest

from spineclinic.directory.nppes_import import import_nppes
from spineclinic.directory.search import SearchQuery, search
from spineclinic.directory.tests.nppes_files import provider_row, write_nppes
from spineclinic.lib.npi import npi_check_digit

pytestmark = pytest.mark.django_db

HARTFORD = (41.7672, -72.676)  # ZIP 06103 centroid


def npi(n: int) -> str:
    body = str(100000300 + n)
    return body + npi_check_digit(body)


def law_of_cosines_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """An independent formula (not the haversine nor the chord the code uses)."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    angle = math.acos(math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl))
    return angle * 6371.0088 / 1.609344


@pytest.fixture
def providers(tmp_path: Path) -> None:
    rows = [
        provider_row(npi(1), last="NEAR", first="PAT", taxonomy="225100000X", postal="06103"),
        provider_row(
            npi(2),
            last="MIDDLE",
            taxonomy="111N00000X",
            line1="9 Main St",
            city="NEW HAVEN",
            postal="06510",
        ),
        provider_row(
            npi(3),
            last="FAR",
            taxonomy="207T00000X",
            line1="1 Main St",
            city="BOSTON",
            state="MA",
            postal="02115",
        ),
        provider_row(
            npi(4),
            last="ACROSS",
            taxonomy="225100000X",
            line1="1 Broadway",
            city="NEW YORK",
            state="NY",
            postal="10004",
        ),
    ]
    import_nppes(write_nppes(tmp_path / "p.csv", rows))


def query(**kw: object) -> SearchQuery:
    base: dict[str, object] = {
        "lat": HARTFORD[0],
        "lon": HARTFORD[1],
        "place": "06103",
        "radius": 150.0,
    }
    base.update(kw)
    return SearchQuery(**base)  # type: ignore[arg-type]


def test_it_sorts_by_distance_and_shows_it(providers: None) -> None:
    page = search(query())
    # Hartford, New Haven (~34 mi), Boston (~92 mi), lower Manhattan (~107 mi).
    assert [h.npi for h in page.hits] == [npi(1), npi(2), npi(3), npi(4)]
    assert page.hits[0].name == "Pat Near"
    distances = [h.distance for h in page.hits]
    assert distances == sorted(distances)


def test_it_computes_distances_that_agree_with_an_independent_formula(providers: None) -> None:
    from spineclinic.lib.geo import zip_centroid

    hits = {h.npi: h for h in search(query(radius=200.0)).hits}
    for n, zip5 in [(2, "06510"), (3, "02115"), (4, "10004")]:
        lat, lon = zip_centroid(zip5)  # type: ignore[misc]
        expected = law_of_cosines_miles(*HARTFORD, lat, lon)
        assert hits[npi(n)].distance == pytest.approx(expected, abs=0.06)
    # Hartford to Boston (02115) is about 92 miles as the crow flies.
    assert 88 < hits[npi(3)].distance < 96


def test_it_keeps_to_the_radius(providers: None) -> None:
    names = {h.npi for h in search(query(radius=40.0)).hits}
    assert names == {npi(1), npi(2)}  # New Haven ~34 mi in, Boston ~92 mi out
    km = search(query(radius=60.0, unit="km")).hits
    assert {h.npi for h in km} == {npi(1), npi(2)} and km[1].unit == "km"


def test_it_filters_by_discipline_and_name(providers: None) -> None:
    pt = search(query(disciplines=("physical_therapy",)))
    assert {h.npi for h in pt.hits} == {npi(1), npi(4)}
    both = search(query(disciplines=("physical_therapy", "neurosurgery")))
    assert both.count == 3
    assert {h.npi for h in search(query(name="midd")).hits} == {npi(2)}


def test_it_paginates(providers: None) -> None:
    first = search(query(page_size=3))
    second = search(query(page_size=3, page=2))
    assert (first.count, len(first.hits), len(second.hits)) == (4, 3, 1)
    assert first.has_next and not second.has_next and second.has_previous
    assert not {h.npi for h in first.hits} & {h.npi for h in second.hits}


def test_it_answers_an_empty_page_beyond_the_last(providers: None) -> None:
    page = search(query(page=9))
    assert page.count == 4 and page.hits == []


def test_it_finds_nothing_far_from_everyone(providers: None) -> None:
    page = search(query(lat=46.8, lon=-100.8, radius=10.0))  # Bismarck, ND
    assert page.count == 0
