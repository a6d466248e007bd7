"""Forms of the accounts pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

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
