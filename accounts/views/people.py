"""People pages: list with search and filters, a person's page (history, chart, consent),
create and edit through accounts.services. Instructors see the people of their units only."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import ConsentForm, PersonFilterForm, PersonForm
from accounts.models import Person
from accounts.page_access import page_actor, visible_or_denied
from accounts.roles import Capability
from attendance import charts, reports
from attendance import selectors as attendance_selectors

PAGE_SIZE = 50
HISTORY_DAYS = 90


def _field_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, naming the field where it can."""
    if hasattr(error, "message_dict"):
        for field, msgs in error.message_dict.items():
            form.add_error(field if field in form.fields else None, msgs)
    else:
        form.add_error(None, error.messages)


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    units = selectors.unit_list(actor=actor).order_by("code")
    form = PersonFilterForm(request.GET or None, units=units)
    people = selectors.person_list(actor=actor)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        people = selectors.person_list(actor=actor, search=data["q"].strip())
        if data["unit"]:
            people = people.filter(units=data["unit"])
        if data["kind"]:
            people = people.filter(kind=data["kind"])
        if data["active"]:
            people = people.filter(is_active=data["active"] == "yes")
        if data["consent"]:
            people = people.filter(consent_given=data["consent"] == "yes")
    page = Paginator(people.order_by("last_name", "first_name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    unit_codes = _unit_codes(page.object_list)
    return render(
        request,
        "accounts/people.html",
        {
            "form": form,
            "page": page,
            "people": [(person, unit_codes.get(person.pk, [])) for person in page.object_list],
            "can_manage": actor.can(Capability.MANAGE_PEOPLE),
        },
    )


def _unit_codes(people) -> dict[int, list[str]]:
    """Unit codes per person for one page of people, one query."""
    through = Person.units.through.objects.filter(person__in=list(people)).values_list(
        "person_id", "unit__code"
    )
    codes: dict[int, list[str]] = {}
    for person_id, code in through.order_by("unit__code"):
        codes.setdefault(person_id, []).append(code)
    return codes


def _person_for(request: HttpRequest, pk: int, capability: Capability = Capability.VIEW):
    actor = page_actor(request, capability)
    person = visible_or_denied(
        visible=selectors.person_list(actor=actor).select_related("institution"),
        institution_rows=Person.objects.filter(institution=actor.institution),
        pk=pk,
        noun="person",
    )
    return actor, person


def _weekly_rates(rows: list[dict], start, end) -> list[tuple]:
    """Attendance rate per week (Mondays) from a person's history rows."""
    monday = start - timedelta(days=start.weekday())
    weeks: dict = {}
    day = monday
    while day <= end:
        weeks[day] = [0, 0]
        day += timedelta(days=7)
    attended = {"present", "late", "left_early", "partial"}
    for row in rows:
        if row["status"] in ("pending", "excused"):
            continue
        week = row["date"] - timedelta(days=row["date"].weekday())
        bucket = weeks.setdefault(week, [0, 0])
        bucket[1] += 1
        bucket[0] += row["status"] in attended
    return [(week, (a / c) if c else None) for week, (a, c) in sorted(weeks.items())]


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor, person = _person_for(request, pk)
    today = timezone.localdate(timezone=actor.institution.tzinfo)
    start = today - timedelta(days=HISTORY_DAYS - 1)
    visible = None if actor.sees_all_units else attendance_selectors.session_list(actor=actor)
    history = reports.person_history(person=person, start=start, end=today, sessions=visible)
    chart = charts.rate_line(
        _weekly_rates(history.rows, start, today),
        label=f"{person.full_name}: attendance rate per week, last {HISTORY_DAYS} days",
    )
    return render(
        request,
        "accounts/person.html",
        {
            "person": person,
            "units": person.units.order_by("code"),
            "history": history,
            "recent": list(reversed(history.rows))[:15],
            "chart": chart,
            "days": HISTORY_DAYS,
            "can_manage": actor.can(Capability.MANAGE_PEOPLE),
            "consent_form": ConsentForm(initial={"given": "no" if person.consent_given else "yes"}),
        },
    )


@login_required
def person_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = page_actor(request, Capability.MANAGE_PEOPLE)
    person = _person_for(request, pk, Capability.MANAGE_PEOPLE)[1] if pk else None
    units = selectors.unit_list(actor=actor).order_by("code")
    initial = {}
    if person is not None:
        initial = {
            "external_id": person.external_id,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "kind": person.kind,
            "email": person.email,
            "is_active": person.is_active,
            "units": list(person.units.all()),
        }
    form = PersonForm(request.POST or None, initial=initial or {"is_active": True}, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if person is None:
                person = services.person_create(institution=actor.institution, **data)
                messages.success(request, f"{person.full_name} added.")
            else:
                person = services.person_update(person=person, **data)
                messages.success(request, f"{person.full_name} saved.")
        except ValidationError as error:
            _field_errors(form, error)
        else:
            return redirect("person", pk=person.pk)
    return render(request, "accounts/person_form.html", {"form": form, "person": person})


@login_required
@require_POST
def person_consent(request: HttpRequest, pk: int) -> HttpResponse:
    actor, person = _person_for(request, pk, Capability.MANAGE_PEOPLE)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("person", pk=person.pk)
    try:
        services.person_consent_record(
            person=person,
            given=form.cleaned_data["given"],
            actor=actor,
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        done = "recorded" if form.cleaned_data["given"] else "withdrawn"
        messages.success(request, f"Consent {done} for {person.full_name}.")
    return redirect("person", pk=person.pk)
