"""Forms of the recognition pages (typed values at the edge; the services check the rest)."""

from __future__ import annotations

from django import forms

from recognition.models import GaitSample

REVIEW_ACTIONS = [
    ("confirm", "Confirm the best candidate"),
    ("person", "Another person"),
    ("unknown", "Unknown (nobody enrolled)"),
]


class UploadForm(forms.Form):
    """One file of an upload (the page sends each file on its own request)."""

    file = forms.FileField(label="Video or keypoint file")
    purpose = forms.ChoiceField(
        choices=GaitSample.Purpose.choices, initial=GaitSample.Purpose.IDENTIFY, label="Purpose"
    )
    person = forms.IntegerField(required=False, label="Person (for enrolment)")
    camera = forms.IntegerField(required=False, label="Camera")
    captured_at = forms.DateTimeField(
        required=False,
        label="Filmed at (empty: now)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )


class ReviewForm(forms.Form):
    action = forms.ChoiceField(choices=REVIEW_ACTIONS, label="Decision")
    person = forms.IntegerField(required=False, label="Person")
    note = forms.CharField(required=False, max_length=500, label="Note")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == "person" and not data.get("person"):
            self.add_error("person", "Choose the person who walked here.")
        return data


class EraseForm(forms.Form):
    """Erasing a person's gait data: typed confirmation of their ID and a reason (audited)."""

    confirm = forms.CharField(max_length=64, label="Type the person's ID to confirm")
    reason = forms.CharField(max_length=500, label="Reason")
