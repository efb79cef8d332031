"""National Provider Identifier check digit (REFERENCE section 9).

An NPI is 10 digits whose last digit is a Luhn check digit computed as if the number
carried the ISO card-issuer prefix 80840 (CMS, "Requirements for NPI check digit").
The bulk importer validates millions of NPIs, so the sum is taken with byte operations
that run in C rather than a per-digit Python loop.
"""

from __future__ import annotations

# Luhn contribution of the 80840 prefix: its digits sit at (right-to-left) positions
# 14..10 of the 15-digit number, so 4 and the second 0 are doubled: 8 + 0 + 8 + 8 + 0.
_PREFIX_SUM = 24

# ASCII digit -> value of the doubled digit, digits summed: "5" -> 10 -> 1, "9" -> 18 -> 9.
_DOUBLED = bytes.maketrans(b"0123456789", bytes([0, 2, 4, 6, 8, 1, 3, 5, 7, 9]))
_ZERO = ord("0")


def _is_ascii_digits(s: str, length: int) -> bool:
    # str.isdigit() alone accepts superscripts and the digits of other scripts.
    return len(s) == length and s.isascii() and s.isdigit()


def _luhn_sum(digits: str) -> int:
    """Luhn sum of 80840 + `digits`, where the first of `digits` is at a doubled position.

    That holds for a full 10-digit NPI and for its first nine digits once the check digit
    is appended: either way the leading digit ends up at an odd position from the right.
    """
    b = digits.encode("ascii")
    plain = b[1::2]
    # The undoubled digits are summed as ASCII codes, hence the "0" offsets removed.
    return sum(b[0::2].translate(_DOUBLED)) + sum(plain) - _ZERO * len(plain) + _PREFIX_SUM


def npi_check_digit(first9: str) -> str:
    """The check digit that completes `first9` into a valid NPI."""
    if not _is_ascii_digits(first9, 9):
        raise ValueError(f"An NPI check digit needs exactly 9 digits, got {first9!r}.")
    return str(-_luhn_sum(first9) % 10)


def is_valid_npi(s: str) -> bool:
    # _luhn_sum inlined: the bulk importer calls this nine million times.
    if len(s) != 10 or not (s.isascii() and s.isdigit()):
        return False
    b = s.encode("ascii")
    return (sum(b[0::2].translate(_DOUBLED)) + sum(b[1::2]) - _ZERO * 5 + _PREFIX_SUM) % 10 == 0
