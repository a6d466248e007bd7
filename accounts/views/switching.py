"""Pages: sign in and out and the institution switcher (the dashboard is gaitportal.views)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import services
from accounts.middleware import SESSION_INSTITUTION_KEY
from accounts.tenant_resolution import resolve_user_membership


@login_required
@require_POST
def switch_institution(request: HttpRequest) -> HttpResponse:
    requested = request.POST.get("institution", "")
    membership, institution = resolve_user_membership(
        request.user, requested, fallback_to_default=False
    )
    if institution is None:
        messages.error(request, "You are not a member of that institution.")
    else:
        request.session[SESSION_INSTITUTION_KEY] = institution.pk
        if membership is not None:
            services.membership_mark_used(membership=membership)
        messages.success(request, f"Now working in {institution.name}.")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)


def home(request: HttpRequest) -> HttpResponse:
    return redirect("dashboard" if request.user.is_authenticated else "login")
