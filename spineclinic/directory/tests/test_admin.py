from django.urls import reverse

from spineclinic.directory.models import Practitioner
from spineclinic.test import Clinic


def add_practitioner(clinic: Clinic, npi: str) -> bytes:
    data = {
        "npi": npi,
        "given_name": "Nora",
        "family_name": "Vertebra",
        "credentials": "DPT",
        "active": "on",
        "source": "clinic",
        "roles-TOTAL_FORMS": "0",
        "roles-INITIAL_FORMS": "0",
    }
    response = clinic.client(clinic.ada).post(reverse("admin:directory_practitioner_add"), data)
    return response.content


def test_it_refuses_an_npi_that_fails_the_check_digit(clinic: Clinic) -> None:
    content = add_practitioner(clinic, "1234567890")
    assert b"fails its check digit" in content
    assert not Practitioner.objects.filter(family_name="Vertebra").exists()


def test_it_refuses_an_npi_that_is_not_ten_digits(clinic: Clinic) -> None:
    assert b"exactly 10 digits" in add_practitioner(clinic, "12345")
    assert not Practitioner.objects.filter(family_name="Vertebra").exists()


def test_it_saves_a_practitioner_with_a_valid_npi(clinic: Clinic) -> None:
    add_practitioner(clinic, "1234567893")
    assert Practitioner.objects.get(family_name="Vertebra").npi == "1234567893"


def test_it_keeps_the_admin_from_front_desk_and_clinicians(clinic: Clinic) -> None:
    for user in (clinic.frank, clinic.alice):
        response = clinic.client(user).get(reverse("admin:directory_practitioner_add"))
        assert response.status_code == 302
