from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms

from spineclinic.directory.models import Discipline, Practitioner
from spineclinic.patients import identity
from spineclinic.patients.models import Patient

US_STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "PR",
    "VI",
    "GU",
    "AS",
    "MP",
]
MRN_PATTERN = re.compile(r"^[A-Za-z0-9]{6,12}$")


def clean_phone_value(value: str, label: str) -> str:
    value = value.strip()
    if not value:
        return ""
    digits = identity.phone_digits(value)
    if not digits:
        raise forms.ValidationError(
            f"Enter the {label} as a 10-digit US number, e.g. (860) 555-0142."
        )
    return identity.format_phone(digits)


class RegistrationForm(forms.ModelForm):
    mrn = forms.CharField(
        label="Existing MRN",
        required=False,
        help_text="Only when the patient already has a record number from another system; "
        "leave blank and one is assigned.",
    )
    # Wider than the column so "Connecticut" gets a clear message, not a length error.
    state = forms.CharField(max_length=30, required=False, help_text="Two letters, e.g. CT")

    class Meta:
        model = Patient
        fields = [
            "given_name",
            "middle_name",
            "family_name",
            "preferred_name",
            "date_of_birth",
            "sex",
            "phone",
            "email",
            "line1",
            "line2",
            "city",
            "state",
            "postal_code",
            "emergency_contact_name",
            "emergency_contact_relationship",
            "emergency_contact_phone",
            "insurance_payer",
            "insurance_member_id",
            "insurance_group",
            "consent_to_treat",
            "consent_to_share_in_clinic",
        ]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}
        labels = {
            "consent_to_treat": "Consents to assessment and treatment",
            "consent_to_share_in_clinic": "Consents to sharing the record with every "
            "discipline of the clinic's care team",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            del self.fields["mrn"]  # an MRN is given once, at registration

    GROUPS = (
        (
            "Identity",
            [
                "given_name",
                "middle_name",
                "family_name",
                "preferred_name",
                "date_of_birth",
                "sex",
                "mrn",
            ],
        ),
        ("Contact", ["phone", "email", "line1", "line2", "city", "state", "postal_code"]),
        (
            "Emergency contact",
            ["emergency_contact_name", "emergency_contact_relationship", "emergency_contact_phone"],
        ),
        ("Insurance", ["insurance_payer", "insurance_member_id", "insurance_group"]),
        ("Consent", ["consent_to_treat", "consent_to_share_in_clinic"]),
    )

    def groups(self) -> list[tuple[str, list[Any]]]:
        return [
            (legend, [self[name] for name in names if name in self.fields])
            for legend, names in self.GROUPS
        ]

    def clean_date_of_birth(self) -> date:
        born: date = self.cleaned_data["date_of_birth"]
        today = date.today()
        if born > today:
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if today.year - born.year > 125:
            raise forms.ValidationError("Check the year: that is more than 125 years ago.")
        return born

    def clean_phone(self) -> str:
        return clean_phone_value(self.cleaned_data["phone"], "phone number")

    def clean_emergency_contact_phone(self) -> str:
        return clean_phone_value(
            self.cleaned_data["emergency_contact_phone"], "emergency contact's phone"
        )

    def clean_state(self) -> str:
        state = self.cleaned_data["state"].strip().upper()
        if state and state not in US_STATES:
            raise forms.ValidationError("Use the two-letter state code, e.g. CT.")
        return state

    def clean_postal_code(self) -> str:
        code = self.cleaned_data["postal_code"].strip()
        if code and not re.fullmatch(r"\d{5}(-\d{4})?", code):
            raise forms.ValidationError("A ZIP code is 5 digits, or ZIP+4 like 06103-1234.")
        return code

    def clean_mrn(self) -> str:
        mrn = self.cleaned_data.get("mrn", "").strip().upper()
        if not mrn:
            return ""
        if not MRN_PATTERN.match(mrn):
            raise forms.ValidationError("An MRN is 6 to 12 letters and digits.")
        if Patient.objects.filter(mrn=mrn).exists():
            raise forms.ValidationError(f"MRN {mrn} already belongs to a patient.")
        return mrn

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data is None:
            return {}
        if data.get("emergency_contact_phone") and not data.get("emergency_contact_name"):
            self.add_error("emergency_contact_name", "Whose number is this?")
        return data


class DuplicateOverrideForm(forms.Form):
    confirm_new_patient = forms.BooleanField(
        required=False, label="I have checked: this is a new patient, none of the above"
    )
    override_reason = forms.CharField(
        required=False,
        label="Why these are different people",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("confirm_new_patient") and len(data.get("override_reason", "").strip()) < 5:
            self.add_error("override_reason", "Say how you know this is a different person.")
        return data


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Name, date of birth, MRN or phone",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autofocus": True, "placeholder": "e.g. smith 1961-04-02"}),
    )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label="Clinical reason for access",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        max_length=1000,
    )


class CareTeamForm(forms.Form):
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.filter(user__isnull=False, active=True),
        label="Clinician",
    )
    discipline = forms.ModelChoiceField(queryset=Discipline.objects.all(), required=False)
    is_lead = forms.BooleanField(required=False, label="Lead clinician")
