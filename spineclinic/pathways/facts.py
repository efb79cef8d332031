"""The facts vocabulary: every name a pathway rule may test, with its type, unit and values.

Facts are plain data gathered at intake or follow-up (a dict). A fact that was not recorded
is left out, or given as None: "not recorded" is not the same as "no". A red-flag screen
that found nothing is `red_flags: []`; a missing `red_flags` means nobody screened, and the
default rules then wait for the screen instead of assuming it was clean.

`validate_facts` does two different things, on purpose:

- names and types: an unknown name, a wrong type or a value out of range is a programming
  or data-entry error; it raises `FactsError` listing every problem, and nothing is
  evaluated.
- contradictions between facts of the right type (`CONTRADICTIONS` below) are returned, not
  raised, as `FactProblem`s of severity "error" (the facts cannot all be true) or "warning"
  (unusual, worth a look). The engine still evaluates contradictory facts, so that a red
  flag is never hidden by a typo elsewhere, but an "error" turns its result into a
  clinician review.

Framework-free on purpose: the engine, the CLI harness and the web layer share it.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

UNKNOWN = "unknown"

# A validated fact value: lists are normalised to tuples so that Facts can be shared.
FactValue = bool | int | float | str | tuple[str, ...]


class FactType(StrEnum):
    BOOL = "bool"
    BOOL_OR_UNKNOWN = "bool_or_unknown"  # true, false or the string "unknown"
    INTEGER = "integer"
    NUMBER = "number"  # an integer or a decimal
    CHOICE = "choice"  # one of `allowed`
    CHOICES = "choices"  # a list of values from `allowed`


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: FactType
    description: str
    unit: str | None = None
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    @property
    def is_numeric(self) -> bool:
        return self.type in (FactType.INTEGER, FactType.NUMBER)

    @property
    def is_list(self) -> bool:
        return self.type is FactType.CHOICES

    def describe_type(self) -> str:
        """What a valid value looks like, in words, for error messages and the docs."""
        if self.type is FactType.BOOL:
            return "true or false"
        if self.type is FactType.BOOL_OR_UNKNOWN:
            return 'true, false or "unknown"'
        if self.type is FactType.CHOICE:
            return "one of " + ", ".join(self.allowed)
        if self.type is FactType.CHOICES:
            return "a list of values from " + ", ".join(self.allowed)
        kind = "an integer" if self.type is FactType.INTEGER else "a number"
        if self.minimum is not None and self.maximum is not None:
            return f"{kind} from {_number(self.minimum)} to {_number(self.maximum)}"
        if self.minimum is not None:
            return f"{kind} of at least {_number(self.minimum)}"
        return kind

    def check(self, value: object) -> FactValue:
        """The normalised value, or ValueError saying what is wrong with it."""
        if self.type is FactType.BOOL:
            if isinstance(value, bool):
                return value
        elif self.type is FactType.BOOL_OR_UNKNOWN:
            if isinstance(value, bool):
                return value
            if value == UNKNOWN:
                return UNKNOWN
        elif self.type is FactType.CHOICE:
            if isinstance(value, str) and value in self.allowed:
                return value
        elif self.type is FactType.CHOICES:
            if isinstance(value, list | tuple) and all(
                isinstance(item, str) and item in self.allowed for item in value
            ):
                # Order and repeats carry no meaning: keep the vocabulary's order so that
                # equal lists compare and print alike.
                return tuple(item for item in self.allowed if item in value)
        elif self.is_numeric and isinstance(value, int | float) and not isinstance(value, bool):
            # bool is an int subclass in Python; `true` for a pain score is a data error.
            whole = isinstance(value, int)
            in_range = (self.minimum is None or value >= self.minimum) and (
                self.maximum is None or value <= self.maximum
            )
            if in_range and (whole or (self.type is FactType.NUMBER and math.isfinite(value))):
                return value
        raise ValueError(f"fact '{self.name}': expected {self.describe_type()}, got {value!r}")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


RED_FLAG_CAUSES = ("cauda_equina", "neuro_deficit", "cancer", "infection", "fracture")
RESPONSES = ("improved", "no_important_change", "worse", UNKNOWN)
TREATMENTS = (
    "advice_self_management",
    "exercise",
    "physical_therapy",
    "chiropractic",
    "acupuncture",
    "massage",
    "pain_psychology",
    "nsaid",
    "paracetamol",
    "opioid",
    "gabapentinoid",
    "epidural_injection",
    "nerve_root_injection",
    "facet_injection",
    "medial_branch_block",
    "radiofrequency_denervation",
    "decompression_surgery",
    "fusion_surgery",
    "other",
)
# Prior treatments that count as conservative care (REFERENCE section 7).
CONSERVATIVE_TREATMENTS = frozenset({"exercise", "physical_therapy", "chiropractic"})

_SPECS = (
    FactSpec(
        "red_flags",
        FactType.CHOICES,
        "Suspected serious causes found by the red-flag screen (REFERENCE section 2); [] when "
        "the screen found none, absent when nobody screened.",
        allowed=RED_FLAG_CAUSES,
    ),
    FactSpec(
        "sbst_risk",
        FactType.CHOICE,
        "Keele STarT Back risk group (REFERENCE section 3); absent when not completed.",
        allowed=("low", "medium", "high"),
    ),
    FactSpec(
        "odi_percent",
        FactType.NUMBER,
        "Oswestry Disability Index, low back (REFERENCE section 4).",
        unit="%",
        minimum=0,
        maximum=100,
    ),
    FactSpec(
        "ndi_raw",
        FactType.NUMBER,
        "Neck Disability Index raw score, out of 50; fractional after a missing item is "
        "replaced by the mean (REFERENCE section 5).",
        unit="points",
        minimum=0,
        maximum=50,
    ),
    FactSpec(
        "nrs_back",
        FactType.INTEGER,
        "Low back pain now, numeric rating scale (REFERENCE section 6).",
        unit="0-10",
        minimum=0,
        maximum=10,
    ),
    FactSpec(
        "nrs_leg",
        FactType.INTEGER,
        "Leg pain now, numeric rating scale.",
        unit="0-10",
        minimum=0,
        maximum=10,
    ),
    FactSpec(
        "nrs_neck",
        FactType.INTEGER,
        "Neck pain now, numeric rating scale.",
        unit="0-10",
        minimum=0,
        maximum=10,
    ),
    FactSpec(
        "nrs_arm",
        FactType.INTEGER,
        "Arm pain now, numeric rating scale.",
        unit="0-10",
        minimum=0,
        maximum=10,
    ),
    FactSpec(
        "region",
        FactType.CHOICE,
        "Where the spinal pain is.",
        allowed=("low_back", "neck", "both"),
    ),
    FactSpec(
        "pain_duration_weeks",
        FactType.NUMBER,
        "How long this episode of pain has lasted.",
        unit="weeks",
        minimum=0,
    ),
    FactSpec(
        "leg_dominant",
        FactType.BOOL,
        "Leg pain is worse than back pain.",
    ),
    FactSpec(
        "radicular_pain",
        FactType.BOOL,
        "Radicular pain (sciatica, or cervical radicular arm pain) judged by a clinician.",
    ),
    FactSpec(
        "conservative_care_weeks",
        FactType.NUMBER,
        "Weeks of conservative care done in this episode (physical therapy, chiropractic, "
        "supervised exercise).",
        unit="weeks",
        minimum=0,
    ),
    FactSpec(
        "response_to_care",
        FactType.CHOICE,
        "Response to that care, judged on ODI/NDI/NRS important change (REFERENCE sections 4-6).",
        allowed=RESPONSES,
    ),
    FactSpec(
        "imaging_concordant",
        FactType.BOOL_OR_UNKNOWN,
        "Imaging (MRI) matches the clinical picture; unknown when not imaged or not read.",
    ),
    FactSpec(
        "medial_branch_block_positive",
        FactType.BOOL,
        "A diagnostic medial branch block gave the relief that qualifies for radiofrequency "
        "denervation (REFERENCE section 7).",
    ),
    FactSpec(
        "not_surgical_candidate",
        FactType.BOOL,
        "A surgeon has judged the patient not a surgical candidate.",
    ),
    FactSpec(
        "prior_treatments",
        FactType.CHOICES,
        "Treatments already tried for this episode.",
        allowed=TREATMENTS,
    ),
    FactSpec(
        "age",
        FactType.INTEGER,
        "Age in whole years.",
        unit="years",
        minimum=0,
        maximum=120,
    ),
    FactSpec(
        "phq9_total",
        FactType.INTEGER,
        "PHQ-9 total score (REFERENCE section 6b).",
        unit="0-27",
        minimum=0,
        maximum=27,
    ),
    FactSpec(
        "phq9_item9_positive",
        FactType.BOOL,
        "PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered above 0.",
    ),
)

FACTS: Mapping[str, FactSpec] = {spec.name: spec for spec in _SPECS}


@dataclass(frozen=True)
class FactProblem:
    severity: Severity
    facts: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


class FactsError(ValueError):
    """Unknown fact names or wrong types; `problems` lists every one, one fact each."""

    def __init__(self, problems: list[FactProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problem.message for problem in self.problems))


@dataclass(frozen=True)
class Facts:
    """Validated facts: values by name (unrecorded facts absent) and their contradictions."""

    values: Mapping[str, FactValue]
    problems: tuple[FactProblem, ...] = field(default=())

    @property
    def errors(self) -> tuple[FactProblem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[FactProblem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)


def suggest(name: str, known: list[str] | tuple[str, ...]) -> str:
    """' (did you mean 'x'?)' for a near miss, else ''; shared by rule and case files."""
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def validate_facts(raw: Mapping[str, object]) -> Facts:
    """Check names and types (raising FactsError) and report contradictions (returned)."""
    values: dict[str, FactValue] = {}
    problems: list[FactProblem] = []
    for name, value in raw.items():
        spec = FACTS.get(name) if isinstance(name, str) else None
        if spec is None:
            problems.append(
                FactProblem(
                    Severity.ERROR,
                    (str(name),),
                    f"unknown fact '{name}'{suggest(str(name), list(FACTS))}",
                )
            )
            continue
        if value is None:
            continue  # the same as leaving the name out: not recorded
        try:
            values[name] = spec.check(value)
        except ValueError as error:
            problems.append(FactProblem(Severity.ERROR, (name,), str(error)))
    if problems:
        raise FactsError(problems)
    return Facts(values=values, problems=tuple(find_contradictions(values)))


# Each check returns a message when its facts contradict each other; every fact it reads
# must be present, so "not recorded" never counts as a contradiction.
_Check = Callable[[Mapping[str, FactValue]], str | None]


def _number_of(value: FactValue) -> float:
    # Only numeric facts reach the checks that call this; validation guarantees the type.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return value


def _care_longer_than_pain(f: Mapping[str, FactValue]) -> str | None:
    care, pain = f["conservative_care_weeks"], f["pain_duration_weeks"]
    if _number_of(care) > _number_of(pain):
        return (
            f"conservative_care_weeks ({care}) is longer than pain_duration_weeks ({pain}): "
            "care cannot have started before the pain"
        )
    return None


def _leg_dominant_without_leg_pain(f: Mapping[str, FactValue]) -> str | None:
    if f["leg_dominant"] is True and f["nrs_leg"] == 0:
        return "leg_dominant is true but nrs_leg is 0: leg pain cannot dominate with no leg pain"
    return None


def _item9_with_zero_total(f: Mapping[str, FactValue]) -> str | None:
    if f["phq9_item9_positive"] is True and f["phq9_total"] == 0:
        return "phq9_item9_positive is true but phq9_total is 0: item 9 counts in the total"
    return None


def _leg_dominant_scores(f: Mapping[str, FactValue]) -> str | None:
    leg, back = f["nrs_leg"], f["nrs_back"]
    if f["leg_dominant"] is True and 0 < _number_of(leg) < _number_of(back):
        return f"leg_dominant is true but nrs_leg ({leg}) is below nrs_back ({back})"
    if f["leg_dominant"] is False and _number_of(leg) > _number_of(back):
        return f"leg_dominant is false but nrs_leg ({leg}) is above nrs_back ({back})"
    return None


def _radicular_without_limb_pain(f: Mapping[str, FactValue]) -> str | None:
    limbs = [f[name] for name in ("nrs_leg", "nrs_arm") if name in f]
    if f["radicular_pain"] is True and limbs and all(score == 0 for score in limbs):
        return "radicular_pain is true but every recorded limb pain score is 0"
    return None


def _response_without_care(f: Mapping[str, FactValue]) -> str | None:
    if f["response_to_care"] != UNKNOWN and f.get("conservative_care_weeks", 0) == 0:
        return (
            f"response_to_care is {f['response_to_care']} but no weeks of conservative care "
            "are recorded"
        )
    return None


def _concordant_without_radicular(f: Mapping[str, FactValue]) -> str | None:
    if f["imaging_concordant"] is True and f["radicular_pain"] is False:
        return (
            "imaging_concordant is true but radicular_pain is false: concordance is judged "
            "against radicular symptoms"
        )
    return None


def _odi_for_neck(f: Mapping[str, FactValue]) -> str | None:
    if f["region"] == "neck":
        return "odi_percent is recorded for neck pain: the ODI measures low back disability"
    return None


def _ndi_for_low_back(f: Mapping[str, FactValue]) -> str | None:
    if f["region"] == "low_back":
        return "ndi_raw is recorded for low back pain: the NDI measures neck disability"
    return None


def _conservative_treatment_without_weeks(f: Mapping[str, FactValue]) -> str | None:
    treatments = f["prior_treatments"]
    tried = CONSERVATIVE_TREATMENTS.intersection(
        treatments if isinstance(treatments, tuple) else ()
    )
    if tried and f.get("conservative_care_weeks", 0) == 0:
        return (
            "prior_treatments lists " + ", ".join(sorted(tried)) + " but no weeks of "
            "conservative care are recorded"
        )
    return None


# (severity, facts that must all be present, check). Documented in docs/pathways.md.
CONTRADICTIONS: tuple[tuple[Severity, tuple[str, ...], _Check], ...] = (
    (
        Severity.ERROR,
        ("conservative_care_weeks", "pain_duration_weeks"),
        _care_longer_than_pain,
    ),
    (Severity.ERROR, ("leg_dominant", "nrs_leg"), _leg_dominant_without_leg_pain),
    (Severity.ERROR, ("phq9_item9_positive", "phq9_total"), _item9_with_zero_total),
    (Severity.WARNING, ("leg_dominant", "nrs_leg", "nrs_back"), _leg_dominant_scores),
    (Severity.WARNING, ("radicular_pain",), _radicular_without_limb_pain),
    (Severity.WARNING, ("response_to_care",), _response_without_care),
    (Severity.WARNING, ("imaging_concordant", "radicular_pain"), _concordant_without_radicular),
    (Severity.WARNING, ("region", "odi_percent"), _odi_for_neck),
    (Severity.WARNING, ("region", "ndi_raw"), _ndi_for_low_back),
    (Severity.WARNING, ("prior_treatments",), _conservative_treatment_without_weeks),
)


def find_contradictions(values: Mapping[str, FactValue]) -> list[FactProblem]:
    problems: list[FactProblem] = []
    for severity, needed, check in CONTRADICTIONS:
        if all(name in values for name in needed):
            message = check(values)
            if message is not None:
                problems.append(FactProblem(severity, needed, message))
    return problems
