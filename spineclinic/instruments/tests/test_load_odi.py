"""Loading the clinic's licensed Oswestry wording: `spineclinic load-odi FILE` and the
admin upload page. A file that does not fit the scoring is refused and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from spineclinic.audit.models import AuditEvent
from spineclinic.instruments.catalog import active_definition
from spineclinic.instruments.definitions import ODI_DEMO_FILE
from spineclinic.instruments.models import InstrumentDefinition
from spineclinic.test import Clinic

LICENSED = ODI_DEMO_FILE.read_text().replace("version: demo-1", 'version: "2.1a-clinic"')


def test_it_loads_and_activates_the_licensed_file(db: None, tmp_path: Path) -> None:
    path = tmp_path / "odi.yaml"
    path.write_text(LICENSED)
    call_command("load_odi", str(path))
    assert active_definition("odi").version == "2.1a-clinic"
    assert active_definition("odi").source == "licensed"


def test_it_refuses_a_file_with_other_section_codes(db: None, tmp_path: Path) -> None:
    path = tmp_path / "odi.yaml"
    path.write_text(LICENSED.replace("code: lifting", "code: carrying"))
    with pytest.raises(CommandError, match="section codes must be"):
        call_command("load_odi", str(path))
    assert active_definition("odi").version == "demo-1"


def test_it_refuses_a_licensed_file_without_its_licence_notice(db: None, tmp_path: Path) -> None:
    definition = yaml.safe_load(LICENSED)
    definition["licence"] = ""
    path = tmp_path / "odi.yaml"
    path.write_text(yaml.safe_dump(definition))
    with pytest.raises(CommandError, match="licence"):
        call_command("load_odi", str(path))
    assert active_definition("odi").version == "demo-1"


def test_it_lets_the_clinic_admin_upload_the_file(clinic: Clinic) -> None:
    url = reverse("admin:instruments_load_odi")
    upload = SimpleUploadedFile("odi_licensed.yaml", LICENSED.encode())
    response = clinic.client(clinic.ada).post(url, {"file": upload})
    assert response.status_code == 302
    assert active_definition("odi").version == "2.1a-clinic"
    assert AuditEvent.objects.filter(username="ada", object_type="instruments.instrumentdefinition")


def test_it_names_the_uploaded_file_in_a_refusal(clinic: Clinic) -> None:
    url = reverse("admin:instruments_load_odi")
    upload = SimpleUploadedFile("mine.yaml", LICENSED.replace("value: 5", "value: 6").encode())
    response = clinic.client(clinic.ada).post(url, {"file": upload})
    assert response.status_code == 200
    assert b"mine.yaml" in response.content and b"values must be" in response.content
    assert active_definition("odi").version == "demo-1"


def test_it_refuses_the_upload_page_to_staff_outside_the_admin(clinic: Clinic) -> None:
    url = reverse("admin:instruments_load_odi")
    for user in (clinic.frank, clinic.alice):
        response = clinic.client(user).get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_it_lets_the_admin_switch_back_to_the_demonstration_wording(
    clinic: Clinic, tmp_path: Path
) -> None:
    path = tmp_path / "odi.yaml"
    path.write_text(LICENSED)
    call_command("load_odi", str(path))
    demo = InstrumentDefinition.objects.get(code="odi", version="demo-1")
    changelist = reverse("admin:instruments_instrumentdefinition_changelist")
    data = {"action": "make_active", "_selected_action": [str(demo.pk)]}
    assert clinic.client(clinic.ada).post(changelist, data).status_code == 302
    assert active_definition("odi") == demo
