"""Identity keys and duplicate detection for registration (pure functions)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from spineclinic.lib.names import name_key

PHONE_CHARS = re.compile(r"^\+?[\d\s().\-]+$")


def phone_digits(phone: str) -> str:
    """The 10-digit North American number, or '' if the text is not one."""
    if not phone or not PHONE_CHARS.match(phone.strip()):
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return ""
    return digits


def format_phone(digits: str) -> str:
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def luhn_check_digit(number: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


MRN_FIRST_SERIAL = 1_000_000


def mrn_for_serial(serial: int) -> str:
    """Eight digits: a seven-digit serial and a Luhn check digit that catches a typo."""
    body = str(serial)
    return body + luhn_check_digit(body)


def names_similar(a_given: str, a_family: str, b_given: str, b_family: str) -> bool:
    ag, af, bg, bf = name_key(a_given), name_key(a_family), name_key(b_given), name_key(b_family)
    if not (ag and af and bg and bf):
        return False
    if af == bf and ag[0] == bg[0]:
        return True  # same last name, same initial: "Jon Smith" / "Jonathan Smith"
    if ag == bf and af == bg:
        return True  # first and last name swapped on an earlier form
    return SequenceMatcher(None, f"{ag} {af}", f"{bg} {bf}").ratio() >= 0.8


@dataclass(frozen=True)
class Candidate:
    patient_id: str
    reasons: tuple[str, ...]
