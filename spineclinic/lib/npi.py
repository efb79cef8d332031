"""National Provider Identifier check digit (REFERENCE section 9)."""

from __future__ import annotations


def _luhn_sum(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def npi_check_digit(first9: str) -> str:
    # The NPI's Luhn is computed as if the number carried the prefix 80840.
    total = _luhn_sum("80840" + first9 + "0")
    return str((10 - total % 10) % 10)


def is_valid_npi(value: str) -> bool:
    if len(value) != 10 or not value.isdigit():
        return False
    return _luhn_sum("80840" + value) % 10 == 0
