"""The clinic's own important-change thresholds (REFERENCE 4-6: configurable defaults)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from spineclinic.instruments.catalog import clinic_thresholds
from spineclinic.instruments.models import ResponseThreshold
from spineclinic.instruments.response import ImportantChange, classify_response


def test_it_keeps_the_published_defaults_without_a_row(db: None) -> None:
    assert clinic_thresholds() == {}
    assert classify_response("ndi", 20, 14, clinic_thresholds()) == "improved"


def test_it_uses_the_clinics_row_for_its_measure_only(db: None) -> None:
    ResponseThreshold.objects.create(measure="ndi", points=Decimal("13.4"))
    thresholds = clinic_thresholds()
    assert thresholds == {"ndi": ImportantChange(Decimal("13.40"), None, "")}
    assert classify_response("ndi", 20, 14, thresholds) == "no_important_change"
    assert classify_response("odi", 50, 40, thresholds) == "improved"  # default kept


@pytest.mark.parametrize(
    ("points", "fraction", "message"),
    [
        (Decimal(0), None, "points must be above 0"),
        (Decimal(2), Decimal("1.5"), "fraction_of_baseline must be in"),
    ],
)
def test_it_refuses_a_threshold_that_cannot_be_right(
    db: None, points: Decimal, fraction: Decimal | None, message: str
) -> None:
    row = ResponseThreshold(measure="nrs_back", points=points, fraction_of_baseline=fraction)
    with pytest.raises(ValidationError, match=message):
        row.full_clean()


def test_it_describes_itself_for_the_admin(db: None) -> None:
    row = ResponseThreshold(
        measure="odi", points=Decimal("10.00"), fraction_of_baseline=Decimal("0.300")
    )
    assert row.describe() == "10 points or 30% of the baseline"
