"""Units pages: the list (people and instructors per unit) and create / edit through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import selectors, services
from accounts.forms import UnitForm
from accounts.models import Unit, User
from accounts.page_access import page_actor, visible_or_denied
from accounts.roles import Capability
from accounts.views.people import _field_errors


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    units = (
        selectors.unit_list(actor=actor)
        .annotate(people_count=Count("people", distinct=True))
        .prefetch_related("instructors")
        .order_by("code")
    )
    return render(
        request,
        "accounts/units.html",
        {"units": units, "can_manage": actor.can(Capability.MANAGE_PEOPLE)},
    )


@login_required
def unit_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = page_actor(request, Capability.MANAGE_PEOPLE)
    unit = None
    if pk is not None:
        unit = visible_or_denied(
            visible=selectors.unit_list(actor=actor),
            institution_rows=Unit.objects.filter(institution=actor.institution),
            pk=pk,
            noun="unit",
        )
    members = User.objects.filter(memberships__institution=actor.institution).order_by("username")
    initial = {}
    if unit is not None:
        initial = {
            "code": unit.code,
            "name": unit.name,
            "kind": unit.kind,
            "instructors": list(unit.instructors.all()),
        }
    form = UnitForm(request.POST or None, initial=initial, instructors=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if unit is None:
                unit = services.unit_create(institution=actor.institution, **data)
                messages.success(request, f"Unit {unit.code} created.")
            else:
                unit = services.unit_update(unit=unit, **data)
                messages.success(request, f"Unit {unit.code} saved.")
        except ValidationError as error:
            _field_errors(form, error)
        else:
            return redirect("units")
    return render(request, "accounts/unit_form.html", {"form": form, "unit": unit})
