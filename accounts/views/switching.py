"""Pages: sign in and out, the institution switcher, your invitations and default institution
(the dashboard is gaitportal.views)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import selectors, services
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


@login_required
def my_invitations(request: HttpRequest) -> HttpResponse:
    """Invitations to join institutions, to accept or decline; and your default institution."""
    return render(
        request,
        "accounts/invitations.html",
        {
            "invitations": selectors.invitations_for_user(request.user),
            "memberships": selectors.memberships_for_user(request.user),
            "default": selectors.default_membership(request.user),
        },
    )


@login_required
@require_POST
def invitation_answer(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitations_for_user(request.user, pending_only=False)
    invitation = invitation.filter(token=token).first()
    if invitation is None:
        raise Http404("No such invitation for you.")
    answer = request.POST.get("answer")
    try:
        if answer == "accept":
            services.invitation_accept(invitation=invitation, user=request.user)
            messages.success(request, f"You are now a member of {invitation.institution.name}.")
        elif answer == "decline":
            services.invitation_decline(invitation=invitation, user=request.user)
            messages.success(request, f"Invitation from {invitation.institution.name} declined.")
        else:
            messages.error(request, "Choose accept or decline.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("my-invitations-page")


@login_required
@require_POST
def default_institution_choose(request: HttpRequest) -> HttpResponse:
    institution = selectors.institution_by_reference(request.POST.get("institution", ""))
    try:
        if institution is None:
            raise ValidationError("You are not a member of that institution.")
        services.membership_set_default(user=request.user, institution=institution)
        messages.success(request, f"{institution.name} is now your default institution.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("my-invitations-page")
