"""The clinic's active questionnaire definitions and important-change thresholds."""

from __future__ import annotations

from collections.abc import Mapping

from spineclinic.instruments.models import InstrumentDefinition, ResponseThreshold
from spineclinic.instruments.response import ImportantChange


class NoActiveDefinition(LookupError):
    pass


def active_definition(code: str) -> InstrumentDefinition:
    definition = InstrumentDefinition.objects.filter(code=code, active=True).first()
    if definition is None:
        # The bundled files are loaded after every migrate (InstrumentsConfig.ready).
        raise NoActiveDefinition(
            f"No active definition of the questionnaire {code!r}: run `spineclinic migrate`."
        )
    return definition


def active_definitions(codes: tuple[str, ...]) -> dict[str, InstrumentDefinition]:
    found = {d.code: d for d in InstrumentDefinition.objects.filter(code__in=codes, active=True)}
    missing = [code for code in codes if code not in found]
    if missing:
        raise NoActiveDefinition(
            f"No active definition of {', '.join(missing)}: run `spineclinic migrate`."
        )
    return {code: found[code] for code in codes}


def clinic_thresholds() -> Mapping[str, ImportantChange]:
    """The clinic's thresholds by measure; measures without a row keep the default."""
    return {row.measure: row.important_change() for row in ResponseThreshold.objects.all()}
