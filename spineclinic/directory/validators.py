from django.core.exceptions import ValidationError

from spineclinic.lib.npi import is_valid_npi


def validate_npi(value: str) -> None:
    if not (value.isdigit() and len(value) == 10):
        raise ValidationError("An NPI is exactly 10 digits.")
    if not is_valid_npi(value):
        raise ValidationError("This NPI fails its check digit: check for a mistyped digit.")
