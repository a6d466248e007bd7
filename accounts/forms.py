"""Forms of the accounts pages: sign-in, people, units and settings (parsed at the edge; writes go
to services)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import Person, Unit
from accounts.roles import Role
from accounts.sign_in_throttle import SignInThrottle


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form behind the sign-in throttle (per address and per account)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Your username and password didn't match. Please try again.",
        "throttled": "Too many sign-in attempts. Try again in %(wait)d seconds.",
    }

    def clean(self):
        guard = SignInThrottle.for_request(self.request, self.data.get("username"))
        wait = guard.wait()
        if wait is not None:
            raise forms.ValidationError(
                self.error_messages["throttled"], code="throttled", params={"wait": int(wait)}
            )
        guard.attempted()
        try:
            return super().clean()
        except forms.ValidationError as error:
            if error.code == "invalid_login":
                guard.failed()
            raise


class PersonFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    unit = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Unit")
    kind = forms.ChoiceField(
        required=False, choices=[("", "Students and employees"), *Person.Kind.choices], label="Kind"
    )
    active = forms.ChoiceField(
        required=False,
        choices=[("", "Active and inactive"), ("yes", "Active"), ("no", "Inactive")],
        label="Active",
    )
    consent = forms.ChoiceField(
        required=False,
        choices=[("", "Any consent"), ("yes", "Consent given"), ("no", "No consent")],
        label="Consent",
    )

    def __init__(self, *args, units=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "All units")] + [
            (unit.pk, f"{unit.code} {unit.name}") for unit in units
        ]


class PersonForm(forms.Form):
    external_id = forms.CharField(max_length=64, label="Student or employee number")
    first_name = forms.CharField(max_length=100, label="First name")
    last_name = forms.CharField(max_length=100, label="Last name")
    kind = forms.ChoiceField(choices=Person.Kind.choices, label="Kind")
    email = forms.EmailField(required=False, label="Email")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    units = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Units",
    )

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["units"].queryset = units


class ConsentForm(forms.Form):
    given = forms.TypedChoiceField(
        choices=[("yes", "Consent given"), ("no", "Consent withdrawn")],
        coerce=lambda value: value == "yes",
        label="Consent to gait processing",
    )
    note = forms.CharField(
        required=False, max_length=500, label="Note (e.g. signed form reference)"
    )


class UnitForm(forms.Form):
    code = forms.CharField(max_length=40, label="Code")
    name = forms.CharField(max_length=200, label="Name")
    kind = forms.ChoiceField(choices=Unit.Kind.choices, label="Kind")
    instructors = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label="Instructors"
    )

    def __init__(self, *args, instructors=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instructors"].queryset = instructors
        self.fields["instructors"].label_from_instance = lambda user: user.get_username()


class InstitutionSettingsForm(forms.Form):
    name = forms.CharField(max_length=200, label="Name")
    time_zone = forms.CharField(max_length=64, label="Time zone (e.g. Europe/London)")
    raw_video_retention_days = forms.IntegerField(
        min_value=0, max_value=3650, label="Keep raw videos for (days)"
    )


class RecognitionSettingsForm(forms.Form):
    """The institution's recognition rules; thresholds follow from them by calibration."""

    require_consent = forms.BooleanField(
        required=False, label="Enrol a person only once their consent is recorded"
    )
    target_far = forms.FloatField(
        min_value=0.0001, max_value=0.2, label="Accepted false-accept rate (0.01 = 1 %)"
    )
    review_far = forms.FloatField(
        min_value=0.0001, max_value=0.5, label="False-accept rate at the bottom of the review band"
    )
    enrol_from_reviews = forms.BooleanField(
        required=False, label="Add walks a registrar confirmed in review to that person's gallery"
    )


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150, label="Username")
    role = forms.ChoiceField(choices=Role.choices, label="Role")


class MemberRoleForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(choices=Role.choices, label="Role")


class APIKeyForm(forms.Form):
    name = forms.CharField(max_length=100, label="Name")
    role = forms.ChoiceField(choices=Role.choices, label="Role")
