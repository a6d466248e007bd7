"""The review queue (confirm / another person / unknown, one keystroke each), recognitions, and a
person's gait enrolment and erasure."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import selectors as account_selectors
from accounts.models import Person
from accounts.page_access import page_actor, visible_or_denied
from accounts.roles import Capability
from recognition import selectors, services
from recognition.forms import EraseForm, ReviewForm
from recognition.models import Decision, Recognition
from recognition.views.samples import _errors_text, _results


def review_waiting(actor):
    return selectors.recognition_list(actor=actor).filter(decision=Decision.NEEDS_REVIEW)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """The oldest recognition waiting for review, with the skeleton viewer beside it."""
    actor = page_actor(request, Capability.MANAGE_ATTENDANCE)
    waiting = review_waiting(actor).order_by("occurred_at", "pk")
    current = waiting.first()
    context: dict = {"waiting": waiting.count(), "current": current}
    if current is not None:
        results = [r for r in _results(actor, current.sample) if r["recognition"].pk == current.pk]
        context.update(
            candidates=results[0]["candidates"] if results else [],
            people=account_selectors.person_list(actor=actor)
            .filter(is_active=True)
            .order_by("last_name", "first_name")
            .only("pk", "first_name", "last_name", "external_id"),
        )
    with timezone.override(actor.institution.tzinfo):
        return render(request, "recognition/review.html", context)


@login_required
@require_POST
def review_submit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request, Capability.MANAGE_ATTENDANCE)
    recognition = visible_or_denied(
        visible=selectors.recognition_list(actor=actor),
        institution_rows=Recognition.objects.filter(institution=actor.institution),
        pk=pk,
        noun="recognition",
    )
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors_text(form.errors))
        return redirect("recognition-review")
    person = None
    if form.cleaned_data["action"] == "person":
        person = visible_or_denied(
            visible=account_selectors.person_list(actor=actor),
            institution_rows=Person.objects.filter(institution=actor.institution),
            pk=form.cleaned_data["person"],
            noun="person",
        )
    try:
        recognition = services.recognition_review(
            recognition=recognition,
            actor=actor,
            action=form.cleaned_data["action"],
            person=person,
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, _errors_text(error))
    else:
        who = recognition.person.full_name if recognition.person else "unknown"
        note = f" {recognition.enrolment_note}" if recognition.enrolment_note else ""
        messages.success(request, f"Recognition {recognition.pk}: {who}.{note}")
    return redirect(request.POST.get("next") or "recognition-review")


@login_required
def recognition_list(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    recognitions = selectors.recognition_list(actor=actor).order_by("-occurred_at", "-pk")
    decision = request.GET.get("decision", "")
    if decision in Decision.values:
        recognitions = recognitions.filter(decision=decision)
    with timezone.override(actor.institution.tzinfo):
        return render(
            request,
            "recognition/recognitions.html",
            {"recognitions": recognitions[:200], "decision": decision, "decisions": Decision},
        )


def _person(request: HttpRequest, pk: int):
    actor = page_actor(request, Capability.MANAGE_PEOPLE)
    person = visible_or_denied(
        visible=account_selectors.person_list(actor=actor),
        institution_rows=Person.objects.filter(institution=actor.institution),
        pk=pk,
        noun="person",
    )
    return actor, person


@login_required
def enrolment(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's enrolment: clips, templates and their quality (access-logged), upload more."""
    actor, person = _person(request, pk)
    version = services.model_version_active(institution=actor.institution)
    quality = services.enrolment_quality(person=person, version=version) if version else None
    services.access_log_record(
        actor=actor, institution=actor.institution, what="enrolment", person=person
    )
    templates = selectors.template_list(person=person).order_by("-pk")
    samples = selectors.sample_list(actor=actor).filter(person=person).order_by("-created_at")
    with timezone.override(actor.institution.tzinfo):
        return render(
            request,
            "recognition/enrolment.html",
            {
                "person": person,
                "quality": quality,
                "version": version,
                "templates": templates,
                "samples": samples,
                "erase_form": EraseForm(),
            },
        )


@login_required
@require_POST
def erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Erase a person's gait data after a typed confirmation; attendance stays; audited."""
    actor, person = _person(request, pk)
    form = EraseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors_text(form.errors))
        return redirect("recognition-enrolment", pk=person.pk)
    if form.cleaned_data["confirm"].strip() != person.external_id:
        messages.error(request, f"confirm: type {person.external_id} to erase this person's data.")
        return redirect("recognition-enrolment", pk=person.pk)
    summary = services.person_biometrics_erase(
        person=person, actor=actor, reason=form.cleaned_data["reason"]
    )
    parts = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in summary.items() if n)
    messages.success(request, f"Gait data of {person.full_name} erased ({parts or 'nothing'}).")
    return redirect("person", pk=person.pk)
