"""Clinical vignettes from REFERENCE through the default rules, and the case harness behind
`spineclinic evaluate-pathways` that reads them."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from spineclinic.pathways.engine import Status
from spineclinic.pathways.harness import (
    Case,
    CasesFileError,
    Expectation,
    format_report,
    load_cases,
    main,
    parse_cases,
    run_cases,
)
from spineclinic.pathways.rules import Urgency, default_rules

VIGNETTES = Path(__file__).with_name("vignettes.yaml")
CASES = load_cases(VIGNETTES)


def test_it_has_at_least_30_vignettes_each_with_an_expectation() -> None:
    assert len(CASES) >= 30
    for case in CASES:
        assert case.expect is not None, case.name
        assert case.expect.urgency is not None, case.name
        assert case.expect.disciplines is not None, case.name


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_it_recommends_what_the_vignette_expects(case: Case) -> None:
    (outcome,) = run_cases(default_rules(), [case]).results
    assert outcome.failures == (), "\n" + outcome.recommendation.explanation
    assert outcome.passed is True


def test_it_covers_every_default_rule_with_a_vignette() -> None:
    fired = {
        rule
        for outcome in run_cases(default_rules(), CASES).results
        for rule in outcome.recommendation.rules_fired
    }
    assert fired == {rule.id for rule in default_rules().rules}


# ---------------------------------------------------------------- the harness

CASES_FILE = """\
available: [physical_therapy, physiatry]
cases:
  - name: medium risk
    facts: {red_flags: [], sbst_risk: medium}
    expect:
      urgency: routine
      disciplines: [physical_therapy]
  - name: high risk, expected wrongly
    facts: {red_flags: [], sbst_risk: high}
    expect:
      urgency: urgent
      required: [physical_therapy]
      not_recommended: [pain_psychology]
      rules_fired: [sbst-high-risk, no-such-rule]
      refer_outside: []
  - name: no expectation
    available: [pain_psychology]
    facts: {red_flags: [cancer]}
"""


def test_it_runs_cases_and_counts_failed_expectations() -> None:
    result = run_cases(default_rules(), parse_cases(CASES_FILE))
    assert [outcome.passed for outcome in result.results] == [True, False, None]
    assert result.failed == 1
    assert result.results[1].failures == (
        "urgency: expected urgent, got routine",
        "required: expected [physical_therapy], got [pain_psychology, physical_therapy]",
        "not_recommended: [pain_psychology] recommended all the same",
        "rules_fired: no rule 'no-such-rule' in rules 2026.11-1",
        "refer_outside: expected [], got [pain_psychology]",
    )
    # A case's own list of disciplines replaces the file's.
    assert set(result.results[2].recommendation.refer_outside) == {
        "neuroradiology",
        "primary_care",
        "spine_surgery_ortho",
        "neurosurgery",
    }


def test_it_uses_the_run_default_when_neither_file_nor_case_says() -> None:
    cases = parse_cases("cases:\n  - name: a\n    facts: {red_flags: [], sbst_risk: high}\n")
    assert cases[0].available is None
    result = run_cases(default_rules(), cases, {"physical_therapy"})
    assert result.results[0].recommendation.refer_outside == ("pain_psychology",)


def test_it_reports_each_case_and_ends_with_one_json_line() -> None:
    report = format_report(run_cases(default_rules(), parse_cases(CASES_FILE)))
    lines = report.splitlines()
    assert lines[0] == "Pathway rules 2026.11-1: 3 cases"
    assert "[PASS] medium risk" in lines
    assert "[FAIL] high risk, expected wrongly" in lines
    assert "[----] no expectation" in lines
    assert "  all of: physical_therapy, pain_psychology" in lines
    assert "  one of: primary_care | spine_surgery_ortho | neurosurgery" in lines
    assert "  refer outside: pain_psychology" in lines
    assert "  expectation failed: urgency: expected urgent, got routine" in lines
    assert lines[-2] == "1 failed expectation(s) in 3 case(s)"
    final = json.loads(lines[-1])
    assert (final["failed"], final["total"], final["rules_version"]) == (1, 3, "2026.11-1")
    assert [case["passed"] for case in final["cases"]] == [True, False, None]
    assert final["cases"][0]["recommendation"]["urgency"] == "routine"


def test_it_exits_0_when_every_expectation_holds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(VIGNETTES)]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert json.loads(last)["failed"] == 0


def test_it_exits_1_when_an_expectation_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text(CASES_FILE, encoding="utf-8")
    assert main([str(path)]) == 1
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["failed"] == 1


def test_it_exits_2_on_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text("cases:\n  - name: a\n    facts: {nrs_legs: 3}\n", encoding="utf-8")
    assert main([str(path)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{path}, line 3: unknown fact 'nrs_legs' in case 'a' (did you mean 'nrs_leg'?)"
    )
    assert main([str(path), "--available", "physio"]) == 2
    assert "unknown discipline(s) physio" in capsys.readouterr().err


def test_it_uses_another_rule_file_and_clinic_disciplines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        textwrap.dedent(
            """\
            version: "clinic-7"
            rules:
              - id: everyone-to-pt
                title: PT
                priority: 1
                conditions: {present: age}
                recommends: [physical_therapy]
                urgency: routine
                explanation: Everyone sees PT.
                source: local
            """
        ),
        encoding="utf-8",
    )
    cases = tmp_path / "cases.yaml"
    cases.write_text("cases:\n  - name: a\n    facts: {age: 50}\n", encoding="utf-8")
    assert main([str(cases), "--rules", str(rules), "--available", "chiropractic"]) == 0
    final = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert final["rules_version"] == "clinic-7"
    assert final["cases"][0]["recommendation"]["refer_outside"] == ["physical_therapy"]


def marked_line(text: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if "#!" in line)


BAD_CASES = {
    "no cases key": ("case: [] #!\n", "unknown field 'case' in the cases file"),
    "unknown fact": (
        "cases:\n  - name: a\n    facts:\n      sbst: low #!\n",
        "unknown fact 'sbst' in case 'a'",
    ),
    "wrong fact type": (
        "cases:\n  - name: a\n    facts:\n      nrs_leg: severe #!\n",
        "fact 'nrs_leg': expected an integer from 0 to 10, got 'severe' in case 'a'",
    ),
    "duplicate name": (
        "cases:\n  - name: a\n    facts: {}\n  - name: a #!\n    facts: {}\n",
        "duplicate case name 'a' (first on line 2)",
    ),
    "missing facts": ("cases:\n  - name: a #!\n", "case 'a' is missing the field 'facts'"),
    "unknown expectation": (
        "cases:\n  - name: a\n    facts: {}\n    expect:\n      urgncy: soon #!\n",
        "unknown field 'urgncy' in expect of case 'a' (did you mean 'urgency'?)",
    ),
    "bad urgency": (
        "cases:\n  - name: a\n    facts: {}\n    expect:\n      urgency: asap #!\n",
        "urgency in expect of case 'a' must be one of emergency, urgent, soon, routine",
    ),
    "bad discipline": (
        "cases:\n  - name: a\n    facts: {}\n    expect:\n      disciplines: [physio] #!\n",
        "unknown discipline 'physio'",
    ),
    "bad option": (
        "cases:\n  - name: a\n    facts: {}\n    expect:\n      any_of: [[pt, physiatry]] #!\n",
        "unknown discipline 'pt'",
    ),
    "empty expectation": (
        "cases:\n  - name: a\n    facts: {}\n    expect: {} #!\n",
        "expect of case 'a' is empty",
    ),
    "bad available": (
        "available: [surgery] #!\ncases:\n  - name: a\n    facts: {}\n",
        "unknown discipline 'surgery'",
    ),
    "syntax": ("cases:\n  - name: a\n    facts: {red_flags: [} #!\n", "YAML syntax error"),
}


@pytest.mark.parametrize(("text", "reason"), BAD_CASES.values(), ids=BAD_CASES.keys())
def test_it_refuses_a_bad_cases_file_with_line_and_reason(text: str, reason: str) -> None:
    with pytest.raises(CasesFileError) as caught:
        parse_cases(text, source="cases.yaml")
    assert caught.value.line == marked_line(text), str(caught.value)
    assert reason in caught.value.reason, str(caught.value)


def test_it_reads_every_kind_of_expectation() -> None:
    (case,) = parse_cases(
        textwrap.dedent(
            """\
            cases:
              - name: full
                note: >
                  A story.
                available: [physiatry]
                facts: {red_flags: [], sbst_risk: null}
                expect:
                  status: recommendation
                  urgency: soon
                  disciplines: [physiatry]
                  required: []
                  any_of: [[physiatry, [physical_therapy, pain_psychology]]]
                  not_recommended: [neurosurgery]
                  rules_fired: [a, b]
                  refer_outside: []
            """
        )
    )
    assert case.note == "A story."
    assert case.available == frozenset({"physiatry"})
    assert case.facts == {"red_flags": [], "sbst_risk": None}
    assert case.line == 2
    assert case.expect == Expectation(
        status=Status.RECOMMENDATION,
        urgency=Urgency.SOON,
        disciplines=frozenset({"physiatry"}),
        required=frozenset(),
        any_of=frozenset(
            {
                frozenset(
                    {frozenset({"physiatry"}), frozenset({"physical_therapy", "pain_psychology"})}
                )
            }
        ),
        not_recommended=frozenset({"neurosurgery"}),
        rules_fired=("a", "b"),
        refer_outside=frozenset(),
    )


def test_it_refuses_an_unreadable_cases_path(tmp_path: Path) -> None:
    with pytest.raises(CasesFileError, match="cannot read the file"):
        load_cases(tmp_path / "missing.yaml")
