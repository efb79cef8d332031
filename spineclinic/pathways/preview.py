"""The effect of edited rules on the sample cases, before anyone activates them.

The sample cases are the clinical vignettes the test suite holds the default rules to
(tests/vignettes.yaml); the preview runs them through the active rules and through the
edited ones with the same harness as `spineclinic evaluate-pathways`, and shows where the
two differ and which expectations the edited rules no longer meet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from spineclinic.pathways.engine import Recommendation, Status
from spineclinic.pathways.harness import Case, CaseResult, load_cases, run_cases
from spineclinic.pathways.rules import RuleSet as ParsedRules

SAMPLE_CASES = Path(__file__).parent / "tests" / "vignettes.yaml"


def summary(recommendation: Recommendation) -> str:
    """One line a clinician can compare at a glance: who, how soon."""
    parts = [advice.name for advice in recommendation.disciplines]
    for choice in recommendation.choices:
        options = [" + ".join(a.name for a in option) for option in choice.options]
        parts.append("one of " + " | ".join(options))
    who = "; ".join(parts) if parts else "no discipline"
    review = " (clinician review)" if recommendation.status is Status.CLINICIAN_REVIEW else ""
    return f"{who} · {recommendation.urgency.value}{review}"


@dataclass(frozen=True)
class CaseComparison:
    case: Case
    active: CaseResult
    edited: CaseResult

    @property
    def active_summary(self) -> str:
        return summary(self.active.recommendation)

    @property
    def edited_summary(self) -> str:
        return summary(self.edited.recommendation)

    @property
    def changed(self) -> bool:
        before, after = self.active.recommendation, self.edited.recommendation
        return (before.status, before.urgency, before.disciplines, before.choices) != (
            after.status,
            after.urgency,
            after.disciplines,
            after.choices,
        ) or before.rules_fired != after.rules_fired


@dataclass(frozen=True)
class Preview:
    active_version: str
    edited_version: str
    comparisons: tuple[CaseComparison, ...]

    @property
    def changed(self) -> int:
        return sum(1 for c in self.comparisons if c.changed)

    @property
    def failed(self) -> int:
        return sum(1 for c in self.comparisons if c.edited.passed is False)


def preview_rules(
    edited: ParsedRules, active: ParsedRules, cases: Sequence[Case] | None = None
) -> Preview:
    cases = load_cases(SAMPLE_CASES) if cases is None else cases
    before = run_cases(active, cases).results
    after = run_cases(edited, cases).results
    return Preview(
        active.version,
        edited.version,
        tuple(
            CaseComparison(case, old, new)
            for case, old, new in zip(cases, before, after, strict=True)
        ),
    )
