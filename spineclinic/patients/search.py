"""Turning what the front desk types into a patient query."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.db.models import Q

from spineclinic.patients import identity

DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y")


def parse_date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def patient_query(text: str) -> Q:
    """Every term must match: a date matches the date of birth, an MRN or a phone number
    matches exactly, other words match the start of a name ("smi jo" finds Jo Smith)."""
    terms = text.split()
    if not terms:
        return Q(pk__in=[])
    whole_phone = identity.phone_digits(text)
    if whole_phone and len(terms) > 1:  # "(860) 555-0142" is one number, not three terms
        return Q(phone_digits=whole_phone)
    query = Q()
    for term in terms:
        born = parse_date(term)
        digits = re.sub(r"\D", "", term)
        if born is not None:
            query &= Q(date_of_birth=born)
        elif digits and len(digits) == len(re.sub(r"[\s().+\-]", "", term)):
            phone = identity.phone_digits(term)
            query &= Q(mrn=term) | (Q(phone_digits=phone) if phone else Q(pk__in=[]))
        else:
            key = identity.name_key(term)
            if not key:
                continue
            query &= (
                Q(name_key__startswith=key)
                | Q(name_key__contains=" " + key)
                | Q(mrn__iexact=term)
                | Q(preferred_name__istartswith=term)
            )
    return query
