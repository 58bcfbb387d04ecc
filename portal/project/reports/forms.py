"""Admin forms of the reports views: a period, and an export's name and format."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from portal.project.reports import exporters
from portal.project.reports.periods import Period

DEFAULT_DAYS = 90


def default_period() -> Period:
    """What empty dates mean: the last 90 days, today included (UTC)."""
    end = datetime.datetime.now(datetime.UTC).date()
    return Period(end - datetime.timedelta(days=DEFAULT_DAYS - 1), end)


class PeriodForm(forms.Form):
    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=f"Empty: {DEFAULT_DAYS} days before “To”.",
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: today (UTC).",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("end") or datetime.datetime.now(datetime.UTC).date()
        start = data.get("start") or end - datetime.timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            self.add_error("start", "Must not be after 'To'.")
        data["period"] = Period(start, end)
        return data


class ExportForm(PeriodForm):
    name = forms.ChoiceField(choices=[(n, e.title) for n, e in exporters.EXPORTERS.items()])
    fmt = forms.ChoiceField(label="Format", choices=[(f, f.upper()) for f in exporters.FORMATS])
