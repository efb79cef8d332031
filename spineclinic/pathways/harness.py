"""Pathway cases: patients' facts in a YAML file, with optional expectations, run through the
engine and reported.

One format serves the clinical vignettes of the test suite and the command
`spineclinic evaluate-pathways CASES.yaml`, so that a clinic can check its own rule file
against its own cases before loading it. docs/pathways.md describes the format.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import Path

import yaml

from spineclinic.pathways.engine import Recommendation, Status, evaluate
from spineclinic.pathways.facts import FACTS, suggest
from spineclinic.pathways.rules import (
    DISCIPLINES,
    RuleSet,
    Urgency,
    YamlFileError,
    YamlReader,
    default_rules,
    load_rules,
)


class CasesFileError(YamlFileError):
    pass


# An option of a choice is a set of disciplines; a choice is a set of options.
ChoiceShape = frozenset[frozenset[str]]


@dataclass(frozen=True)
class Expectation:
    """What a case expects; a field left as None (or empty) is not checked."""

    status: Status | None = None
    urgency: Urgency | None = None
    disciplines: frozenset[str] | None = None  # every discipline named, required or optional
    required: frozenset[str] | None = None
    any_of: frozenset[ChoiceShape] | None = None
    not_recommended: frozenset[str] = frozenset()
    rules_fired: tuple[str, ...] = ()  # each of these fired (others may fire too)
    refer_outside: frozenset[str] | None = None

    def failures(self, recommendation: Recommendation, rules: RuleSet) -> list[str]:
        found: list[str] = []

        def differs(what: str, expected: object, actual: object) -> None:
            found.append(f"{what}: expected {_show(expected)}, got {_show(actual)}")

        if self.status is not None and recommendation.status is not self.status:
            differs("status", self.status.value, recommendation.status.value)
        if self.urgency is not None and recommendation.urgency is not self.urgency:
            differs("urgency", self.urgency.value, recommendation.urgency.value)
        named = frozenset(recommendation.discipline_codes)
        if self.disciplines is not None and named != self.disciplines:
            differs("disciplines", self.disciplines, named)
        required = frozenset(advice.code for advice in recommendation.disciplines)
        if self.required is not None and required != self.required:
            differs("required", self.required, required)
        if self.any_of is not None:
            shapes = frozenset(
                frozenset(frozenset(a.code for a in option) for option in choice.options)
                for choice in recommendation.choices
            )
            if shapes != self.any_of:
                differs("any_of", self.any_of, shapes)
        unwanted = self.not_recommended & named
        if unwanted:
            found.append(f"not_recommended: {_show(unwanted)} recommended all the same")
        known_rules = {rule.id for rule in rules.rules}
        for rule_id in self.rules_fired:
            if rule_id not in known_rules:
                found.append(f"rules_fired: no rule '{rule_id}' in rules {rules.version}")
            elif rule_id not in recommendation.rules_fired:
                found.append(f"rules_fired: '{rule_id}' did not fire")
        outside = frozenset(recommendation.refer_outside)
        if self.refer_outside is not None and outside != self.refer_outside:
            differs("refer_outside", self.refer_outside, outside)
        return found


def _show(value: object) -> str:
    """Sets printed sorted, so that a failure message reads the same on every run."""
    if isinstance(value, frozenset | set):
        return "[" + ", ".join(sorted(_show(item) for item in value)) + "]"
    return str(value)


@dataclass(frozen=True)
class Case:
    name: str
    facts: Mapping[str, object]
    available: frozenset[str] | None = None  # None: use the run's default
    expect: Expectation | None = None
    note: str = ""
    line: int = 0


@dataclass(frozen=True)
class CaseResult:
    case: Case
    recommendation: Recommendation
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool | None:
        """None when the case states no expectation: it is run and reported, not judged."""
        if self.case.expect is None:
            return None
        return not self.failures


@dataclass(frozen=True)
class HarnessResult:
    rules_version: str
    results: tuple[CaseResult, ...]

    @property
    def failed(self) -> int:
        return sum(1 for result in self.results if result.passed is False)

    def to_dict(self) -> dict[str, object]:
        return {
            "rules_version": self.rules_version,
            "cases": [
                {
                    "name": result.case.name,
                    "passed": result.passed,
                    "failures": list(result.failures),
                    "recommendation": result.recommendation.to_dict(),
                }
                for result in self.results
            ],
            "total": len(self.results),
            "failed": self.failed,
        }


_FILE_FIELDS = ("cases",), ("available",)
_CASE_FIELDS = ("name", "facts"), ("available", "expect", "note")
_EXPECT_FIELDS = (
    "status",
    "urgency",
    "disciplines",
    "required",
    "any_of",
    "not_recommended",
    "rules_fired",
    "refer_outside",
)


class _CasesParser:
    def __init__(self, reader: YamlReader) -> None:
        self.reader = reader

    def parse(self) -> list[Case]:
        reader = self.reader
        top = reader.fields(reader.root, "the cases file", *_FILE_FIELDS)
        if top is None:
            return []
        default_available = None
        if "available" in top:
            default_available = self._codes(top["available"], "available")
        items = reader.sequence(top["cases"], "cases") if "cases" in top else None
        if items is None:
            return []
        if not items:
            reader.fail(top["cases"], "cases: the file has no cases")
        cases: list[Case] = []
        first_line_of: dict[str, int] = {}
        for position, item in enumerate(items):
            case = self._case(item, position + 1, default_available)
            if case is None:
                continue
            if case.name in first_line_of:
                reader.fail(
                    item,
                    f"duplicate case name '{case.name}' (first on line {first_line_of[case.name]})",
                )
                continue
            first_line_of[case.name] = case.line
            cases.append(case)
        return cases

    def _case(
        self, node: yaml.Node, position: int, default_available: frozenset[str] | None
    ) -> Case | None:
        reader = self.reader
        before = len(reader.problems)
        peeked = reader.peek(node, "name")
        what = f"case '{peeked}'" if peeked else f"case number {position}"
        fields = reader.fields(node, what, *_CASE_FIELDS)
        if fields is None:
            return None
        name = reader.text(fields["name"], "a case name") if "name" in fields else None
        facts = self._facts(fields["facts"], what) if "facts" in fields else None
        available = default_available
        if "available" in fields:
            available = self._codes(fields["available"], f"available of {what}")
        expect = self._expect(fields["expect"], what) if "expect" in fields else None
        note = reader.text(fields["note"], f"the note of {what}") if "note" in fields else ""
        if len(reader.problems) > before or name is None or facts is None:
            return None
        return Case(name, facts, available, expect, note or "", reader.line(node))

    def _facts(self, node: yaml.Node, what: str) -> dict[str, object] | None:
        reader = self.reader
        entries = reader.mapping(node, f"the facts of {what}")
        if entries is None:
            return None
        facts: dict[str, object] = {}
        for name, (key_node, value_node) in entries.items():
            spec = FACTS.get(name)
            if spec is None:
                reader.fail(
                    key_node, f"unknown fact '{name}' in {what}{suggest(name, list(FACTS))}"
                )
                continue
            value = reader.value(value_node)
            if value is not None:
                try:
                    spec.check(value)
                except ValueError as error:
                    reader.fail(value_node, f"{error} in {what}")
                    continue
            facts[name] = value
        return facts

    def _codes(self, node: yaml.Node, what: str) -> frozenset[str] | None:
        codes = self.reader.disciplines(node, what)
        return frozenset(codes) if codes is not None else None

    def _expect(self, node: yaml.Node, what: str) -> Expectation | None:
        reader = self.reader
        where = f"expect of {what}"
        fields = reader.fields(node, where, (), _EXPECT_FIELDS)
        if fields is None:
            return None
        if not fields:
            reader.fail(node, f"{where} is empty: state an expectation or leave expect out")
            return None
        status = urgency = None
        if "status" in fields:
            value = self._one_of(fields["status"], f"status in {where}", [*Status])
            status = Status(value) if value is not None else None
        if "urgency" in fields:
            value = self._one_of(fields["urgency"], f"urgency in {where}", [*Urgency])
            urgency = Urgency(value) if value is not None else None
        sets: dict[str, frozenset[str] | None] = {}
        for key in ("disciplines", "required", "not_recommended", "refer_outside"):
            if key in fields:
                sets[key] = self._codes(fields[key], f"{key} in {where}")
        any_of = self._any_of(fields["any_of"], where) if "any_of" in fields else None
        rules_fired: tuple[str, ...] = ()
        if "rules_fired" in fields:
            items = reader.sequence(fields["rules_fired"], f"rules_fired in {where}")
            texts = [reader.text(item, f"a rule id in {where}") for item in items or []]
            rules_fired = tuple(text for text in texts if text is not None)
        return Expectation(
            status=status,
            urgency=urgency,
            disciplines=sets.get("disciplines"),
            required=sets.get("required"),
            any_of=any_of,
            not_recommended=sets.get("not_recommended") or frozenset(),
            rules_fired=rules_fired,
            refer_outside=sets.get("refer_outside"),
        )

    def _one_of(self, node: yaml.Node, what: str, allowed: Sequence[str]) -> str | None:
        value = self.reader.value(node)
        if isinstance(value, str) and value in allowed:
            return value
        self.reader.fail(node, f"{what} must be one of {', '.join(allowed)}, got {value!r}")
        return None

    def _any_of(self, node: yaml.Node, where: str) -> frozenset[ChoiceShape] | None:
        reader = self.reader
        groups = reader.sequence(node, f"any_of in {where}")
        if groups is None:
            return None
        shapes: set[ChoiceShape] = set()
        for group in groups:
            options = reader.sequence(group, f"a choice in any_of of {where}")
            if options is None:
                continue
            shape: set[frozenset[str]] = set()
            for option in options:
                if isinstance(option, yaml.SequenceNode):
                    codes = reader.disciplines(option, f"any_of of {where}")
                    if codes:
                        shape.add(frozenset(codes))
                else:
                    code = reader.discipline(option, f"any_of of {where}")
                    if code is not None:
                        shape.add(frozenset({code}))
            shapes.add(frozenset(shape))
        return frozenset(shapes)


def parse_cases(text: str, source: str = "<cases>") -> list[Case]:
    reader = YamlReader(text, source, CasesFileError)
    cases = _CasesParser(reader).parse()
    reader.finish()
    return cases


def load_cases(path: str | Path) -> list[Case]:
    """The cases of a YAML file, or CasesFileError naming the line and reason of each problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CasesFileError(str(path), [(None, f"cannot read the file: {error}")]) from None
    return parse_cases(text, source=str(path))


def run_cases(
    rules: RuleSet, cases: Sequence[Case], available: Set[str] | None = None
) -> HarnessResult:
    """Evaluate every case; a case's own `available` overrides the run's."""
    results = []
    for case in cases:
        offered = case.available if case.available is not None else available
        recommendation = evaluate(rules, case.facts, offered)
        failures = case.expect.failures(recommendation, rules) if case.expect else []
        results.append(CaseResult(case, recommendation, tuple(failures)))
    return HarnessResult(rules.version, tuple(results))


def _describe_option(option: Sequence[str]) -> str:
    return " + ".join(option)


def format_report(result: HarnessResult) -> str:
    """A readable block per case, then one line holding the whole result as JSON."""
    lines = [f"Pathway rules {result.rules_version}: {len(result.results)} cases", ""]
    for outcome in result.results:
        recommendation = outcome.recommendation
        mark = {True: "PASS", False: "FAIL", None: "----"}[outcome.passed]
        lines.append(f"[{mark}] {outcome.case.name}")
        lines.append(
            f"  status: {recommendation.status.value}; urgency: {recommendation.urgency.value}"
        )
        required = ", ".join(advice.code for advice in recommendation.disciplines)
        lines.append(f"  all of: {required or '(none)'}")
        for choice in recommendation.choices:
            options = [_describe_option([a.code for a in option]) for option in choice.options]
            lines.append("  one of: " + " | ".join(options))
        if recommendation.excluded:
            excluded = ", ".join(exclusion.code for exclusion in recommendation.excluded)
            lines.append(f"  not recommended: {excluded}")
        if recommendation.refer_outside:
            lines.append("  refer outside: " + ", ".join(recommendation.refer_outside))
        lines.append("  rules fired: " + (", ".join(recommendation.rules_fired) or "(none)"))
        lines.append("  explanation:")
        lines.extend(f"    {line}" for line in recommendation.explanation.splitlines())
        lines.extend(f"  expectation failed: {failure}" for failure in outcome.failures)
        lines.append("")
    lines.append(
        f"{result.failed} failed expectation(s) in {len(result.results)} case(s)"
        if result.failed
        else f"All expectations met in {len(result.results)} case(s)"
    )
    lines.append(json.dumps(result.to_dict(), ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """`spineclinic evaluate-pathways`: 0 when every expectation holds, 1 when one fails, 2
    when a file cannot be used."""
    parser = argparse.ArgumentParser(
        prog="spineclinic evaluate-pathways",
        description="Run pathway cases through the rules and report each recommendation.",
    )
    parser.add_argument("cases", help="YAML file of cases (see docs/pathways.md)")
    parser.add_argument("--rules", help="rule file to use instead of the default rules")
    parser.add_argument(
        "--available",
        help="comma-separated discipline codes the clinic offers (default: all); cases "
        "may set their own",
    )
    args = parser.parse_args(argv)
    available: frozenset[str] | None = None
    if args.available is not None:
        available = frozenset(code.strip() for code in args.available.split(",") if code.strip())
        unknown = sorted(available - DISCIPLINES.keys())
        if unknown:
            print(
                f"--available: unknown discipline(s) {', '.join(unknown)}; "
                f"disciplines: {', '.join(DISCIPLINES)}",
                file=sys.stderr,
            )
            return 2
    try:
        rules = load_rules(args.rules) if args.rules else default_rules()
        cases = load_cases(args.cases)
    except YamlFileError as error:
        print(error, file=sys.stderr)
        return 2
    result = run_cases(rules, cases, available)
    print(format_report(result))
    return 1 if result.failed else 0
