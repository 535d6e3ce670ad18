"""Date and date-time fields typed as officials write them, dd/mm/yyyy [HH:MM], in every
browser language: text inputs (a native <input type=date> shows mm/dd/yyyy in an English
browser). ISO forms are accepted too (what the native inputs used to send, and the API)."""

from __future__ import annotations

from typing import Any

from django import forms

DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"
DATE_INPUTS = [DATE_FORMAT, "%d-%m-%Y", "%Y-%m-%d"]
DATETIME_INPUTS = [
    DATETIME_FORMAT,
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
]
DATE_PATTERN = r"\s*\d{1,2}/\d{1,2}/\d{4}\s*"
DATETIME_PATTERN = r"\s*\d{1,2}/\d{1,2}/\d{4}(\s+\d{1,2}:\d{2})?\s*"


def date_input(**attrs: Any) -> forms.DateInput:
    return forms.DateInput(
        format=DATE_FORMAT,
        attrs={
            "placeholder": "dd/mm/yyyy",
            "pattern": DATE_PATTERN,
            "inputmode": "numeric",
            "autocomplete": "off",
            "class": "date-input",
            **attrs,
        },
    )


def datetime_input(**attrs: Any) -> forms.DateTimeInput:
    return forms.DateTimeInput(
        format=DATETIME_FORMAT,
        attrs={
            "placeholder": "dd/mm/yyyy hh:mm",
            "pattern": DATETIME_PATTERN,
            "autocomplete": "off",
            "class": "datetime-input",
            **attrs,
        },
    )


def date_field(label: Any, *, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, input_formats=DATE_INPUTS, widget=date_input()
    )


def datetime_field(label: Any, *, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, input_formats=DATETIME_INPUTS, widget=datetime_input()
    )
