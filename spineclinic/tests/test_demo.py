from django.core.management import call_command

from spineclinic.accounts.models import Role, User
from spineclinic.audit.actions import verify_chain
from spineclinic.demo import load_demo_clinic
from spineclinic.directory.models import Discipline, Practice, Practitioner, Provider
from spineclinic.lib.npi import is_valid_npi
from spineclinic.patients.models import Patient


def test_it_loads_a_demo_clinic_once(db: None) -> None:
    first = load_demo_clinic(synthetic_providers=500)
    counts = (Patient.objects.count(), Practitioner.objects.count(), User.objects.count())
    second = load_demo_clinic(synthetic_providers=500)
    assert (Patient.objects.count(), Practitioner.objects.count(), User.objects.count()) == counts
    assert second.created == {}
    assert first.created["locations"] == 2
    assert counts[0] >= 200 and counts[1] >= 20
    assert all(
        is_valid_npi(npi or "") for npi in Practitioner.objects.values_list("npi", flat=True)
    )
    disciplines = Discipline.objects.filter(roles__isnull=False).distinct().count()
    assert disciplines >= 8
    assert {Role(r) for _, r in User.objects.values_list("username", "role")} == set(Role)
    assert Patient.objects.exclude(duplicate_override_reason="").count() >= 5  # near-duplicates
    assert verify_chain()[1] is None
    # The clinic's own locations appear in the public directory, flagged integrated.
    assert Practice.objects.filter(location__isnull=False, integrated=True).count() == 2
    assert Provider.objects.filter(source="nppes").exists()
    call_command("check")
