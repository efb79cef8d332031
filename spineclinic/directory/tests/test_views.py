"""The public directory pages and JSON endpoint: no sign-in, clear errors, nothing of
patients."""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from spineclinic.directory.index import sync_clinic_directory
from spineclinic.directory.models import Practice, Provider
from spineclinic.directory.nppes_import import import_nppes
from spineclinic.directory.tests.nppes_files import provider_row, write_nppes
from spineclinic.lib.npi import npi_check_digit
from spineclinic.test import Clinic

SEARCH = reverse("directory:search")
API = reverse("directory_search_api")


def npi(n: int) -> str:
    body = str(100000400 + n)
    return body + npi_check_digit(body)


@pytest.fixture
def directory(clinic: Clinic, tmp_path: Path) -> Clinic:
    rows = [
        provider_row(npi(i), last=f"THERAPIST{i}", first="TERRY", line1="100 Pearl St")
        for i in range(25)
    ]
    rows.append(
        provider_row(
            npi(99),
            last="CRACKER",
            taxonomy="111N00000X",
            postal="06510",
            city="NEW HAVEN",
            line1="9 Main St",
        )
    )
    import_nppes(write_nppes(tmp_path / "d.csv", rows))
    sync_clinic_directory()
    return clinic


def test_it_searches_near_a_zip_without_sign_in(directory: Clinic) -> None:
    response = Client().get(SEARCH, {"near": "06106", "radius": "25"})
    assert response.status_code == 200
    assert b"results within 25 mi of" in response.content
    assert b"Therapist" in response.content
    assert b"GeoNames" in response.content and b"CC BY 4.0" in response.content


def test_it_accepts_a_city_and_state_or_coordinates(directory: Clinic) -> None:
    for near in ["Hartford, CT", "41.76,-72.68"]:
        response = Client().get(SEARCH, {"near": near, "radius": "10"})
        assert response.status_code == 200, near
        assert b"Therapist" in response.content


def test_it_paginates_the_results_page(directory: Clinic) -> None:
    first = Client().get(SEARCH, {"near": "06106", "radius": "25"})
    assert b"Page 1 of 2" in first.content
    second = Client().get(SEARCH, {"near": "06106", "radius": "25", "page": "2"})
    assert b"Page 2 of 2" in second.content


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"near": "00000", "radius": "25"}, b"00000"),
        ({"near": "Atlantis, CT", "radius": "25"}, b"Atlantis"),
        ({"near": "Boston, ZZ", "radius": "25"}, b"is not a US state"),
        ({"near": "06106", "radius": "0"}, b"more than 0"),
        ({"near": "06106", "radius": "-5"}, b"more than 0"),
        ({"near": "06106", "radius": "501"}, b"at most 500 miles"),
        ({"near": "06106", "radius": "900", "unit": "km"}, b"at most 500 miles"),
        ({"near": "06106", "radius": "25", "discipline": "astrology"}, b"astrology is not a"),
        ({"radius": "25"}, b"Say where"),
    ],
)
def test_it_explains_bad_input_on_the_page_and_in_json(
    directory: Clinic, params: dict[str, str], message: bytes
) -> None:
    page = Client().get(SEARCH, params)
    assert page.status_code == 400
    assert message in page.content
    api = Client().get(API, params)
    assert api.status_code == 400
    assert message.decode() in api.json()["error"]


def test_it_answers_json_with_the_documented_fields(directory: Clinic) -> None:
    response = Client().get(
        API, {"near": "06106", "radius": "25", "discipline": "chiropractic", "radius_unused": "x"}
    )
    # New Haven is ~34 miles away: outside 25.
    assert response.json()["count"] == 0
    body = Client().get(API, {"near": "06106", "radius": "40", "discipline": "chiropractic"}).json()
    assert body["count"] == 1 and body["next"] is None
    hit = body["results"][0]
    assert set(hit) >= {"npi", "name", "disciplines", "distance", "unit", "address", "integrated"}
    assert hit["npi"] == npi(99) and hit["disciplines"] == ["chiropractic"]
    assert hit["unit"] == "mi" and 30 < hit["distance"] < 40


def test_it_links_the_next_page_in_json(directory: Clinic) -> None:
    body = Client().get(API, {"near": "06106", "radius": "25"}).json()
    assert body["count"] > 20 and "page=2" in body["next"]


def test_it_lists_the_clinics_own_organization_as_integrated(directory: Clinic) -> None:
    # The test clinic: a spine surgeon, a physical therapist and a pain physician at one place.
    body = Client().get(API, {"near": "06106", "radius": "5", "integrated": "1"}).json()
    names = {hit["name"] for hit in body["results"]}
    assert names == {"Alice Spinewright", "Bob Stretcher", "Charlie Outside"}
    assert all(hit["integrated"] for hit in body["results"])
    assert body["results"][0]["clinic_disciplines"] == [
        "spine_surgery_ortho",
        "pain_medicine",
        "physical_therapy",
    ]
    page_html = Client().get(SEARCH, {"near": "06106", "radius": "5", "integrated": "1"}).content
    assert (
        b"At this clinic: Orthopaedic spine surgery, Pain medicine, Physical therapy" in page_html
    )
    practice = Practice.objects.get(location=directory.location)
    page = Client().get(reverse("directory:practice", args=[practice.public_id]))
    assert b"integrated spine clinic" in page.content
    for discipline in (b"Orthopaedic spine surgery", b"Physical therapy", b"Pain medicine"):
        assert discipline in page.content


def test_it_shows_a_practitioner_profile(directory: Clinic) -> None:
    response = Client().get(reverse("directory:provider", args=[npi(99)]))
    assert response.status_code == 200
    assert b"Chiropractic" in response.content
    assert b"9 Main St" in response.content
    assert Client().get(reverse("directory:provider", args=["0000000000"])).status_code == 404


def test_it_leaks_nothing_of_patients(directory: Clinic) -> None:
    for url in [SEARCH + "?near=06106&radius=25", API + "?near=06106&radius=25&name=lumbar"]:
        content = Client().get(url).content
        assert b"Lumbar" not in content and directory.patient.mrn.encode() not in content
    assert Provider.objects.filter(name__icontains="Lumbar").count() == 0
