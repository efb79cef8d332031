import itertools
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from spineclinic.audit.actions import record, verify_chain
from spineclinic.audit.models import GENESIS_HASH, AuditEvent
from spineclinic.test import Clinic


def _behind_the_back(sql: str, params: list[Any]) -> None:
    """Change the table the way someone with database access would, around our guards."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can switch triggers off for the session: the threat the hash is for.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


def test_it_chains_each_row_to_the_one_before(clinic: Clinic) -> None:
    rows = list(AuditEvent.objects.order_by("seq"))
    assert rows[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash
        assert after.seq == before.seq + 1
    assert verify_chain() == (len(rows), None)


def test_it_reports_a_row_edited_behind_the_applications_back(clinic: Clinic) -> None:
    target = AuditEvent.objects.order_by("seq")[2]
    _behind_the_back(
        "UPDATE audit_auditevent SET username = %s WHERE seq = %s", ["mallory", target.seq]
    )
    _, broken = verify_chain()
    assert broken is not None
    assert broken.seq == target.seq
    assert "changed" in broken.reason
    with pytest.raises(CommandError, match=f"broken at row #{target.seq}"):
        call_command("verify_audit")


def test_it_reports_a_deleted_row(clinic: Clinic) -> None:
    target = AuditEvent.objects.order_by("seq")[1]
    _behind_the_back("DELETE FROM audit_auditevent WHERE seq = %s", [target.seq])
    _, broken = verify_chain()
    assert broken is not None and broken.seq == target.seq and "missing" in broken.reason


def test_it_reports_the_newest_rows_deleted(clinic: Clinic) -> None:
    last = AuditEvent.objects.order_by("-seq")[0]
    _behind_the_back("DELETE FROM audit_auditevent WHERE seq = %s", [last.seq])
    _, broken = verify_chain()
    assert broken is not None and broken.seq == last.seq


def test_it_refuses_changes_through_the_application(clinic: Clinic) -> None:
    row = AuditEvent.objects.first()
    assert row is not None
    row.username = "mallory"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_it_refuses_update_and_delete_in_postgresql(clinic: Clinic) -> None:
    for sql in ("UPDATE audit_auditevent SET username = 'x'", "DELETE FROM audit_auditevent"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)


def test_it_says_the_trail_is_intact(clinic: Clinic, capsys: pytest.CaptureFixture[str]) -> None:
    record("view", patient_id=clinic.patient.pk, detail={"purpose": "test"})
    call_command("verify_audit")
    assert "Audit trail intact" in capsys.readouterr().out
