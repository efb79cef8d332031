"""Address keys: colleagues registered at one practice address get one key.

NPPES addresses are typed by each provider, so one building appears as "893 MAIN ST STE
202", "893 Main Street, Suite 210" and "893 MAIN ST" with "SUITE 202" on line 2. The key
is built for grouping, never for display:

- upper case, punctuation and spacing removed, USPS abbreviations for street types
  (STREET -> ST, AVENUE -> AVE, ...), directionals (NORTH -> N) and spelled ordinals
  (FIFTH -> 5TH), and a leading number word (ONE -> 1);
- the secondary unit (SUITE, STE, #, UNIT, FLOOR, ROOM, ...) and whatever follows it are
  dropped, and so is the second address line: colleagues in different suites of one
  building are one location for the directory ("integrated" is about a building a
  patient can walk into, not a suite). Line 2 is used only when line 1 holds no street
  (a building or department name, or only a suite);
- ZIP+4 becomes the 5-digit ZIP, and a ZIP that lost its leading zero in a spreadsheet
  ("6105") gets it back. With a ZIP the city is left out of the key: USPS accepts
  several city names for one ZIP (02121 is Dorchester and Boston), and providers use
  them all. Without a ZIP the city stands in.

Key format: "<street>|<state>|<zip5 or city>".
"""

from __future__ import annotations

import re
import string

from spineclinic.lib.geo import STATE_CODES, city_key

# USPS Publication 28, appendix C1 (street suffixes), the spellings seen in NPPES.
_STREET_TYPES = {
    "ALLEY": "ALY", "ALLEE": "ALY", "ALLY": "ALY",
    "AVENUE": "AVE", "AV": "AVE", "AVEN": "AVE", "AVENU": "AVE", "AVN": "AVE", "AVNUE": "AVE",
    "BOULEVARD": "BLVD", "BOUL": "BLVD", "BOULV": "BLVD", "BLV": "BLVD",
    "CENTER": "CTR", "CENTRE": "CTR", "CENTR": "CTR", "CNTER": "CTR", "CNTR": "CTR",
    "CIRCLE": "CIR", "CIRC": "CIR", "CIRCL": "CIR", "CRCL": "CIR", "CRCLE": "CIR",
    "COURT": "CT", "CRT": "CT",
    "COVE": "CV",
    "CROSSING": "XING", "CRSSNG": "XING",
    "DRIVE": "DR", "DRIV": "DR", "DRV": "DR",
    "EXPRESSWAY": "EXPY", "EXPRESS": "EXPY", "EXPR": "EXPY", "EXPW": "EXPY",
    "FREEWAY": "FWY", "FREEWY": "FWY",
    "HIGHWAY": "HWY", "HIGHWY": "HWY", "HIWAY": "HWY", "HIWY": "HWY", "HWAY": "HWY",
    "LANE": "LN",
    "PARKWAY": "PKWY", "PARKWY": "PKWY", "PKWAY": "PKWY", "PKY": "PKWY",
    "PLACE": "PL",
    "PLAZA": "PLZ", "PLZA": "PLZ",
    "POINT": "PT",
    "ROAD": "RD",
    "ROUTE": "RTE", "RT": "RTE",
    "SQUARE": "SQ", "SQR": "SQ", "SQRE": "SQ", "SQU": "SQ",
    "STREET": "ST", "STR": "ST", "STRT": "ST",
    "TERRACE": "TER", "TERR": "TER",
    "TRAIL": "TRL", "TR": "TRL",
    "TURNPIKE": "TPKE", "TRNPK": "TPKE", "TURNPK": "TPKE",
    # Not street types, but spelled both ways in street and building names.
    "SAINT": "ST", "MOUNT": "MT", "FORT": "FT",
}  # fmt: skip
_DIRECTIONS = {
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
    "NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}  # fmt: skip
_ORDINALS = {
    "FIRST": "1ST", "SECOND": "2ND", "THIRD": "3RD", "FOURTH": "4TH", "FIFTH": "5TH",
    "SIXTH": "6TH", "SEVENTH": "7TH", "EIGHTH": "8TH", "NINTH": "9TH", "TENTH": "10TH",
    "ELEVENTH": "11TH", "TWELFTH": "12TH",
}  # fmt: skip
_NUMBER_WORDS = {
    "ONE": "1", "TWO": "2", "THREE": "3", "FOUR": "4", "FIVE": "5", "SIX": "6",
    "SEVEN": "7", "EIGHT": "8", "NINE": "9", "TEN": "10",
}  # fmt: skip
_UNIT_WORDS = {
    "APARTMENT": "APT", "APT": "APT",
    "BUILDING": "BLDG", "BLDG": "BLDG",
    "DEPARTMENT": "DEPT", "DEPT": "DEPT",
    "FLOOR": "FL", "FLR": "FL", "FL": "FL",
    "LEVEL": "LVL", "LVL": "LVL",
    "OFFICE": "OFC", "OFC": "OFC",
    "ROOM": "RM", "RM": "RM",
    "SUITE": "STE", "SUITES": "STE", "STE": "STE",
    "UNIT": "UNIT",
    "#": "#",
    "BOX": "BOX",
}  # fmt: skip
_UNITS = frozenset(_UNIT_WORDS.values())
_WORDS = {**_STREET_TYPES, **_DIRECTIONS, **_ORDINALS, **_UNIT_WORDS}

# A period before a word separates ("N.MAIN"); any other one abbreviates ("N.E.", "P.O.").
_SEPARATING_PERIOD = re.compile(r"\.(?=[A-Z0-9]{2})")
_PUNCTUATION = str.maketrans(
    {
        **{c: " " for c in string.punctuation},
        ".": None,
        "'": None,
        "#": " # ",
    }
)
_ORDINAL = re.compile(r"\d+(?:ST|ND|RD|TH)")
_NOT_DIGITS = re.compile(r"\D")


def _words(line: str) -> list[str]:
    text = line.upper()
    # Most NPPES lines are letters, digits and spaces: skip the punctuation passes.
    if not text.replace(" ", "").isalnum():
        if "." in text:
            text = _SEPARATING_PERIOD.sub(" ", text)
        text = text.translate(_PUNCTUATION)
    words = text.split()
    if not words:
        return words
    words = list(map(_WORDS.get, words, words))
    first = words[0]
    if first in _NUMBER_WORDS:
        words[0] = _NUMBER_WORDS[first]
    elif first in ("P", "POST", "POB"):
        # "P O BOX", "POST OFFICE BOX", "POB 12" -> "PO BOX"
        if words[:3] in (["P", "O", "BOX"], ["POST", "OFC", "BOX"]):
            words[:3] = ["PO", "BOX"]
        elif first == "POB":
            words[:1] = ["PO", "BOX"]
    return words


def _street(words: list[str]) -> list[str]:
    """The street part of a line: leading "SUITE 200" pairs and any trailing unit cut."""
    while words and words[0] in _UNITS and words[:2] != ["PO", "BOX"]:
        words = words[2:]
    for i in range(1, len(words)):
        word = words[i]
        if word in _UNITS and not (word == "BOX" and words[i - 1] == "PO"):
            # "2ND FL": the ordinal belongs to the floor, not to the street.
            if word == "FL" and i >= 2 and _ORDINAL.fullmatch(words[i - 1]):
                i -= 1
            return words[:i]
    return words


def _zip5(postal: str) -> str:
    if len(postal) in (5, 9) and postal.isascii() and postal.isdigit():
        return postal[:5]
    digits = _NOT_DIGITS.sub("", postal)
    if len(digits) in (4, 8) and len(digits) == len(postal.strip()):
        # Spreadsheets strip the leading zero of New England ZIPs: 6105, 61051770.
        digits = "0" + digits
    return digits[:5] if len(digits) in (5, 9) else ""


def _state(state: str) -> str:
    if len(state) == 2 and state.isupper():
        return state
    text = " ".join(state.replace(".", "").upper().split())
    return STATE_CODES.get(text, text)


def normalize_address(line1: str, line2: str, city: str, state: str, postal: str) -> str:
    """The grouping key of a practice address (see the module docstring for the rules)."""
    street = _street(_words(line1))
    if not (street and street[0][0].isdigit()) and line2:
        # Line 1 holds a building or department name, or only a suite.
        second = _street(_words(line2))
        if (second and second[0][0].isdigit()) or not street:
            street = second
    zip5 = _zip5(postal)
    place = zip5 or city_key(city)
    return f"{' '.join(street)}|{_state(state)}|{place}"
