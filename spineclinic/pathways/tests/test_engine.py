"""The facts vocabulary and the engine: validation, condition semantics, how fired rules
combine into one recommendation, and properties that hold for any valid facts."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spineclinic.pathways.engine import Recommendation, Status, evaluate, holds
from spineclinic.pathways.facts import (
    FACTS,
    FactsError,
    FactSpec,
    FactType,
    Severity,
    validate_facts,
)
from spineclinic.pathways.rules import (
    DISCIPLINES,
    SURGICAL_DISCIPLINES,
    RuleSet,
    Urgency,
    default_rules,
    parse_rules,
)


def ruleset(*rules: str, review_urgency: str = "soon") -> RuleSet:
    """A rule set from short rules: `id | priority | urgency | condition | extra lines`."""
    body = []
    for text in rules:
        rule_id, priority, urgency, condition, *extra = (part.strip() for part in text.split("|"))
        body.append(
            f"  - id: {rule_id}\n"
            f"    title: Rule {rule_id}\n"
            f"    priority: {priority}\n"
            f"    conditions: {condition}\n"
            f"    urgency: {urgency}\n"
            f"    explanation: Because of {rule_id}.\n"
            f"    source: REFERENCE section 7\n"
            + "".join(f"    {line}\n" for line in extra if line)
        )
    return parse_rules(
        f'version: "unit-1"\nclinician_review:\n  urgency: {review_urgency}\n'
        "rules:\n" + "".join(body)
    )


def codes(recommendation: Recommendation) -> set[str]:
    return set(recommendation.discipline_codes)


# ---------------------------------------------------------------- facts


def test_it_lists_the_facts_vocabulary_with_types() -> None:
    assert {"red_flags", "sbst_risk", "odi_percent", "ndi_raw", "nrs_back", "nrs_leg"} <= set(FACTS)
    assert FACTS["red_flags"].allowed == (
        "cauda_equina",
        "neuro_deficit",
        "cancer",
        "infection",
        "fracture",
    )
    assert FACTS["nrs_leg"].describe_type() == "an integer from 0 to 10"
    assert FACTS["pain_duration_weeks"].unit == "weeks"
    assert FACTS["imaging_concordant"].type is FactType.BOOL_OR_UNKNOWN
    assert all(spec.description for spec in FACTS.values())


def test_it_accepts_valid_facts_and_normalises_lists() -> None:
    facts = validate_facts(
        {
            "red_flags": ["fracture", "cancer", "cancer"],
            "nrs_leg": 7,
            "odi_percent": 35.5,
            "imaging_concordant": "unknown",
            "sbst_risk": None,
        }
    )
    assert facts.values == {
        "red_flags": ("cancer", "fracture"),
        "nrs_leg": 7,
        "odi_percent": 35.5,
        "imaging_concordant": "unknown",
    }
    assert facts.problems == ()


def test_it_rejects_unknown_names_with_a_suggestion() -> None:
    with pytest.raises(FactsError) as caught:
        validate_facts({"nrs_legs": 3})
    assert str(caught.value) == "unknown fact 'nrs_legs' (did you mean 'nrs_leg'?)"
    assert caught.value.problems[0].facts == ("nrs_legs",)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("nrs_back", 11, "fact 'nrs_back': expected an integer from 0 to 10, got 11"),
        ("nrs_back", 7.5, "expected an integer from 0 to 10, got 7.5"),
        ("nrs_back", "7", "expected an integer from 0 to 10, got '7'"),
        ("nrs_back", True, "expected an integer from 0 to 10, got True"),
        ("odi_percent", float("nan"), "expected a number from 0 to 100, got nan"),
        ("pain_duration_weeks", -1, "expected a number of at least 0, got -1"),
        ("leg_dominant", "yes", "expected true or false, got 'yes'"),
        ("leg_dominant", 1, "expected true or false, got 1"),
        ("imaging_concordant", "maybe", 'expected true, false or "unknown"'),
        ("sbst_risk", "moderate", "expected one of low, medium, high, got 'moderate'"),
        ("red_flags", "cancer", "expected a list of values from cauda_equina"),
        ("red_flags", ["tumour"], "got ['tumour']"),
    ],
)
def test_it_rejects_wrong_types_with_clear_messages(name: str, value: object, message: str) -> None:
    with pytest.raises(FactsError) as caught:
        validate_facts({name: value})
    assert message in str(caught.value)


def test_it_reports_every_bad_fact_at_once() -> None:
    with pytest.raises(FactsError) as caught:
        validate_facts({"age": -3, "region": "lumbar", "nrs_leg": 4})
    assert [problem.facts for problem in caught.value.problems] == [("age",), ("region",)]


@pytest.mark.parametrize(
    ("facts", "severity", "message"),
    [
        (
            {"conservative_care_weeks": 10, "pain_duration_weeks": 4},
            Severity.ERROR,
            "conservative_care_weeks (10) is longer than pain_duration_weeks (4)",
        ),
        ({"leg_dominant": True, "nrs_leg": 0}, Severity.ERROR, "nrs_leg is 0"),
        ({"phq9_item9_positive": True, "phq9_total": 0}, Severity.ERROR, "phq9_total is 0"),
        (
            {"leg_dominant": True, "nrs_leg": 3, "nrs_back": 7},
            Severity.WARNING,
            "nrs_leg (3) is below nrs_back (7)",
        ),
        (
            {"leg_dominant": False, "nrs_leg": 8, "nrs_back": 2},
            Severity.WARNING,
            "nrs_leg (8) is above nrs_back (2)",
        ),
        ({"radicular_pain": True, "nrs_leg": 0}, Severity.WARNING, "every recorded limb"),
        ({"response_to_care": "improved"}, Severity.WARNING, "no weeks of conservative care"),
        (
            {"imaging_concordant": True, "radicular_pain": False},
            Severity.WARNING,
            "concordance is judged against radicular symptoms",
        ),
        ({"region": "neck", "odi_percent": 30}, Severity.WARNING, "ODI measures low back"),
        ({"region": "low_back", "ndi_raw": 12}, Severity.WARNING, "NDI measures neck"),
        (
            {"prior_treatments": ["chiropractic"]},
            Severity.WARNING,
            "prior_treatments lists chiropractic",
        ),
    ],
)
def test_it_reports_contradictions_without_raising(
    facts: dict[str, object], severity: Severity, message: str
) -> None:
    checked = validate_facts(facts)
    assert len(checked.problems) == 1
    assert checked.problems[0].severity is severity
    assert message in checked.problems[0].message


def test_it_does_not_count_unrecorded_facts_as_contradictions() -> None:
    assert validate_facts({"leg_dominant": True, "conservative_care_weeks": 8}).problems == ()
    assert validate_facts({"radicular_pain": True, "nrs_leg": 0, "nrs_arm": 6}).problems == ()


# ---------------------------------------------------------------- conditions


def condition(text: str) -> Any:
    return (
        parse_rules(
            'version: "c"\nrules:\n  - id: c\n    title: c\n    priority: 1\n    urgency: routine\n'
            "    explanation: c\n    source: c\n    conditions:\n"
            + textwrap.indent(textwrap.dedent(text), "      ")
        )
        .rules[0]
        .conditions
    )


@pytest.mark.parametrize(
    ("text", "facts", "expected"),
    [
        ("{fact: sbst_risk, eq: low}", {"sbst_risk": "low"}, True),
        ("{fact: sbst_risk, eq: low}", {}, False),
        ("{fact: sbst_risk, ne: low}", {}, False),  # not recorded satisfies no comparison
        ("{fact: sbst_risk, ne: low}", {"sbst_risk": "high"}, True),
        ("{not: {fact: sbst_risk, eq: low}}", {}, True),
        ("{absent: sbst_risk}", {}, True),
        ("{present: sbst_risk}", {"sbst_risk": "low"}, True),
        ("{fact: red_flags, eq: []}", {"red_flags": []}, True),
        ("{fact: red_flags, eq: []}", {}, False),
        ("{fact: red_flags, eq: [fracture, cancer]}", {"red_flags": ["cancer", "fracture"]}, True),
        ("{fact: red_flags, contains: cancer}", {"red_flags": ["cancer"]}, True),
        ("{fact: red_flags, contains: cancer}", {"red_flags": []}, False),
        ("{fact: response_to_care, in: [worse, improved]}", {"response_to_care": "worse"}, True),
        ("{fact: nrs_leg, ge: 5}", {"nrs_leg": 5}, True),
        ("{fact: nrs_leg, gt: 5}", {"nrs_leg": 5}, False),
        ("{fact: odi_percent, lt: 40.5}", {"odi_percent": 40}, True),
        ("{fact: odi_percent, le: 40}", {"odi_percent": 40.0}, True),
        ("{fact: imaging_concordant, eq: true}", {"imaging_concordant": "unknown"}, False),
        ("{fact: imaging_concordant, in: [true, false]}", {"imaging_concordant": False}, True),
        ("{any: [{fact: age, gt: 70}, {fact: age, lt: 18}]}", {"age": 12}, True),
        ("{all: [{fact: age, gt: 70}, {fact: nrs_back, ge: 5}]}", {"age": 80}, False),
    ],
)
def test_it_evaluates_conditions(text: str, facts: dict[str, object], expected: bool) -> None:
    assert holds(condition(text), validate_facts(facts).values) is expected


# ---------------------------------------------------------------- combining rules


def test_it_fires_rules_in_priority_order_and_explains_each() -> None:
    rules = ruleset(
        "second | 20 | soon | {present: age} | recommends: [physiatry]",
        "first | 10 | routine | {present: age} | recommends: [physical_therapy]",
        "silent | 15 | urgent | {absent: age} | recommends: [neurosurgery]",
    )
    result = evaluate(rules, {"age": 40})
    assert result.status is Status.RECOMMENDATION
    assert result.rules_fired == ("first", "second")
    assert [advice.code for advice in result.disciplines] == ["physical_therapy", "physiatry"]
    assert result.urgency is Urgency.SOON
    assert result.explanation.splitlines() == [
        "Rule first: Because of first. Source: REFERENCE section 7.",
        "Rule second: Because of second. Source: REFERENCE section 7.",
    ]
    assert result.rules_version == "unit-1"


def test_it_gives_each_discipline_the_urgency_of_its_most_urgent_rule() -> None:
    rules = ruleset(
        "a | 1 | routine | {present: age} | recommends: [physical_therapy]",
        "b | 2 | urgent | {present: age} | recommends: [physical_therapy, primary_care]",
    )
    result = evaluate(rules, {"age": 40})
    assert [(a.code, a.urgency, a.rule_ids) for a in result.disciplines] == [
        ("physical_therapy", Urgency.URGENT, ("a", "b")),
        ("primary_care", Urgency.URGENT, ("b",)),
    ]


def test_it_stops_at_a_stop_rule() -> None:
    rules = ruleset(
        "emergency | 1 | emergency | {present: age} | recommends: [neurosurgery] | stop: true",
        "later | 2 | routine | {present: age} | recommends: [physical_therapy]",
    )
    result = evaluate(rules, {"age": 40})
    assert result.rules_fired == ("emergency",)
    assert result.stopped_by == "emergency"
    assert codes(result) == {"neurosurgery"}
    assert "Evaluation stopped at rule emergency" in result.explanation


def test_it_answers_clinician_review_when_no_rule_matches() -> None:
    rules = ruleset("a | 1 | routine | {absent: age} | recommends: [physical_therapy]")
    result = evaluate(rules, {"age": 40})
    assert result.status is Status.CLINICIAN_REVIEW
    assert result.urgency is Urgency.SOON
    assert result.rules_fired == ()
    assert result.discipline_codes == ()
    assert result.review_reasons
    assert result.explanation.startswith("Clinician review needed: The pathway recommends no")


def test_it_answers_clinician_review_when_only_advice_rules_fire() -> None:
    rules = ruleset("advice | 1 | routine | {present: age}", review_urgency="urgent")
    result = evaluate(rules, {"age": 40})
    assert result.status is Status.CLINICIAN_REVIEW
    assert result.urgency is Urgency.URGENT
    assert result.rules_fired == ("advice",)


def test_it_offers_alternatives_as_a_choice() -> None:
    rules = ruleset(
        "low | 1 | routine | {present: age} | "
        "recommends_any_of: [chiropractic, [physical_therapy, pain_psychology]]"
    )
    result = evaluate(rules, {"age": 40})
    assert result.disciplines == ()
    (choice,) = result.choices
    assert [[a.code for a in option] for option in choice.options] == [
        ["chiropractic"],
        ["physical_therapy", "pain_psychology"],
    ]
    assert result.discipline_codes == ("chiropractic", "physical_therapy", "pain_psychology")


def test_it_merges_identical_choices_and_drops_choices_already_met() -> None:
    rules = ruleset(
        "a | 1 | routine | {present: age} | recommends_any_of: [physiatry, pain_medicine]",
        "b | 2 | soon | {present: age} | recommends_any_of: [pain_medicine, physiatry]",
        "c | 3 | routine | {present: age} | recommends: [physical_therapy]",
        "d | 4 | urgent | {present: age} | recommends_any_of: [physical_therapy, chiropractic]",
    )
    result = evaluate(rules, {"age": 40})
    (choice,) = result.choices
    assert (choice.rule_ids, choice.urgency) == (("a", "b"), Urgency.SOON)
    # d is met by c's physical therapy, which now carries d's urgency and id.
    (advice,) = result.disciplines
    assert (advice.code, advice.urgency, advice.rule_ids) == (
        "physical_therapy",
        Urgency.URGENT,
        ("c", "d"),
    )


def test_it_applies_exclusions_whatever_the_rule_order() -> None:
    rules = ruleset(
        "surgery | 1 | soon | {present: age} | recommends: [neurosurgery, physiatry]",
        "guard | 9 | routine | {present: age} | excludes: [neurosurgery]",
    )
    result = evaluate(rules, {"age": 40})
    assert codes(result) == {"physiatry"}
    assert [(e.code, e.rule_ids) for e in result.excluded] == [("neurosurgery", ("guard",))]


def test_it_turns_a_choice_left_with_one_option_into_a_requirement() -> None:
    rules = ruleset(
        "cancer | 1 | urgent | {present: age} | "
        "recommends_any_of: [primary_care, spine_surgery_ortho, neurosurgery]",
        "guard | 2 | routine | {present: age} | excludes: [spine_surgery_ortho, neurosurgery]",
    )
    result = evaluate(rules, {"age": 40})
    assert result.choices == ()
    assert [(a.code, a.urgency) for a in result.disciplines] == [("primary_care", Urgency.URGENT)]


def test_it_reviews_when_every_discipline_is_excluded() -> None:
    rules = ruleset(
        "surgery | 1 | soon | {present: age} | recommends: [neurosurgery]",
        "guard | 2 | routine | {present: age} | excludes: [neurosurgery]",
    )
    result = evaluate(rules, {"age": 40})
    assert result.status is Status.CLINICIAN_REVIEW
    assert result.discipline_codes == ()


def test_it_never_leaves_a_non_candidate_with_surgery_only() -> None:
    rules = ruleset(
        "surgery | 1 | soon | {present: age} | "
        "recommends_any_of: [neurosurgery, spine_surgery_ortho]"
    )
    result = evaluate(rules, {"age": 40, "not_surgical_candidate": True})
    assert result.status is Status.CLINICIAN_REVIEW
    assert "not a surgical candidate" in result.review_reasons[0]
    assert evaluate(rules, {"age": 40}).status is Status.RECOMMENDATION


def test_it_lets_an_emergency_reach_a_surgeon_despite_an_earlier_judgement() -> None:
    rules = ruleset("ces | 1 | emergency | {present: age} | recommends: [neurosurgery]")
    result = evaluate(rules, {"age": 40, "not_surgical_candidate": True})
    assert result.status is Status.RECOMMENDATION


def test_it_marks_disciplines_the_clinic_lacks_as_refer_outside() -> None:
    rules = ruleset(
        "a | 1 | routine | {present: age} | recommends: [physical_therapy, pain_psychology]",
        "b | 2 | routine | {present: age} | recommends_any_of: [physiatry, pain_medicine]",
    )
    result = evaluate(rules, {"age": 40}, {"physical_therapy", "physiatry"})
    assert result.refer_outside == ("pain_psychology", "pain_medicine")
    assert [a.refer_outside for a in result.disciplines] == [False, True]
    assert result.explanation.endswith(
        "Not offered by this clinic, refer outside: pain psychology, pain medicine."
    )
    assert evaluate(rules, {"age": 40}).refer_outside == ()
    assert evaluate(rules, {"age": 40}, set(DISCIPLINES)).refer_outside == ()


def test_it_refuses_unknown_available_disciplines() -> None:
    rules = ruleset("a | 1 | routine | {present: age} | recommends: [physical_therapy]")
    with pytest.raises(ValueError, match="physio"):
        evaluate(rules, {"age": 40}, {"physio"})


def test_it_refuses_facts_with_unknown_names() -> None:
    with pytest.raises(FactsError):
        evaluate(default_rules(), {"red_flag": []})


def test_it_reviews_contradictory_facts_but_still_reports_the_red_flag() -> None:
    result = evaluate(
        default_rules(),
        {"red_flags": ["neuro_deficit"], "conservative_care_weeks": 9, "pain_duration_weeks": 3},
    )
    assert result.status is Status.CLINICIAN_REVIEW
    assert result.urgency is Urgency.URGENT
    assert codes(result) == {"spine_surgery_ortho", "neurosurgery"}
    assert result.fact_problems[0].severity is Severity.ERROR
    assert "Check the facts (error)" in result.explanation


def test_it_serialises_to_json() -> None:
    result = evaluate(default_rules(), {"red_flags": [], "sbst_risk": "high"}, {"chiropractic"})
    data = json.loads(json.dumps(result.to_dict()))
    assert data["status"] == "recommendation"
    assert [d["code"] for d in data["disciplines"]] == ["physical_therapy", "pain_psychology"]
    assert data["refer_outside"] == ["physical_therapy", "pain_psychology"]
    assert data["rules_version"] == "2026.11-1"


# ---------------------------------------------------------------- properties


def value_strategy(spec: FactSpec) -> st.SearchStrategy[Any]:
    if spec.type is FactType.BOOL:
        return st.booleans()
    if spec.type is FactType.BOOL_OR_UNKNOWN:
        return st.sampled_from([True, False, "unknown"])
    if spec.type is FactType.CHOICE:
        return st.sampled_from(spec.allowed)
    if spec.type is FactType.CHOICES:
        return st.lists(st.sampled_from(spec.allowed), unique=True, max_size=4)
    low = int(spec.minimum or 0)
    high = int(spec.maximum if spec.maximum is not None else 120)
    if spec.type is FactType.INTEGER:
        return st.integers(low, high)
    return st.one_of(st.integers(low, high), st.floats(low, high, allow_nan=False))


def facts_strategy(**fixed: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Any combination of valid facts (possibly contradictory), some not recorded."""
    return st.fixed_dictionaries(
        {name: st.just(value) for name, value in fixed.items()},
        optional={
            name: st.one_of(value_strategy(spec), st.none())
            for name, spec in FACTS.items()
            if name not in fixed
        },
    )


available_strategy = st.one_of(st.none(), st.sets(st.sampled_from(list(DISCIPLINES))))


def surgical(recommendation: Recommendation) -> set[str]:
    return codes(recommendation) & SURGICAL_DISCIPLINES


@settings(max_examples=400, deadline=None)
@given(facts=facts_strategy(), available=available_strategy)
def test_it_always_answers_with_a_recommendation_or_a_clinician_review(
    facts: dict[str, Any], available: set[str] | None
) -> None:
    result = evaluate(default_rules(), facts, available)
    assert result.explanation
    if result.status is Status.RECOMMENDATION:
        assert result.discipline_codes
        assert not result.review_reasons
    else:
        assert result.status is Status.CLINICIAN_REVIEW
        assert result.review_reasons
        assert result.explanation.startswith("Clinician review needed")
    outside = set() if available is None else set(result.discipline_codes) - available
    assert set(result.refer_outside) == outside
    assert result.urgency.rank >= max((Urgency(r.urgency).rank for r in result.reasons), default=0)


@settings(max_examples=200, deadline=None)
@given(facts=facts_strategy(), available=available_strategy)
def test_it_is_deterministic(facts: dict[str, Any], available: set[str] | None) -> None:
    first = evaluate(default_rules(), facts, available)
    again = evaluate(default_rules(), dict(reversed(list(facts.items()))), available)
    assert first == again
    assert json.dumps(first.to_dict()) == json.dumps(again.to_dict())


@settings(max_examples=300, deadline=None)
@given(facts=facts_strategy(red_flags=[]))
def test_it_never_sends_pain_without_red_flags_or_radicular_pain_to_surgery(
    facts: dict[str, Any],
) -> None:
    if facts.get("radicular_pain") is not True:
        assert not surgical(evaluate(default_rules(), facts))


@settings(max_examples=300, deadline=None)
@given(
    facts=facts_strategy(not_surgical_candidate=True),
    flags=st.lists(st.sampled_from(["cancer", "infection", "fracture"]), unique=True),
)
def test_it_routes_a_non_candidate_to_a_non_surgical_discipline(
    facts: dict[str, Any], flags: list[str]
) -> None:
    facts["red_flags"] = flags
    result = evaluate(default_rules(), facts)
    assert not surgical(result)
    assert codes(result) - SURGICAL_DISCIPLINES
    if not validate_facts(facts).errors:
        assert result.status is Status.RECOMMENDATION


@settings(max_examples=200, deadline=None)
@given(facts=facts_strategy(red_flags=["cauda_equina"]))
def test_it_sends_cauda_equina_to_a_surgeon_today(facts: dict[str, Any]) -> None:
    result = evaluate(default_rules(), facts)
    assert result.urgency is Urgency.EMERGENCY
    assert surgical(result) == SURGICAL_DISCIPLINES
    assert result.stopped_by == "red-flag-cauda-equina"


@settings(max_examples=200, deadline=None)
@given(facts=facts_strategy(phq9_item9_positive=True))
def test_it_never_queues_a_positive_phq9_item9(facts: dict[str, Any]) -> None:
    result = evaluate(default_rules(), facts)
    assert result.urgency is Urgency.EMERGENCY
    assert result.rules_fired[0] == "phq9-item9-same-day-safety"
    assert any(
        a.code == "pain_psychology" and a.urgency is Urgency.EMERGENCY for a in result.disciplines
    )


@settings(max_examples=200, deadline=None)
@given(facts=facts_strategy(), flag=st.sampled_from(FACTS["red_flags"].allowed))
def test_it_treats_every_red_flag_as_at_least_urgent(facts: dict[str, Any], flag: str) -> None:
    facts["red_flags"] = [flag]
    result = evaluate(default_rules(), facts)
    assert result.urgency.rank >= Urgency.URGENT.rank
    assert result.discipline_codes


def test_it_gives_the_same_answer_for_equal_facts_in_any_form() -> None:
    as_lists: Mapping[str, object] = {"red_flags": ["fracture", "cancer"], "age": 80}
    as_tuple: Mapping[str, object] = {"age": 80, "red_flags": ("cancer", "fracture", "cancer")}
    assert evaluate(default_rules(), as_lists) == evaluate(default_rules(), as_tuple)


def test_it_documents_every_fact() -> None:
    docs = Path(__file__).parents[3] / "docs" / "pathways.md"
    text = docs.read_text(encoding="utf-8")
    for spec in FACTS.values():
        assert f"| `{spec.name}` | {spec.describe_type()} |" in text, spec.name
