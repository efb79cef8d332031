"""Exact scoring of the clinic's questionnaires: pure functions over plain answers.

``answers`` is a mapping of item code -> integer answer (the option values of the
instrument definition); ``None`` or an absent key means unanswered. An answer that is not
an integer, is out of range, or names an unknown item raises ``InvalidAnswer`` naming
the item: a bad answer must never turn into a plausible but wrong number.

Arithmetic is exact (``fractions.Fraction``): 16/45 of the ODI is kept as 320/9, and
bands are decided on that exact value. Rounding happens only for display, half up
(``round_half_up``): ODI 16/45 -> 35.6.

Each result carries ``scoring_version`` (e.g. ``odi-1``). Store it with the raw answers
and the score; change it whenever a rule here changes (missing-item limit, band edges),
so old scores stay explainable.

Rules this module chooses and documents (REFERENCE leaves them open):

* ODI: up to ``ODI_MAX_MISSING`` = 2 of 10 sections may be unanswered; each removes 5
  from the denominator (REFERENCE 4). 3 or more missing, or none answered -> not
  scoreable (never 0).
* ODI bands on the exact percent, each published upper bound inclusive:
  <= 20 minimal, > 20 and <= 40 moderate, > 40 and <= 60 severe, > 60 and <= 80 crippled,
  > 80 bed-bound. So 20.0 is minimal, 20.5 moderate, 40.0 moderate, 40.5 severe.
* NDI: up to ``NDI_MAX_MISSING`` = 2 of 10 sections may be unanswered; each is replaced by
  the mean of the answered sections (REFERENCE 5), so raw = sum x 10 / answered, exact.
* NDI bands on the exact (possibly imputed, fractional) raw score, each published upper
  bound inclusive: <= 4 none, > 4 and <= 14 mild, > 14 and <= 24 moderate,
  > 24 and <= 34 severe, > 34 complete. So 4.44 (40/9) is mild, 34.0 severe.
* SBST and PHQ-9: every item is needed for a total; a missing item -> not scoreable.
  PHQ-9's safety alert is still raised from whatever item 9 says.
* Red flags: an incomplete screen is never reported as negative (not scoreable), but any
  "yes" still sets its cause and action, so a blank elsewhere cannot hide an emergency.
* NRS: back and leg pain are separate single-item scales; the result is scoreable when
  at least one is answered, and ``subscores`` holds the answered ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any

Answers = Mapping[str, Any]

ODI_MAX_MISSING = 2
NDI_MAX_MISSING = 2

# REFERENCE section 4 (Fairbank & Pynsent 2000): ten sections, each 0-5.
ODI_SECTIONS = (
    "pain_intensity",
    "personal_care",
    "lifting",
    "walking",
    "sitting",
    "standing",
    "sleeping",
    "sex_life",
    "social_life",
    "travelling",
)
# REFERENCE section 5 (Vernon & Mior 1991): ten sections, each 0-5.
NDI_SECTIONS = (
    "pain_intensity",
    "personal_care",
    "lifting",
    "reading",
    "headaches",
    "concentration",
    "work",
    "driving",
    "sleeping",
    "recreation",
)
SBST_ITEMS = tuple(f"q{n}" for n in range(1, 10))
SBST_DISTRESS_ITEMS = ("q5", "q6", "q7", "q8", "q9")  # REFERENCE 3: subscale = items 5-9
PHQ9_ITEMS = tuple(f"q{n}" for n in range(1, 10))
NRS_ITEMS = ("back_pain", "leg_pain")

# REFERENCE section 2: each checklist item and the cause it suggests.
RED_FLAG_ITEMS: Mapping[str, str] = MappingProxyType(
    {
        "ces_bladder": "cauda_equina",
        "ces_bowel": "cauda_equina",
        "ces_saddle_anaesthesia": "cauda_equina",
        "ces_bilateral_sciatica": "cauda_equina",
        "ces_multilevel_motor_deficit": "cauda_equina",
        "neuro_progressive_weakness": "neuro_deficit",
        "neuro_foot_drop": "neuro_deficit",
        "cancer_history": "cancer",
        "cancer_weight_loss": "cancer",
        "cancer_age_over_50": "cancer",
        "cancer_no_improvement": "cancer",
        "infection_fever": "infection",
        "infection_iv_drug_use": "infection",
        "infection_recent": "infection",
        "infection_immunosuppression": "infection",
        "fracture_trauma": "fracture",
        "fracture_osteoporosis": "fracture",
        "fracture_corticosteroids": "fracture",
        "fracture_age_over_70": "fracture",
    }
)
RED_FLAG_CAUSES = ("cauda_equina", "neuro_deficit", "cancer", "infection", "fracture")
# REFERENCE section 2, "action" column: cauda equina is same-day, everything else urgent.
RED_FLAG_ACTIONS: Mapping[str, str] = MappingProxyType(
    {
        "cauda_equina": "emergency",
        "neuro_deficit": "urgent",
        "cancer": "urgent",
        "infection": "urgent",
        "fracture": "urgent",
    }
)
EMERGENCY, URGENT, NO_RED_FLAG = "emergency", "urgent", "none"

SAFETY_ALERT = "safety_alert"
SAFETY_ITEM_UNANSWERED = "safety_item_unanswered"

# Bands as (inclusive upper bound, band) in rising order; above the last bound -> the
# final band. REFERENCE 4 (ODI percent), 5 (NDI raw), 6b (PHQ-9 total).
ODI_BANDS = ((20, "minimal"), (40, "moderate"), (60, "severe"), (80, "crippled"))
ODI_TOP_BAND = "bed_bound"
NDI_BANDS = ((4, "none"), (14, "mild"), (24, "moderate"), (34, "severe"))
NDI_TOP_BAND = "complete"
PHQ9_BANDS = ((4, "minimal"), (9, "mild"), (14, "moderate"), (19, "moderately_severe"))
PHQ9_TOP_BAND = "severe"
SBST_LOW, SBST_MEDIUM, SBST_HIGH = "low", "medium", "high"


class InvalidAnswer(ValueError):
    """An answer that cannot be scored; ``item`` names the offending item."""

    def __init__(self, instrument: str, item: str, message: str) -> None:
        super().__init__(f"{instrument}: {item}: {message}")
        self.instrument = instrument
        self.item = item


def round_half_up(value: Fraction, places: int = 1) -> Decimal:
    """Round exactly, halves away from zero: 71/2 -> 35.5 at 0 places is 36.

    Done in integers, not by dividing Decimals, so a long fraction is never rounded
    twice (once to the context precision, then again here)."""
    scaled = abs(value) * 10**places
    whole, remainder = divmod(scaled.numerator, scaled.denominator)
    if 2 * remainder >= scaled.denominator:
        whole += 1
    if value < 0:
        whole = -whole
    return Decimal(whole).scaleb(-places).quantize(Decimal(1).scaleb(-places))


@dataclass(frozen=True)
class Score:
    """One scored questionnaire.

    ``total`` is the instrument's raw score (ODI: sum of sections; NDI: raw /50 after
    imputation); ``percent`` is its 0-100 form where the instrument has one. Both are
    exact; ``total_shown`` and ``percent_shown`` are for display. When ``scoreable`` is
    False, ``reason`` says why and total and percent are None, but what the answers given
    already prove still stands: ``flags`` (safety alert, red-flag causes) and, for red
    flags, the action in ``band``.
    """

    instrument: str
    scoring_version: str
    scoreable: bool
    reason: str = ""
    total: Fraction | None = None
    percent: Fraction | None = None
    band: str | None = None
    subscores: Mapping[str, int] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    places: int = 0  # decimal places total_shown is given to (percent_shown: always 1)

    def __post_init__(self) -> None:
        object.__setattr__(self, "subscores", MappingProxyType(dict(self.subscores)))

    @property
    def total_shown(self) -> Decimal | None:
        return None if self.total is None else round_half_up(self.total, self.places)

    @property
    def percent_shown(self) -> Decimal | None:
        return None if self.percent is None else round_half_up(self.percent, 1)


def _read_answers(
    instrument: str, answers: Answers, allowed: Mapping[str, range]
) -> tuple[dict[str, int], tuple[str, ...]]:
    """The valid answers by item and the unanswered items, in questionnaire order."""
    if not isinstance(answers, Mapping):
        raise TypeError(f"{instrument}: answers must be a mapping, got {type(answers).__name__}")
    unknown = sorted(str(code) for code in answers if code not in allowed)
    if unknown:
        # A misspelt code would otherwise read as "unanswered" and change the score.
        raise InvalidAnswer(instrument, unknown[0], f"unknown item (expected {', '.join(allowed)})")
    given: dict[str, int] = {}
    missing: list[str] = []
    for code, values in allowed.items():
        value = answers.get(code)
        if value is None:
            missing.append(code)
            continue
        expected = f"an integer {values.start}-{values.stop - 1}"
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidAnswer(
                instrument, code, f"must be {expected}, got {value!r} ({type(value).__name__})"
            )
        if value not in values:
            raise InvalidAnswer(instrument, code, f"must be {expected}, got {value}")
        given[code] = value
    return given, tuple(missing)


def _band(value: Fraction, bands: tuple[tuple[int, str], ...], top: str) -> str:
    for upper, band in bands:
        if value <= upper:
            return band
    return top


def odi_band(percent: Fraction) -> str:
    return _band(percent, ODI_BANDS, ODI_TOP_BAND)


def ndi_band(raw: Fraction) -> str:
    return _band(raw, NDI_BANDS, NDI_TOP_BAND)


def phq9_band(total: Fraction) -> str:
    return _band(total, PHQ9_BANDS, PHQ9_TOP_BAND)


def _missing_reason(missing: tuple[str, ...], allowed: int) -> str:
    limit = "every item must be answered" if allowed == 0 else f"at most {allowed} may be blank"
    return f"{len(missing)} unanswered ({', '.join(missing)}); {limit}"


# Items that only count together with another feature of the same cause.
RED_FLAG_AGE_MODIFIERS = frozenset({"cancer_age_over_50", "fracture_age_over_70"})


def score_red_flags(answers: Answers) -> Score:
    """Positive causes (``flags`` and ``subscores`` counts) and the highest action
    (``band``): ``emergency`` if any cauda equina feature, else ``urgent`` if any other
    cause, else ``none``. Answers are 1 (yes) / 0 (no)."""
    given, missing = _read_answers("red_flags", answers, dict.fromkeys(RED_FLAG_ITEMS, range(2)))
    counts = dict.fromkeys(RED_FLAG_CAUSES, 0)
    modifiers = dict.fromkeys(RED_FLAG_CAUSES, 0)
    for code, value in given.items():
        if code in RED_FLAG_AGE_MODIFIERS:
            modifiers[RED_FLAG_ITEMS[code]] += value
        else:
            counts[RED_FLAG_ITEMS[code]] += value
    # Age raises the suspicion a feature gives; alone it is not a red flag (REFERENCE 2
    # lists it among the features of cancer and fracture, and the ACP guideline weighs it
    # as a risk factor): every patient over 50 would otherwise go to urgent imaging.
    for cause, value in modifiers.items():
        if counts[cause]:
            counts[cause] += value
    positive = tuple(cause for cause in RED_FLAG_CAUSES if counts[cause])
    actions = {RED_FLAG_ACTIONS[cause] for cause in positive}
    action = EMERGENCY if EMERGENCY in actions else URGENT if actions else NO_RED_FLAG
    # Unanswered is not "no": with blanks and no "yes" the screen is not negative yet.
    band = None if missing and action == NO_RED_FLAG else action
    return Score(
        instrument="red_flags",
        scoring_version="red_flags-2",
        scoreable=not missing,
        reason=_missing_reason(missing, 0) if missing else "",
        band=band,
        subscores=counts,
        flags=positive,
        missing=missing,
    )


def score_sbst(answers: Answers) -> Score:
    """Total 0-9, distress subscale 0-5 and risk low/medium/high (REFERENCE 3).

    Items 1-8: 0 disagree, 1 agree. Item 9 is the answer given, 0 not at all,
    1 slightly, 2 moderately, 3 very much, 4 extremely; it scores 1 point only for 3 or 4.
    """
    allowed = {code: range(2) for code in SBST_ITEMS[:8]} | {"q9": range(5)}
    given, missing = _read_answers("sbst", answers, allowed)
    if missing:
        return Score("sbst", "sbst-1", False, _missing_reason(missing, 0), missing=missing)
    points = {code: value for code, value in given.items() if code != "q9"}
    points["q9"] = 1 if given["q9"] >= 3 else 0  # "very much" or "extremely"
    total = sum(points.values())
    distress = sum(points[code] for code in SBST_DISTRESS_ITEMS)
    # REFERENCE 3: total <= 3 -> low; otherwise subscale >= 4 -> high; otherwise medium.
    if total <= 3:
        risk = SBST_LOW
    elif distress >= 4:
        risk = SBST_HIGH
    else:
        risk = SBST_MEDIUM
    return Score(
        instrument="sbst",
        scoring_version="sbst-1",
        scoreable=True,
        total=Fraction(total),
        band=risk,
        subscores={"distress": distress},
    )


def score_odi(answers: Answers) -> Score:
    """ODI percent = sum / (5 x sections answered) x 100 (REFERENCE 4); see the module
    docstring for the missing-section limit and the band edges."""
    given, missing = _read_answers("odi", answers, dict.fromkeys(ODI_SECTIONS, range(6)))
    if not given or len(missing) > ODI_MAX_MISSING:
        reason = _missing_reason(missing, ODI_MAX_MISSING) if given else "no section answered"
        return Score("odi", "odi-1", False, reason, missing=missing)
    total = sum(given.values())
    percent = Fraction(total * 100, 5 * len(given))
    return Score(
        instrument="odi",
        scoring_version="odi-1",
        scoreable=True,
        total=Fraction(total),
        percent=percent,
        band=odi_band(percent),
        missing=missing,
    )


def score_ndi(answers: Answers) -> Score:
    """NDI raw score /50 with missing sections replaced by the mean of the answered ones,
    percent = raw x 2 (REFERENCE 5); bands on the raw score. ``places`` is 1 because an
    imputed raw score can be fractional (40/9 is shown as 4.4)."""
    given, missing = _read_answers("ndi", answers, dict.fromkeys(NDI_SECTIONS, range(6)))
    if not given or len(missing) > NDI_MAX_MISSING:
        reason = _missing_reason(missing, NDI_MAX_MISSING) if given else "no section answered"
        return Score("ndi", "ndi-1", False, reason, missing=missing)
    answered_sum = sum(given.values())
    raw = answered_sum + Fraction(answered_sum, len(given)) * len(missing)
    return Score(
        instrument="ndi",
        scoring_version="ndi-1",
        scoreable=True,
        total=raw,
        percent=raw * 2,
        band=ndi_band(raw),
        missing=missing,
        places=1,
    )


def score_nrs(answers: Answers) -> Score:
    """Back and leg pain 0-10 as ``subscores`` (``back_pain``, ``leg_pain``); no total or
    band, since REFERENCE 6 defines none."""
    given, missing = _read_answers("nrs", answers, dict.fromkeys(NRS_ITEMS, range(11)))
    return Score(
        instrument="nrs",
        scoring_version="nrs-1",
        scoreable=bool(given),
        reason="" if given else "neither back nor leg pain was rated",
        subscores=given,
        missing=missing,
    )


def score_phq9(answers: Answers) -> Score:
    """Total 0-27 and band (REFERENCE 6b). ``safety_alert`` whenever item 9 is above 0,
    whatever the total and even if other items are missing; ``safety_item_unanswered``
    when item 9 is blank, so someone asks rather than assumes 0."""
    given, missing = _read_answers("phq9", answers, dict.fromkeys(PHQ9_ITEMS, range(4)))
    if given.get("q9", 0) > 0:
        flags: tuple[str, ...] = (SAFETY_ALERT,)
    elif "q9" in missing:
        flags = (SAFETY_ITEM_UNANSWERED,)
    else:
        flags = ()
    if missing:
        return Score(
            "phq9", "phq9-1", False, _missing_reason(missing, 0), flags=flags, missing=missing
        )
    total = sum(given.values())
    return Score(
        instrument="phq9",
        scoring_version="phq9-1",
        scoreable=True,
        total=Fraction(total),
        band=phq9_band(Fraction(total)),
        flags=flags,
    )


SCORERS: Mapping[str, Callable[[Answers], Score]] = MappingProxyType(
    {
        "red_flags": score_red_flags,
        "sbst": score_sbst,
        "odi": score_odi,
        "ndi": score_ndi,
        "nrs": score_nrs,
        "phq9": score_phq9,
    }
)
