"""Two front desks registering at the same moment never draw one MRN."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connections

from spineclinic.accounts.actions import do_create_user
from spineclinic.accounts.models import Role
from spineclinic.patients.actions import do_register_patient
from spineclinic.patients.models import Patient
from spineclinic.test import patient_data

pytestmark = pytest.mark.django_db(transaction=True)

THREADS, EACH = 4, 5


def test_it_gives_every_concurrently_registered_patient_its_own_mrn() -> None:
    desk = do_create_user("desk", "correct-horse-battery-staple", role=Role.FRONT_DESK)
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def register(worker: int) -> None:
        try:
            start.wait()
            for n in range(EACH):
                do_register_patient(
                    patient_data(
                        given_name=f"Worker{worker}",
                        family_name=f"Patient{n}",
                        date_of_birth=date(1950 + worker, 1 + n, 1),
                        phone="",
                        email="",
                    ),
                    by=desk,
                )
        except BaseException as error:  # reported below, with the thread's traceback lost
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    mrns = list(Patient.objects.values_list("mrn", flat=True))
    assert len(mrns) == THREADS * EACH == len(set(mrns))
