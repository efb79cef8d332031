"""The pathway engine: a rule set and a patient's facts in, a recommendation out.

Deterministic by construction: rules run in the rule set's fixed order, every collection
in the result keeps the order in which rules produced it, and nothing depends on time,
randomness or the order of keys in the facts. The same facts and rules always give the
same result, so a recommendation stored with its rules version can be reproduced.

The engine never answers with silence. Every result is either a recommendation naming at
least one discipline, or an explicit clinician review saying why (no rule matched, the
facts contradict each other, or a non-candidate for surgery was left with surgery only).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from spineclinic.pathways.facts import FactProblem, FactValue, validate_facts
from spineclinic.pathways.rules import (
    DISCIPLINES,
    SURGICAL_DISCIPLINES,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    Not,
    Presence,
    Rule,
    RuleSet,
    Urgency,
    most_urgent,
)


class Status(StrEnum):
    RECOMMENDATION = "recommendation"
    CLINICIAN_REVIEW = "clinician_review"


@dataclass(frozen=True)
class DisciplineAdvice:
    code: str
    urgency: Urgency
    # True when the clinic said which disciplines it has and this is not one of them: the
    # web layer links to the directory search for the discipline.
    refer_outside: bool
    rule_ids: tuple[str, ...]

    @property
    def name(self) -> str:
        return DISCIPLINES[self.code]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "urgency": self.urgency.value,
            "refer_outside": self.refer_outside,
            "rule_ids": list(self.rule_ids),
        }


@dataclass(frozen=True)
class Choice:
    """Exactly one option is needed; an option is disciplines seen together."""

    options: tuple[tuple[DisciplineAdvice, ...], ...]
    urgency: Urgency
    rule_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "options": [[advice.to_dict() for advice in option] for option in self.options],
            "urgency": self.urgency.value,
            "rule_ids": list(self.rule_ids),
        }


@dataclass(frozen=True)
class Exclusion:
    code: str
    rule_ids: tuple[str, ...]


@dataclass(frozen=True)
class Reason:
    """One fired rule's part of the explanation."""

    rule_id: str
    title: str
    explanation: str
    source: str
    urgency: Urgency


@dataclass(frozen=True)
class Recommendation:
    status: Status
    urgency: Urgency  # the highest among fired rules (and the review's, when reviewing)
    disciplines: tuple[DisciplineAdvice, ...]  # every one of these
    choices: tuple[Choice, ...]  # plus one option of each of these
    excluded: tuple[Exclusion, ...]
    rules_fired: tuple[str, ...]  # in evaluation order
    reasons: tuple[Reason, ...]
    review_reasons: tuple[str, ...]  # why a clinician must review; empty otherwise
    fact_problems: tuple[FactProblem, ...]
    explanation: str
    rules_version: str
    stopped_by: str | None = None

    @property
    def discipline_codes(self) -> tuple[str, ...]:
        """Every discipline named, required first, then the options', each once."""
        codes: dict[str, None] = {advice.code: None for advice in self.disciplines}
        for choice in self.choices:
            for option in choice.options:
                codes.update((advice.code, None) for advice in option)
        return tuple(codes)

    @property
    def refer_outside(self) -> tuple[str, ...]:
        outside: dict[str, None] = {a.code: None for a in self.disciplines if a.refer_outside}
        for choice in self.choices:
            for option in choice.options:
                outside.update((a.code, None) for a in option if a.refer_outside)
        return tuple(outside)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "urgency": self.urgency.value,
            "disciplines": [advice.to_dict() for advice in self.disciplines],
            "choices": [choice.to_dict() for choice in self.choices],
            "excluded": [
                {"code": exclusion.code, "rule_ids": list(exclusion.rule_ids)}
                for exclusion in self.excluded
            ],
            "refer_outside": list(self.refer_outside),
            "rules_fired": list(self.rules_fired),
            "stopped_by": self.stopped_by,
            "review_reasons": list(self.review_reasons),
            "fact_problems": [
                {
                    "severity": problem.severity.value,
                    "facts": list(problem.facts),
                    "message": problem.message,
                }
                for problem in self.fact_problems
            ],
            "explanation": self.explanation,
            "rules_version": self.rules_version,
        }


def holds(condition: Condition, facts: Mapping[str, FactValue]) -> bool:
    """Whether `condition` is true of validated facts; comparisons with no fact are false."""
    if isinstance(condition, AllOf):
        return all(holds(item, facts) for item in condition.conditions)
    if isinstance(condition, AnyOf):
        return any(holds(item, facts) for item in condition.conditions)
    if isinstance(condition, Not):
        return not holds(condition.condition, facts)
    if isinstance(condition, Presence):
        return (condition.fact in facts) == condition.present
    return _compare(condition, facts)


def _compare(comparison: Comparison, facts: Mapping[str, FactValue]) -> bool:
    if comparison.fact not in facts:
        # "Not recorded" satisfies no comparison, not even ne: a rule that must act on a
        # missing fact says so with absent.
        return False
    actual = facts[comparison.fact]
    expected = comparison.value
    op = comparison.op
    if op == "contains":
        return isinstance(actual, tuple) and expected in actual
    if op == "in":
        return isinstance(expected, tuple) and any(
            _same(actual, candidate) for candidate in expected
        )
    if isinstance(actual, tuple):  # a list fact against a set of values
        equal = frozenset(actual) == expected
        return equal if op == "eq" else not equal if op == "ne" else False
    if op == "eq":
        return _same(actual, expected)
    if op == "ne":
        return not _same(actual, expected)
    # The loader allows lt/le/gt/ge on numeric facts with numeric operands only.
    if isinstance(actual, bool | str) or isinstance(expected, bool | str | tuple | frozenset):
        return False
    if op == "lt":
        return actual < expected
    if op == "le":
        return actual <= expected
    if op == "gt":
        return actual > expected
    return actual >= expected


def _same(actual: object, expected: object) -> bool:
    # True == 1 in Python, but a yes/no fact never equals a number.
    return isinstance(actual, bool) == isinstance(expected, bool) and actual == expected


class _Collected:
    """Urgency and rule ids gathered for one discipline or choice, in firing order."""

    def __init__(self) -> None:
        self.urgency = Urgency.ROUTINE
        self.rule_ids: list[str] = []

    def add(self, rule: Rule) -> None:
        self.urgency = most_urgent((self.urgency, rule.urgency))
        if rule.id not in self.rule_ids:
            self.rule_ids.append(rule.id)


def evaluate(
    rules: RuleSet,
    facts: Mapping[str, object],
    available_disciplines: Set[str] | None = None,
) -> Recommendation:
    """Recommend disciplines for `facts` (raw, validated here: FactsError on bad names/types).

    `available_disciplines` is what the clinic offers; None means "assume everything", so
    nothing is marked refer outside. Unknown codes in it raise ValueError.
    """
    checked = validate_facts(facts)
    if available_disciplines is not None:
        unknown = sorted(set(available_disciplines) - DISCIPLINES.keys())
        if unknown:
            raise ValueError(f"unknown discipline codes in available_disciplines: {unknown}")

    fired: list[Rule] = []
    stopped_by: str | None = None
    for rule in rules.rules:
        if holds(rule.conditions, checked.values):
            fired.append(rule)
            if rule.stop:
                stopped_by = rule.id
                break

    # Exclusions apply to the whole result, whichever rule proposed the discipline, so
    # that a "never" in the rule file cannot be undone by the order of the rules.
    excluded: dict[str, _Collected] = {}
    for rule in fired:
        for code in rule.excludes:
            excluded.setdefault(code, _Collected()).add(rule)

    required: dict[str, _Collected] = {}
    pending_choices: list[tuple[Rule, list[tuple[str, ...]]]] = []
    for rule in fired:
        for code in rule.recommends:
            if code not in excluded:
                required.setdefault(code, _Collected()).add(rule)
        options = [
            option
            for option in rule.recommends_any_of
            if not any(code in excluded for code in option)
        ]
        if len(options) == 1:
            # Exclusions left one option: it is no longer a choice.
            for code in options[0]:
                required.setdefault(code, _Collected()).add(rule)
        elif options:
            pending_choices.append((rule, options))

    choices: dict[frozenset[frozenset[str]], tuple[list[tuple[str, ...]], _Collected]] = {}
    for rule, options in pending_choices:
        met = next((option for option in options if set(option) <= required.keys()), None)
        if met is not None:
            # Already covered by required disciplines: the rule backs them instead.
            for code in met:
                required[code].add(rule)
            continue
        key = frozenset(frozenset(option) for option in options)
        if key not in choices:
            choices[key] = (options, _Collected())
        choices[key][1].add(rule)

    def advice(code: str, collected: _Collected) -> DisciplineAdvice:
        outside = available_disciplines is not None and code not in available_disciplines
        return DisciplineAdvice(code, collected.urgency, outside, tuple(collected.rule_ids))

    disciplines = tuple(advice(code, collected) for code, collected in required.items())
    choice_results = tuple(
        Choice(
            options=tuple(tuple(advice(code, collected) for code in option) for option in options),
            urgency=collected.urgency,
            rule_ids=tuple(collected.rule_ids),
        )
        for options, collected in choices.values()
    )
    urgency = most_urgent(rule.urgency for rule in fired)

    review_reasons: list[str] = []
    if checked.errors:
        review_reasons.append(
            "The facts contradict each other; correct them before acting on this result."
        )
    named = set(required) | {code for key in choices for option in key for code in option}
    if not named:
        review_reasons.append(rules.clinician_review_explanation)
    elif (
        checked.values.get("not_surgical_candidate") is True
        and urgency is not Urgency.EMERGENCY
        and named <= SURGICAL_DISCIPLINES
    ):
        review_reasons.append(
            "A surgeon judged the patient not a surgical candidate, yet these rules name only "
            "surgical disciplines: a clinician chooses the non-surgical route (physiatry, "
            "pain medicine, or physical therapy with pain psychology)."
        )
    status = Status.CLINICIAN_REVIEW if review_reasons else Status.RECOMMENDATION
    if status is Status.CLINICIAN_REVIEW:
        urgency = most_urgent((urgency, rules.clinician_review_urgency))

    reasons = tuple(
        Reason(rule.id, rule.title, rule.explanation, rule.source, rule.urgency) for rule in fired
    )
    recommendation = Recommendation(
        status=status,
        urgency=urgency,
        disciplines=disciplines,
        choices=choice_results,
        excluded=tuple(Exclusion(code, tuple(c.rule_ids)) for code, c in excluded.items()),
        rules_fired=tuple(rule.id for rule in fired),
        reasons=reasons,
        review_reasons=tuple(review_reasons),
        fact_problems=checked.problems,
        explanation="",
        rules_version=rules.version,
        stopped_by=stopped_by,
    )
    return _with_explanation(recommendation)


def _with_explanation(recommendation: Recommendation) -> Recommendation:
    lines: list[str] = []
    if recommendation.review_reasons:
        lines.append("Clinician review needed: " + " ".join(recommendation.review_reasons))
    for reason in recommendation.reasons:
        lines.append(f"{reason.title}: {reason.explanation} Source: {reason.source}.")
    if recommendation.stopped_by is not None:
        lines.append(
            f"Evaluation stopped at rule {recommendation.stopped_by}: later rules do not "
            "apply until this is dealt with."
        )
    outside = recommendation.refer_outside
    if outside:
        lines.append(
            "Not offered by this clinic, refer outside: "
            + ", ".join(DISCIPLINES[code] for code in outside)
            + "."
        )
    for problem in recommendation.fact_problems:
        lines.append(f"Check the facts ({problem.severity.value}): {problem.message}.")
    return replace(recommendation, explanation="\n".join(lines))
