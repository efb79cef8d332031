"""The rule file format: the default rules load, and every bad file is refused with the line
and the reason. Expected lines are marked in the YAML itself with `#!`, so the tests stay
right when a fixture is edited."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from spineclinic.pathways.rules import (
    DISCIPLINES,
    AllOf,
    Comparison,
    Not,
    Presence,
    RuleFileError,
    Urgency,
    default_rules,
    load_rules,
    parse_rules,
)

VALID_RULE = """\
  - id: sbst-medium
    title: Medium risk
    priority: 10
    conditions:
      fact: sbst_risk
      eq: medium
    recommends: [physical_therapy]
    urgency: routine
    explanation: Physical therapy.
    source: REFERENCE section 3
"""


def rule_file(rules: str, header: str = 'version: "test-1"\n') -> str:
    return header + "rules:\n" + textwrap.indent(textwrap.dedent(rules), "  ")


def marked_line(text: str) -> int:
    lines = [number for number, line in enumerate(text.splitlines(), 1) if "#!" in line]
    assert len(lines) == 1, "a fixture marks exactly one line"
    return lines[0]


def refused(text: str) -> RuleFileError:
    with pytest.raises(RuleFileError) as caught:
        parse_rules(text, source="test.yaml")
    return caught.value


def test_it_loads_the_default_rules() -> None:
    rules = default_rules()
    assert rules.version == "2026.11-1"
    assert len(rules.rules) >= 20
    assert rules.rules[0].id == "phq9-item9-same-day-safety"
    assert rules.rule("red-flag-cauda-equina").stop is True


def test_it_cites_the_reference_in_every_default_rule() -> None:
    for rule in default_rules().rules:
        assert rule.source.startswith("REFERENCE section"), rule.id
        assert rule.explanation and rule.title


def test_it_never_sends_the_default_rules_to_surgery_without_a_reason() -> None:
    # Only red flags and failed care with concordant imaging may name a surgeon.
    surgical = {
        rule.id
        for rule in default_rules().rules
        if {"spine_surgery_ortho", "neurosurgery"}
        & {code for option in rule.recommends_any_of for code in option}.union(rule.recommends)
    }
    assert surgical == {
        "red-flag-cauda-equina",
        "red-flag-neuro-deficit",
        "red-flag-cancer",
        "radicular-surgical-consult",
    }


def test_it_keeps_disciplines_in_step_with_the_directory_migration() -> None:
    # Read as text, not imported: this test suite runs without Django.
    migration = Path(__file__).parents[2] / "directory" / "migrations" / "0002_disciplines.py"
    tree = ast.parse(migration.read_text(encoding="utf-8"))
    rows = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "DISCIPLINES" for t in node.targets)
    )
    assert [row[0] for row in rows] == list(DISCIPLINES)


def test_it_orders_rules_by_priority_then_position_in_the_file() -> None:
    text = rule_file(
        VALID_RULE.replace("sbst-medium", "third").replace("priority: 10", "priority: 20")
        + VALID_RULE.replace("sbst-medium", "first")
        + VALID_RULE.replace("sbst-medium", "second")
    )
    assert [rule.id for rule in parse_rules(text).rules] == ["first", "second", "third"]


def test_it_reads_every_part_of_a_rule() -> None:
    text = rule_file(
        """\
        - id: complete
          title: "A   rule"
          priority: -3
          conditions:
            all:
              - fact: red_flags
                eq: [fracture, cancer]
              - not:
                  present: sbst_risk
              - fact: response_to_care
                in: [no_important_change, worse]
          recommends: [neuroradiology]
          recommends_any_of: [primary_care, [physical_therapy, pain_psychology]]
          excludes: [neurosurgery]
          urgency: urgent
          stop: true
          explanation: >
            Folded
            text.
          source: REFERENCE section 2
        """
    )
    rule = parse_rules(text).rules[0]
    assert rule.title == "A rule"
    assert rule.priority == -3
    assert rule.explanation == "Folded text."
    assert rule.recommends == ("neuroradiology",)
    assert rule.recommends_any_of == (("primary_care",), ("physical_therapy", "pain_psychology"))
    assert rule.excludes == ("neurosurgery",)
    assert rule.urgency is Urgency.URGENT and rule.stop is True
    assert isinstance(rule.conditions, AllOf)
    red_flags, not_present, response = rule.conditions.conditions
    assert red_flags == Comparison("red_flags", "eq", frozenset({"cancer", "fracture"}), 8)
    assert isinstance(not_present, Not)
    assert not_present.condition == Presence("sbst_risk", True, 11)
    assert response == Comparison("response_to_care", "in", ("no_important_change", "worse"), 12)


def test_it_reads_the_clinician_review_block() -> None:
    text = rule_file(
        VALID_RULE,
        header='version: "x"\nclinician_review:\n  urgency: urgent\n  explanation: Call us.\n',
    )
    rules = parse_rules(text)
    assert rules.clinician_review_urgency is Urgency.URGENT
    assert rules.clinician_review_explanation == "Call us."


BAD_FILES = {
    "yaml syntax": (
        'version: "x"\nrules:\n  - id: a\n    title: [unclosed\n    priority: 1 #!\n',
        "YAML syntax error",
    ),
    "tab indentation": ('version: "x"\nrules:\n\t- id: a #!\n', "YAML syntax error"),
    "unknown fact": (
        rule_file(VALID_RULE.replace("fact: sbst_risk", "fact: sbst_risc #!")),
        "unknown fact 'sbst_risc' (did you mean 'sbst_risk'?)",
    ),
    "unknown fact in present": (
        rule_file(VALID_RULE.replace("fact: sbst_risk\n      eq: medium", "absent: red_flag #!")),
        "unknown fact 'red_flag' (did you mean 'red_flags'?)",
    ),
    "unknown operator": (
        rule_file(VALID_RULE.replace("eq: medium", "equals: medium #!")),
        "unknown operator 'equals'",
    ),
    "unknown composite": (
        rule_file(
            VALID_RULE.replace(
                "      fact: sbst_risk\n      eq: medium",
                "      every: #!\n        - fact: sbst_risk\n          eq: medium",
            )
        ),
        "unknown operator 'every'",
    ),
    "two operators": (
        rule_file(VALID_RULE.replace("eq: medium", "eq: medium\n      ne: low #!")),
        "one operator per comparison",
    ),
    "no operator": (
        rule_file(VALID_RULE.replace("fact: sbst_risk\n      eq: medium", "fact: sbst_risk #!")),
        "",
    ),
    "value not allowed": (
        rule_file(VALID_RULE.replace("eq: medium", "eq: moderate #!")),
        "fact 'sbst_risk': expected one of low, medium, high, got 'moderate'",
    ),
    "numeric operator on a choice": (
        rule_file(VALID_RULE.replace("eq: medium", "gt: medium #!")),
        "'gt' compares numbers; 'sbst_risk' is one of low, medium, high",
    ),
    "number out of range": (
        rule_file(
            VALID_RULE.replace(
                "fact: sbst_risk\n      eq: medium", "fact: nrs_leg\n      ge: 11 #!"
            )
        ),
        "fact 'nrs_leg': expected an integer from 0 to 10, got 11",
    ),
    "contains on a scalar fact": (
        rule_file(VALID_RULE.replace("eq: medium", "contains: medium #!")),
        "'contains' tests a list fact",
    ),
    "contains an unknown value": (
        rule_file(
            VALID_RULE.replace(
                "fact: sbst_risk\n      eq: medium", "fact: red_flags\n      contains: tumour #!"
            )
        ),
        "'red_flags' never contains 'tumour'",
    ),
    "in on a list fact": (
        rule_file(
            VALID_RULE.replace(
                "fact: sbst_risk\n      eq: medium", "fact: red_flags\n      in: [cancer] #!"
            )
        ),
        "'in' tests one value",
    ),
    "in with an empty list": (
        rule_file(VALID_RULE.replace("eq: medium", "in: [] #!")),
        "empty list",
    ),
    "composite beside a comparison": (
        rule_file(
            VALID_RULE.replace(
                "    conditions:\n      fact: sbst_risk",
                "    conditions:\n      not: {present: age} #!\n      fact: sbst_risk",
            )
        ),
        "'not' stands alone in its condition",
    ),
    "empty all": (
        rule_file(
            VALID_RULE.replace("      fact: sbst_risk\n      eq: medium", "      all: [] #!")
        ),
        "'all' needs at least one condition",
    ),
    "condition not a mapping": (
        rule_file(
            VALID_RULE.replace(
                "    conditions:\n      fact: sbst_risk\n      eq: medium",
                "    conditions: sbst_risk == medium #!",
            )
        ),
        "a condition must be a mapping",
    ),
    "unknown discipline": (
        rule_file(VALID_RULE.replace("recommends: [physical_therapy]", "recommends: [physio] #!")),
        "unknown discipline 'physio'",
    ),
    "unknown discipline in an option": (
        rule_file(
            VALID_RULE.replace(
                "recommends: [physical_therapy]",
                "recommends_any_of:\n      - physiatry\n      - [physical_therapy, psychology] #!",
            )
        ),
        "unknown discipline 'psychology'",
    ),
    "unknown discipline in excludes": (
        rule_file(
            VALID_RULE.replace(
                "    urgency: routine", "    excludes: [surgery] #!\n    urgency: routine"
            )
        ),
        "unknown discipline 'surgery'",
    ),
    "a single alternative": (
        rule_file(
            VALID_RULE.replace(
                "recommends: [physical_therapy]", "recommends_any_of: [physiatry] #!"
            )
        ),
        "needs at least two options",
    ),
    "a discipline both recommended and excluded": (
        rule_file(
            VALID_RULE.replace(
                "    urgency: routine", "    excludes: [physical_therapy] #!\n    urgency: routine"
            )
        ),
        "both recommends and excludes 'physical_therapy'",
    ),
    "unknown urgency": (
        rule_file(VALID_RULE.replace("urgency: routine", "urgency: asap #!")),
        "unknown urgency 'asap'",
    ),
    "missing field": (
        rule_file(
            VALID_RULE.replace("  - id: sbst-medium", "  - id: sbst-medium #!").replace(
                "    source: REFERENCE section 3\n", ""
            )
        ),
        "rule 'sbst-medium' is missing the field 'source'",
    ),
    "unknown field": (
        rule_file(VALID_RULE.replace("priority: 10", "priority: 10\n    explanations: x #!")),
        "unknown field 'explanations' in rule 'sbst-medium' (did you mean 'explanation'?)",
    ),
    "duplicate rule id": (
        rule_file(VALID_RULE + VALID_RULE.replace("  - id: sbst-medium", "  - id: sbst-medium #!")),
        "duplicate rule id 'sbst-medium' (first defined on line 3)",
    ),
    "duplicate key": (
        rule_file(VALID_RULE.replace("urgency: routine", "urgency: routine\n    urgency: soon #!")),
        "'urgency' appears twice (first on line",
    ),
    "priority not a number": (
        rule_file(VALID_RULE.replace("priority: 10", "priority: high #!")),
        "the priority of rule 'sbst-medium' must be a whole number",
    ),
    "stop not a boolean": (
        rule_file(VALID_RULE.replace("urgency: routine", "urgency: routine\n    stop: maybe #!")),
        "must be true or false",
    ),
    "bad rule id": (
        rule_file(VALID_RULE.replace("id: sbst-medium", "id: SBST Medium #!")),
        "a rule id is lowercase letters",
    ),
    "empty explanation": (
        rule_file(VALID_RULE.replace("explanation: Physical therapy.", 'explanation: "" #!')),
        "must be non-empty text",
    ),
    "unquoted version": (rule_file(VALID_RULE, header="version: 2026.11 #!\n"), "quoted text"),
    "missing version": (
        "rules: #!\n" + textwrap.indent(VALID_RULE, ""),
        "",
    ),
    "no rules": ('version: "x"\nrules: [] #!\n', "the file has no rules"),
    "rules not a list": ('version: "x"\nrules: {id: a} #!\n', "rules must be a list"),
    "unknown top-level field": (
        rule_file(VALID_RULE, header='version: "x"\nauthor: me #!\n'),
        "unknown field 'author' in the rule file",
    ),
}


@pytest.mark.parametrize(("text", "reason"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_it_refuses_a_bad_rule_file_with_line_and_reason(text: str, reason: str) -> None:
    error = refused(text)
    assert error.line == marked_line(text), str(error)
    assert reason in error.reason, str(error)
    assert f"test.yaml, line {error.line}: " in str(error)


def test_it_names_the_missing_operator_and_version() -> None:
    assert "a comparison needs one operator" in refused(BAD_FILES["no operator"][0]).reason
    assert "missing the field 'version'" in refused(BAD_FILES["missing version"][0]).reason


def test_it_reports_every_problem_sorted_by_line() -> None:
    text = rule_file(
        VALID_RULE.replace("urgency: routine", "urgency: asap")
        + VALID_RULE.replace("id: sbst-medium", "id: other").replace(
            "fact: sbst_risk", "fact: nope"
        )
    )
    error = refused(text)
    assert [reason.split(" ")[:2] for _, reason in error.problems] == [
        ["unknown", "urgency"],
        ["unknown", "fact"],
    ]
    lines = [line or 0 for line, _ in error.problems]
    assert lines == sorted(lines)
    assert str(error).count("test.yaml, line") == 2


def test_it_refuses_an_empty_file_without_a_line() -> None:
    error = refused("# only a comment\n")
    assert error.line is None
    assert error.reason == "the file is empty"


def test_it_refuses_a_file_that_is_not_a_mapping() -> None:
    error = refused("- just\n- a list\n")
    assert (error.line, error.reason) == (
        1,
        "the rule file must be a mapping (name: value), got a list",
    )


def test_it_refuses_python_tags_instead_of_running_them() -> None:
    error = refused('version: !!python/name:os.system ""\nrules: []\n')
    assert error.line == 1
    assert "cannot read this value" in error.reason


def test_it_refuses_an_unreadable_path(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError) as caught:
        load_rules(tmp_path / "missing.yaml")
    assert caught.value.line is None
    assert "cannot read the file" in caught.value.reason


def test_it_loads_a_rule_file_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text(rule_file(VALID_RULE), encoding="utf-8")
    rules = load_rules(path)
    assert rules.version == "test-1"
    assert rules.source == str(path)
