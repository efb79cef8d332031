"""`spineclinic evaluate-pathways CASES.yaml`: the active rules from the database, each
recommendation printed, one JSON object as the last line, exit status 1 on a failed
expectation."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from spineclinic.cli import main
from spineclinic.pathways.actions import default_rules_text, do_activate_ruleset, do_save_ruleset
from spineclinic.pathways.models import RuleSet
from spineclinic.test import Clinic

CASES = textwrap.dedent(
    """\
    cases:
      - name: medium risk goes to physical therapy
        facts: {red_flags: [], sbst_risk: medium, pain_duration_weeks: 3}
        expect:
          disciplines: [physical_therapy]
          urgency: routine
      - name: a wrong expectation
        facts: {red_flags: [cauda_equina]}
        expect:
          urgency: routine
      - name: no expectation, only reported
        facts: {red_flags: [], sbst_risk: low}
    """
)


def cases_file(tmp_path: Path, text: str = CASES) -> Path:
    path = tmp_path / "cases.yaml"
    path.write_text(text)
    return path


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI closes every database connection when a command ends; inside a test that
    # would close the test's own transaction (on PostgreSQL).
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The command as the shell runs it: its output and its exit status."""
    with pytest.raises(SystemExit) as stopped:
        main(["spineclinic", "evaluate-pathways", *args])
        raise SystemExit(0)  # a command that succeeds returns instead of exiting
    out, err = capsys.readouterr()
    return int(stopped.value.code or 0), out, err


def test_it_exits_1_and_ends_with_json_when_an_expectation_fails(
    db: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run([str(cases_file(tmp_path))], capsys)
    assert status == 1
    assert "1 of 3 case(s) did not meet their expectation" in err
    lines = out.rstrip("\n").splitlines()
    result = json.loads(lines[-1])
    assert result["failed"] == 1 and result["total"] == 3
    assert result["rules_version"] == "2026.11-1"
    by_name = {case["name"]: case for case in result["cases"]}
    assert by_name["a wrong expectation"]["passed"] is False
    assert "urgency" in by_name["a wrong expectation"]["failures"][0]
    assert by_name["no expectation, only reported"]["passed"] is None
    assert "[FAIL] a wrong expectation" in out
    assert "rules fired: red-flag-cauda-equina" in out


def test_it_exits_0_when_every_expectation_holds(
    db: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    passing = CASES.split("  - name: a wrong expectation")[0]
    status, out, _ = run([str(cases_file(tmp_path, passing))], capsys)
    assert status == 0
    assert json.loads(out.strip().splitlines()[-1])["failed"] == 0


def test_it_uses_the_active_rules_from_the_database(
    clinic: Clinic, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = default_rules_text().replace('version: "2026.11-1"', 'version: "clinic-7"')
    do_activate_ruleset(do_save_ruleset(edited, by=clinic.ada), by=clinic.ada)
    _, out, _ = run([str(cases_file(tmp_path))], capsys)
    assert json.loads(out.strip().splitlines()[-1])["rules_version"] == "clinic-7"


def test_it_falls_back_to_the_shipped_rules_when_none_are_stored(
    db: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    RuleSet.objects.all().delete()
    _, out, _ = run([str(cases_file(tmp_path))], capsys)
    assert json.loads(out.strip().splitlines()[-1])["rules_version"] == "2026.11-1"


def test_it_exits_2_with_the_line_of_a_bad_cases_file(
    db: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = CASES.replace("sbst_risk: medium", "sbst_risk: middling")
    status, out, err = run([str(cases_file(tmp_path, bad))], capsys)
    assert status == 2 and out == ""
    assert "line 3" in err and "middling" in err


def test_it_tries_a_rule_file_without_storing_it(
    db: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(default_rules_text().replace('version: "2026.11-1"', 'version: "trial"'))
    _, out, _ = run([str(cases_file(tmp_path)), "--rules", str(rules)], capsys)
    assert json.loads(out.strip().splitlines()[-1])["rules_version"] == "trial"
    assert not RuleSet.objects.filter(version="trial").exists()
