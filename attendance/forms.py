"""Forms of the attendance pages: typed values parsed at the edge, errors naming the field."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms

from attendance.models import OVERRIDE_STATUSES, Session, Status

MAX_PERIOD_DAYS = 366


class SessionFilterForm(forms.Form):
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    unit = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Unit")
    state = forms.ChoiceField(
        required=False, choices=[("", "Any state"), *Session.State.choices], label="State"
    )

    def __init__(self, *args, units=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "All my units")] + [
            (unit.pk, f"{unit.code} {unit.name}") for unit in units
        ]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class MarkForm(forms.Form):
    """A manual status for one person at one session, with the reason the audit keeps."""

    person = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        choices=[(value, Status(value).label) for value in OVERRIDE_STATUSES], label="Status"
    )
    reason = forms.CharField(max_length=500, label="Reason", strip=True)


class PresenceForm(forms.Form):
    """A person seen at the door by whoever takes attendance: a manual presence event."""

    person = forms.IntegerField(widget=forms.HiddenInput)
    direction = forms.ChoiceField(choices=[("in", "Came in"), ("out", "Went out")], label="Seen")
    at = forms.TimeField(
        required=False, label="At (empty: now)", widget=forms.TimeInput(attrs={"type": "time"})
    )
    note = forms.CharField(required=False, max_length=500, label="Note")


class FinaliseForm(forms.Form):
    """Finalise a session; before its end only with the reason it is closed early."""

    close_early_reason = forms.CharField(
        required=False, max_length=500, strip=True, label="Reason for closing early"
    )


class ClearForm(forms.Form):
    record = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(max_length=500, label="Reason", strip=True)


class ExcuseForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    starts_on = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(max_length=500, label="Reason", strip=True)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "The end date is before the start date.")
        return data

    def period(self, tz) -> tuple[datetime, datetime]:
        """The excused period as aware datetimes: whole local days."""
        start: date = self.cleaned_data["starts_on"]
        end: date = self.cleaned_data["ends_on"]
        return (
            datetime.combine(start, time.min, tzinfo=tz),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
        )


class ReportFilterForm(forms.Form):
    unit = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Unit")
    person = forms.CharField(required=False, max_length=100, label="Person (name or ID)")
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Status.choices], label="Status"
    )
    export = forms.ChoiceField(required=False, choices=[("", ""), ("csv", "CSV"), ("xlsx", "XLSX")])

    def __init__(self, *args, units=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "All my units")] + [
            (unit.pk, f"{unit.code} {unit.name}") for unit in units
        ]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", "The end date is before the start date.")
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("date_to", f"Choose a period of at most {MAX_PERIOD_DAYS} days.")
        return data
