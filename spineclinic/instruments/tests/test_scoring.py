"""Scoring against every published example and edge case of REFERENCE sections 2-6b."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spineclinic.instruments.scoring import (
    NDI_SECTIONS,
    ODI_SECTIONS,
    PHQ9_ITEMS,
    RED_FLAG_AGE_MODIFIERS,
    RED_FLAG_ITEMS,
    SAFETY_ALERT,
    SAFETY_ITEM_UNANSWERED,
    SBST_ITEMS,
    InvalidAnswer,
    ndi_band,
    odi_band,
    phq9_band,
    round_half_up,
    score_ndi,
    score_nrs,
    score_odi,
    score_phq9,
    score_red_flags,
    score_sbst,
)


def sections(codes: tuple[str, ...], values: Sequence[int | None]) -> dict[str, int | None]:
    return dict(zip(codes, values, strict=True))


def sbst(*agreed: int, q9: int = 0) -> dict[str, int]:
    """SBST answers with the given items 1-8 agreed and item 9 answered ``q9``."""
    answers = {f"q{n}": int(n in agreed) for n in range(1, 9)}
    return answers | {"q9": q9}


def red_flags(*yes: str) -> dict[str, int]:
    return {code: int(code in yes) for code in RED_FLAG_ITEMS}


# ODI (REFERENCE 4)


def test_it_scores_the_published_odi_example_of_16_out_of_50() -> None:
    score = score_odi(sections(ODI_SECTIONS, [2, 2, 2, 2, 2, 2, 2, 1, 1, 0]))
    assert score.scoreable
    assert score.total == 16
    assert score.percent == 32
    assert score.percent_shown == Decimal("32.0")
    assert score.band == "moderate"
    assert score.scoring_version == "odi-1"


def test_it_keeps_16_out_of_45_exact_and_shows_35_6() -> None:
    score = score_odi(sections(ODI_SECTIONS, [2, 2, 2, 2, 2, 2, 2, None, 1, 1]))
    assert score.percent == Fraction(320, 9)  # 35.555...
    assert score.percent_shown == Decimal("35.6")
    assert str(score.percent_shown) == "35.6"
    assert score.missing == ("sex_life",)


def test_it_treats_an_absent_key_like_an_unanswered_section() -> None:
    answers = sections(ODI_SECTIONS, [2, 2, 2, 2, 2, 2, 2, 1, 1, 0])
    del answers["sex_life"]
    assert score_odi(answers).percent == Fraction(15 * 100, 45)


def test_it_refuses_to_score_an_odi_with_no_answers_rather_than_say_0() -> None:
    for answers in ({}, dict.fromkeys(ODI_SECTIONS)):
        score = score_odi(answers)
        assert not score.scoreable
        assert score.total is None
        assert score.percent is None
        assert score.band is None
        assert score.reason == "no section answered"


def test_it_scores_an_odi_with_2_sections_missing_over_40() -> None:
    score = score_odi(sections(ODI_SECTIONS, [3, 3, 3, 3, 3, 3, 3, 3, None, None]))
    assert score.percent == Fraction(24 * 100, 40)
    assert score.band == "severe"


def test_it_refuses_an_odi_with_3_sections_missing() -> None:
    score = score_odi(sections(ODI_SECTIONS, [3, 3, 3, 3, 3, 3, 3, None, None, None]))
    assert not score.scoreable
    assert "3 unanswered" in score.reason
    assert "at most 2" in score.reason
    assert score.missing == ("sex_life", "social_life", "travelling")


@pytest.mark.parametrize(
    ("percent", "band"),
    [
        (Fraction(0), "minimal"),
        (Fraction(20), "minimal"),
        (Fraction(2001, 100), "moderate"),  # 20.01
        (Fraction(41, 2), "moderate"),  # 20.5
        (Fraction(40), "moderate"),
        (Fraction(81, 2), "severe"),  # 40.5
        (Fraction(60), "severe"),
        (Fraction(121, 2), "crippled"),  # 60.5
        (Fraction(80), "crippled"),
        (Fraction(161, 2), "bed_bound"),  # 80.5
        (Fraction(100), "bed_bound"),
    ],
)
def test_it_bands_odi_on_the_exact_percent_with_upper_bounds_inclusive(
    percent: Fraction, band: str
) -> None:
    assert odi_band(percent) == band


def test_it_bands_reachable_odi_scores_at_the_edges() -> None:
    at_20 = score_odi(sections(ODI_SECTIONS, [1] * 10))
    above_20 = score_odi(sections(ODI_SECTIONS, [*[1] * 8, 2, None]))  # 10/45 = 22.2
    at_40 = score_odi(sections(ODI_SECTIONS, [2] * 9 + [None]))  # 18/45
    assert (at_20.percent, at_20.band) == (20, "minimal")
    assert (above_20.percent_shown, above_20.band) == (Decimal("22.2"), "moderate")
    assert (at_40.percent, at_40.band) == (40, "moderate")
    assert score_odi(sections(ODI_SECTIONS, [5] * 10)).band == "bed_bound"


# NDI (REFERENCE 5)


def test_it_scores_a_complete_ndi_raw_and_percent() -> None:
    score = score_ndi(sections(NDI_SECTIONS, [2, 2, 2, 2, 2, 2, 2, 1, 1, 0]))
    assert score.total == 16
    assert score.percent == 32
    assert score.band == "moderate"
    assert score.scoring_version == "ndi-1"


def test_it_replaces_a_missing_ndi_section_by_the_mean_of_the_answered() -> None:
    score = score_ndi(sections(NDI_SECTIONS, [2, 2, 2, 2, 2, 2, 2, None, 3, 1]))
    # 18 over 9 sections, mean 2, so the raw score is 18 + 2 = 20.
    assert score.total == 20
    assert score.percent == 40
    assert score.missing == ("driving",)


def test_it_keeps_a_fractional_imputed_ndi_score_exact_and_bands_it_explicitly() -> None:
    score = score_ndi(sections(NDI_SECTIONS, [1, 1, 1, 1, 0, 0, 0, None, 0, 0]))
    assert score.total == Fraction(40, 9)  # 4 + 4/9
    assert score.total_shown == Decimal("4.4")
    assert score.percent_shown == Decimal("8.9")
    assert score.band == "mild"  # above the inclusive bound of "none" (4)


def test_it_imputes_two_missing_ndi_sections() -> None:
    score = score_ndi(sections(NDI_SECTIONS, [3, 3, 3, 3, 3, 3, 3, None, None, 4]))
    assert score.total == Fraction(25 * 10, 8)  # 31.25
    assert score.total_shown == Decimal("31.3")  # half up
    assert score.band == "severe"


def test_it_refuses_an_ndi_with_3_sections_missing_or_none_answered() -> None:
    three = score_ndi(sections(NDI_SECTIONS, [3, 3, 3, 3, 3, 3, 3, None, None, None]))
    assert not three.scoreable
    assert "at most 2" in three.reason
    assert not score_ndi({}).scoreable
    assert score_ndi({}).total is None


@pytest.mark.parametrize(
    ("raw", "band"),
    [
        (Fraction(0), "none"),
        (Fraction(4), "none"),
        (Fraction(9, 2), "mild"),  # 4.5
        (Fraction(5), "mild"),
        (Fraction(14), "mild"),
        (Fraction(29, 2), "moderate"),
        (Fraction(24), "moderate"),
        (Fraction(49, 2), "severe"),
        (Fraction(34), "severe"),
        (Fraction(69, 2), "complete"),
        (Fraction(35), "complete"),
        (Fraction(50), "complete"),
    ],
)
def test_it_bands_ndi_on_the_exact_raw_score(raw: Fraction, band: str) -> None:
    assert ndi_band(raw) == band


# STarT Back (REFERENCE 3)


def test_it_rates_sbst_total_3_low_even_with_a_distress_subscale_of_3() -> None:
    score = score_sbst(sbst(5, 6, 7))
    assert (score.total, score.subscores["distress"], score.band) == (3, 3, "low")


def test_it_rates_sbst_total_4_with_subscale_3_medium() -> None:
    score = score_sbst(sbst(1, 5, 6, 7))
    assert (score.total, score.subscores["distress"], score.band) == (4, 3, "medium")


def test_it_rates_sbst_total_4_with_subscale_4_high() -> None:
    score = score_sbst(sbst(5, 6, 7, 8))
    assert (score.total, score.subscores["distress"], score.band) == (4, 4, "high")


@pytest.mark.parametrize(("q9", "points"), [(0, 0), (1, 0), (2, 0), (3, 1), (4, 1)])
def test_it_counts_sbst_item_9_only_for_very_much_or_extremely(q9: int, points: int) -> None:
    score = score_sbst(sbst(1, 2, 3, q9=q9))
    assert score.total == 3 + points
    assert score.subscores["distress"] == points


def test_it_rates_item_9_the_deciding_point_between_low_and_high() -> None:
    assert score_sbst(sbst(5, 6, 7, q9=2)).band == "low"
    assert score_sbst(sbst(5, 6, 7, q9=3)).band == "high"


def test_it_scores_the_sbst_maximum() -> None:
    score = score_sbst(sbst(1, 2, 3, 4, 5, 6, 7, 8, q9=4))
    assert (score.total, score.subscores["distress"], score.band) == (9, 5, "high")


def test_it_refuses_an_sbst_with_a_missing_item() -> None:
    answers: dict[str, int | None] = {**sbst(5, 6, 7, 8), "q3": None}
    score = score_sbst(answers)
    assert not score.scoreable
    assert score.band is None
    assert score.missing == ("q3",)


# PHQ-9 (REFERENCE 6b)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_it_bands_phq9_totals(total: int, band: str) -> None:
    answers, remaining = {}, total
    for code in PHQ9_ITEMS:  # fill from item 1 so item 9 stays 0 up to a total of 24
        answers[code] = min(3, remaining)
        remaining -= answers[code]
    score = score_phq9(answers)
    assert score.total == total
    assert score.band == band
    assert phq9_band(Fraction(total)) == band


def test_it_raises_the_phq9_safety_alert_on_item_9_whatever_the_total() -> None:
    score = score_phq9(dict.fromkeys(PHQ9_ITEMS, 0) | {"q9": 1})
    assert score.total == 1
    assert score.band == "minimal"
    assert score.flags == (SAFETY_ALERT,)


def test_it_raises_the_safety_alert_even_when_other_items_are_missing() -> None:
    score = score_phq9({"q9": 2})
    assert not score.scoreable
    assert SAFETY_ALERT in score.flags


def test_it_raises_no_alert_when_item_9_is_0() -> None:
    score = score_phq9(dict.fromkeys(PHQ9_ITEMS, 3) | {"q9": 0})
    assert score.total == 24
    assert score.flags == ()


def test_it_flags_an_unanswered_item_9_without_calling_it_an_alert() -> None:
    score = score_phq9(dict.fromkeys(PHQ9_ITEMS[:8], 0))
    assert not score.scoreable
    assert score.flags == (SAFETY_ITEM_UNANSWERED,)


# NRS (REFERENCE 6)


def test_it_reports_back_and_leg_pain_separately() -> None:
    score = score_nrs({"back_pain": 7, "leg_pain": 0})
    assert score.scoreable
    assert dict(score.subscores) == {"back_pain": 7, "leg_pain": 0}
    assert score.total is None


def test_it_scores_an_nrs_with_one_rating_and_names_the_other_missing() -> None:
    score = score_nrs({"back_pain": 10})
    assert score.scoreable
    assert dict(score.subscores) == {"back_pain": 10}
    assert score.missing == ("leg_pain",)
    assert not score_nrs({}).scoreable


# Red flags (REFERENCE 2)


def test_it_reports_a_complete_negative_red_flag_screen() -> None:
    score = score_red_flags(red_flags())
    assert score.scoreable
    assert score.band == "none"
    assert score.flags == ()


@pytest.mark.parametrize(
    "item",
    [code for code, cause in RED_FLAG_ITEMS.items() if cause == "cauda_equina"],
)
def test_it_makes_any_cauda_equina_feature_an_emergency(item: str) -> None:
    score = score_red_flags(red_flags(item))
    assert score.band == "emergency"
    assert score.flags == ("cauda_equina",)


@pytest.mark.parametrize(
    ("item", "cause"),
    [
        ("neuro_foot_drop", "neuro_deficit"),
        ("cancer_weight_loss", "cancer"),
        ("infection_iv_drug_use", "infection"),
        ("fracture_corticosteroids", "fracture"),
    ],
)
def test_it_makes_other_red_flags_urgent(item: str, cause: str) -> None:
    score = score_red_flags(red_flags(item))
    assert score.band == "urgent"
    assert score.flags == (cause,)
    assert score.subscores[cause] == 1


def test_it_lists_every_positive_cause_and_the_highest_action() -> None:
    score = score_red_flags(
        red_flags("fracture_trauma", "ces_saddle_anaesthesia", "cancer_history")
    )
    assert score.band == "emergency"
    assert score.flags == ("cauda_equina", "cancer", "fracture")


def test_it_never_calls_an_incomplete_red_flag_screen_negative() -> None:
    answers: dict[str, int | None] = {**red_flags(), "ces_bladder": None}
    score = score_red_flags(answers)
    assert not score.scoreable
    assert score.band is None
    assert "ces_bladder" in score.reason


def test_it_keeps_an_emergency_found_in_an_incomplete_screen() -> None:
    score = score_red_flags({"ces_bowel": 1})
    assert not score.scoreable
    assert score.band == "emergency"
    assert score.flags == ("cauda_equina",)


# Bad answers


@pytest.mark.parametrize(
    ("scorer", "item", "value"),
    [
        (score_odi, "lifting", 6),
        (score_odi, "lifting", -1),
        (score_odi, "lifting", "3"),
        (score_odi, "lifting", 3.0),
        (score_odi, "lifting", True),
        (score_odi, "lifting", Decimal(3)),
        (score_ndi, "driving", 7),
        (score_sbst, "q1", 2),
        (score_sbst, "q9", 5),
        (score_sbst, "q9", "Very much"),
        (score_phq9, "q9", 4),
        (score_nrs, "leg_pain", 11),
        (score_nrs, "back_pain", 7.5),
        (score_red_flags, "ces_bladder", 2),
        (score_red_flags, "ces_bladder", "yes"),
    ],
)
def test_it_refuses_a_bad_answer_naming_the_item(scorer: Any, item: str, value: object) -> None:
    with pytest.raises(InvalidAnswer, match=item) as caught:
        scorer({item: value})
    assert caught.value.item == item


def test_it_refuses_an_unknown_item_code_instead_of_reading_it_as_unanswered() -> None:
    with pytest.raises(InvalidAnswer, match="Q5"):
        score_sbst({**sbst(1, 2, 3), "Q5": 1})


def test_it_refuses_answers_that_are_not_a_mapping() -> None:
    with pytest.raises(TypeError, match="mapping"):
        score_odi([2, 2, 2])  # type: ignore[arg-type]


# Rounding and the result object


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (Fraction(711, 20), 1, "35.6"),  # 35.55: half up, not half even
        (Fraction(129, 4), 1, "32.3"),  # 32.25
        (Fraction(1, 20), 1, "0.1"),
        (Fraction(320, 9), 1, "35.6"),
        (Fraction(32), 1, "32.0"),
        (Fraction(5, 2), 0, "3"),
        (Fraction(1, 3), 2, "0.33"),
    ],
)
def test_it_rounds_half_up_for_display(value: Fraction, places: int, shown: str) -> None:
    assert str(round_half_up(value, places)) == shown


def test_it_returns_an_immutable_score() -> None:
    score = score_sbst(sbst(5, 6, 7, 8))
    with pytest.raises(dataclasses.FrozenInstanceError):
        score.band = "low"  # type: ignore[misc]
    with pytest.raises(TypeError):
        score.subscores["distress"] = 0  # type: ignore[index]


# Properties: scores stay in range; missing answers never crash


def answer_sets(codes: tuple[str, ...], top: int) -> st.SearchStrategy[dict[str, int | None]]:
    """Any subset of the items, each answered in range, left None, or absent."""
    value = st.one_of(st.none(), st.integers(0, top))
    return st.fixed_dictionaries({}, optional=dict.fromkeys(codes, value))


@given(answer_sets(ODI_SECTIONS, 5))
def test_it_keeps_odi_in_range_or_says_why_not(answers: dict[str, int | None]) -> None:
    score = score_odi(answers)
    answered = [v for v in answers.values() if v is not None]
    if score.scoreable:
        assert score.percent is not None
        assert 0 <= score.percent <= 100
        assert score.percent == Fraction(sum(answered) * 100, 5 * len(answered))
        assert score.band == odi_band(score.percent)
    else:
        assert len(answered) < 8
        assert score.reason


@given(answer_sets(NDI_SECTIONS, 5))
def test_it_keeps_ndi_in_range_or_says_why_not(answers: dict[str, int | None]) -> None:
    score = score_ndi(answers)
    answered = [v for v in answers.values() if v is not None]
    if score.scoreable:
        assert score.total is not None
        assert min(answered) * 10 <= score.total <= max(answered) * 10
        assert 0 <= score.total <= 50
        assert score.percent == score.total * 2
    else:
        assert len(answered) < 8
        assert score.reason


@given(
    st.fixed_dictionaries(
        {},
        optional={code: st.one_of(st.none(), st.integers(0, 1)) for code in SBST_ITEMS[:8]}
        | {"q9": st.one_of(st.none(), st.integers(0, 4))},
    )
)
def test_it_keeps_sbst_in_range_or_says_why_not(answers: dict[str, int | None]) -> None:
    score = score_sbst(answers)
    if score.scoreable:
        assert score.total is not None
        assert 0 <= score.total <= 9
        assert 0 <= score.subscores["distress"] <= 5
        assert score.subscores["distress"] <= score.total
        assert score.band in {"low", "medium", "high"}
        assert (score.band == "low") == (score.total <= 3)
    else:
        assert score.missing


@given(answer_sets(PHQ9_ITEMS, 3))
def test_it_keeps_phq9_in_range_and_never_misses_item_9(answers: dict[str, int | None]) -> None:
    score = score_phq9(answers)
    assert (SAFETY_ALERT in score.flags) == ((answers.get("q9") or 0) > 0)
    if score.scoreable:
        assert score.total is not None
        assert 0 <= score.total <= 27


@given(answer_sets(("back_pain", "leg_pain"), 10))
def test_it_keeps_nrs_in_range(answers: dict[str, int | None]) -> None:
    score = score_nrs(answers)
    assert all(0 <= value <= 10 for value in score.subscores.values())
    assert score.scoreable == bool(score.subscores)


@given(answer_sets(tuple(RED_FLAG_ITEMS), 1))
def test_it_never_misses_a_cauda_equina_answer(answers: dict[str, int | None]) -> None:
    score = score_red_flags(answers)
    ces = any(answers.get(code) for code, c in RED_FLAG_ITEMS.items() if c == "cauda_equina")
    assert (score.band == "emergency") == ces
    if any(answers.get(code) for code in RED_FLAG_ITEMS if code not in RED_FLAG_AGE_MODIFIERS):
        assert score.band in {"emergency", "urgent"}


def test_it_does_not_make_age_alone_a_red_flag() -> None:
    answers = dict.fromkeys(RED_FLAG_ITEMS, 0)
    alone = score_red_flags({**answers, "cancer_age_over_50": 1, "fracture_age_over_70": 1})
    assert alone.band == "none" and alone.flags == ()
    with_feature = score_red_flags({**answers, "cancer_age_over_50": 1, "cancer_weight_loss": 1})
    assert with_feature.band == "urgent" and with_feature.flags == ("cancer",)
    assert with_feature.subscores["cancer"] == 2
    assert with_feature.scoring_version == "red_flags-2"


@given(
    st.sampled_from(ODI_SECTIONS),
    st.one_of(
        st.integers().filter(lambda n: not 0 <= n <= 5),
        st.text(),
        st.floats(allow_nan=True),
        st.booleans(),
    ),
)
def test_it_refuses_any_out_of_range_or_non_integer_odi_answer(item: str, value: object) -> None:
    with pytest.raises(InvalidAnswer, match=item):
        score_odi({item: value})
