from __future__ import annotations

from typing import Any

from django import forms

from spineclinic.directory import grid
from spineclinic.directory.models import Discipline
from spineclinic.directory.search import MAX_RADIUS_MILES, SearchError, SearchQuery
from spineclinic.lib.geo import UnknownPlace, parse_near

UNITS = [("mi", "miles"), ("km", "km")]
RADII = [5, 10, 25, 50, 100]


class DirectorySearchForm(forms.Form):
    near = forms.CharField(
        label="Near",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "ZIP, City, ST or lat,lon"}),
        error_messages={"required": "Say where: a ZIP code, a city and state, or lat,lon."},
    )
    radius = forms.FloatField(label="Within", initial=25)
    unit = forms.ChoiceField(choices=UNITS, initial="mi", required=False)
    discipline = forms.MultipleChoiceField(
        label="Specialty", required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    name = forms.CharField(label="Name", max_length=100, required=False)
    accepting = forms.BooleanField(label="Accepting new patients", required=False)
    integrated = forms.BooleanField(label="Integrated spine clinics only", required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["discipline"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(d.code, d.name) for d in Discipline.objects.all()]
        field.error_messages["invalid_choice"] = "%(value)s is not a discipline of the directory."

    def clean_unit(self) -> str:
        return self.cleaned_data.get("unit") or "mi"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        radius, unit = data.get("radius"), data.get("unit") or "mi"
        if radius is not None:
            miles = radius if unit == "mi" else radius / grid.KM_PER_MILE
            if radius <= 0:
                self.add_error("radius", "The radius must be more than 0.")
            elif miles > MAX_RADIUS_MILES:
                self.add_error("radius", "The radius can be at most 500 miles (804 km).")
        near = data.get("near")
        if near:
            try:
                data["point"] = parse_near(near)
            except UnknownPlace as error:
                self.add_error("near", str(error))
        return data

    def to_query(self) -> SearchQuery:
        data = self.cleaned_data
        lat, lon, label = data["point"]
        return SearchQuery(
            lat=lat,
            lon=lon,
            place=label,
            radius=data["radius"],
            unit=data["unit"],
            disciplines=tuple(data["discipline"]),
            name=data["name"].strip(),
            accepting=data["accepting"],
            integrated=data["integrated"],
            page=data["page"] or 1,
        )

    def first_error(self) -> str:
        for errors in self.errors.values():
            return str(errors[0])
        raise SearchError("no error")
