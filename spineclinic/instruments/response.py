"""Did the patient respond? Compares a baseline and a follow-up score against the
important-change thresholds of REFERENCE sections 4-6.

Rules:

* Lower is better for every measure here (ODI, NDI, pain NRS).
* A change is important when it reaches EITHER threshold: the absolute one (``points``)
  OR the relative one (``fraction_of_baseline`` x the baseline score). Both bounds are
  inclusive: ODI 50 -> 40 (10 points) and ODI 30 -> 21 (30% of 30) are both improvements.
* The same thresholds apply in both directions: a rise that reaches either one is
  ``worse``. The relative threshold is always a fraction of the baseline and is ignored
  when the baseline is 0 (30% of nothing would make any rise "important").
* If either score is missing or not scoreable (or an NRS lacks the rating compared), the
  result is ``unknown``: a pathway must ask again, not read it as "no change". Wrong
  input (an unknown measure, another instrument's score, a value outside the scale) raises
  ``ValueError``.

Measures: ``odi`` compares the percent (0-100), ``ndi`` the raw score (0-50, the unit of
the author's 5-point threshold), ``nrs_back`` / ``nrs_leg`` one pain rating (0-10).
Thresholds are defaults: pass ``thresholds={"ndi": ImportantChange(Decimal("13.4"))}`` to
use a surgical cohort's NDI threshold; measures not passed keep their default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType

from spineclinic.instruments.scoring import Score


class Response(StrEnum):
    IMPROVED = "improved"
    NO_IMPORTANT_CHANGE = "no_important_change"
    WORSE = "worse"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ImportantChange:
    """``points`` in the measure's own unit; ``fraction_of_baseline`` 0.3 = 30%, or None
    when only the absolute threshold applies. Decimals, not floats: 0.3 must be exact."""

    points: Decimal | int
    fraction_of_baseline: Decimal | int | None = None
    source: str = ""

    def __post_init__(self) -> None:
        for name in ("points", "fraction_of_baseline"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Decimal | int):
                raise TypeError(f"{name} must be a Decimal or int, got {value!r}")
        if not self.points > 0:
            raise ValueError(f"points must be above 0, got {self.points}")
        fraction = self.fraction_of_baseline
        if fraction is not None and not 0 < fraction <= 1:
            raise ValueError(f"fraction_of_baseline must be in (0, 1], got {fraction}")


DEFAULT_THRESHOLDS: Mapping[str, ImportantChange] = MappingProxyType(
    {
        # REFERENCE 4: Ostelo et al., Spine 2008.
        "odi": ImportantChange(Decimal(10), Decimal("0.3"), "Ostelo et al., Spine 2008"),
        # REFERENCE 5: the author's 5 raw points; surgical cohorts use up to 13.4.
        "ndi": ImportantChange(Decimal(5), None, "Vernon (author)"),
        # REFERENCE 6: Farrar et al., Pain 2001; Ostelo 2008.
        "nrs_back": ImportantChange(Decimal(2), Decimal("0.3"), "Farrar et al., Pain 2001"),
        "nrs_leg": ImportantChange(Decimal(2), Decimal("0.3"), "Farrar et al., Pain 2001"),
    }
)


@dataclass(frozen=True)
class Measure:
    instrument: str
    maximum: int
    read: Callable[[Score], Fraction | None]


def _nrs(item: str) -> Callable[[Score], Fraction | None]:
    def read(score: Score) -> Fraction | None:
        value = score.subscores.get(item)
        return None if value is None else Fraction(value)

    return read


MEASURES: Mapping[str, Measure] = MappingProxyType(
    {
        "odi": Measure("odi", 100, lambda score: score.percent),
        "ndi": Measure("ndi", 50, lambda score: score.total),
        "nrs_back": Measure("nrs", 10, _nrs("back_pain")),
        "nrs_leg": Measure("nrs", 10, _nrs("leg_pain")),
    }
)

ScoreInput = Score | Fraction | Decimal | int | None


def _value(measure_code: str, measure: Measure, given: ScoreInput) -> Fraction | None:
    if given is None:
        return None
    if isinstance(given, Score):
        if given.instrument != measure.instrument:
            raise ValueError(f"{measure_code} needs a {measure.instrument} score, got {given}")
        if not given.scoreable:
            return None
        value = measure.read(given)
    elif isinstance(given, Fraction | Decimal | int) and not isinstance(given, bool):
        if isinstance(given, Decimal) and not given.is_finite():
            raise ValueError(f"{measure_code}: {given} is not a score")
        value = Fraction(given)
    else:
        raise ValueError(
            f"{measure_code}: expected a Score or an exact number, got {given!r} "
            "(floats are refused: 35.6 is not exact in binary)"
        )
    if value is not None and not 0 <= value <= measure.maximum:
        raise ValueError(f"{measure_code}: {float(value):g} is outside 0-{measure.maximum}")
    return value


def _important(change: Fraction, baseline: Fraction, threshold: ImportantChange) -> bool:
    if change >= Fraction(threshold.points):
        return True
    fraction = threshold.fraction_of_baseline
    return fraction is not None and baseline > 0 and change >= Fraction(fraction) * baseline


def classify_response(
    instrument: str,
    before: ScoreInput,
    after: ScoreInput,
    thresholds: Mapping[str, ImportantChange] | None = None,
) -> Response:
    """``instrument`` is a measure code (odi, ndi, nrs_back, nrs_leg); ``before`` and
    ``after`` are Scores or exact numbers in the measure's unit (ODI percent, NDI raw)."""
    measure = MEASURES.get(instrument)
    if measure is None:
        raise ValueError(f"unknown measure {instrument!r} (expected {', '.join(MEASURES)})")
    threshold = {**DEFAULT_THRESHOLDS, **(thresholds or {})}[instrument]
    baseline = _value(instrument, measure, before)
    follow_up = _value(instrument, measure, after)
    if baseline is None or follow_up is None:
        return Response.UNKNOWN
    change = baseline - follow_up  # lower is better, so a fall is an improvement
    if change > 0 and _important(change, baseline, threshold):
        return Response.IMPROVED
    if change < 0 and _important(-change, baseline, threshold):
        return Response.WORSE
    return Response.NO_IMPORTANT_CHANGE
