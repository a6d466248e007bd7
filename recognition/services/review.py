"""A registrar's review of a recognition: confirm it, name another person, or mark unknown."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Person
from attendance.services import event_delete
from recognition.models import Decision, Recognition
from recognition.services.processing import recognition_event_record
from recognition.services.review_enrolment import (
    review_enrolment_request,
    review_enrolment_withdraw,
)

CONFIRM = "confirm"
OTHER_PERSON = "person"
UNKNOWN = "unknown"
ACTIONS = (CONFIRM, OTHER_PERSON, UNKNOWN)


def _withdraw_own_event(recognition: Recognition, actor: Actor, reason: str) -> None:
    """Delete the presence event this recognition produced (never one it only matched as a
    debounce duplicate: that event belongs to another sighting)."""
    event = recognition.presence_event
    if event is None:
        return
    own = (
        event.produced_by_id == recognition.pk
        and event.produced_by_type_id == ContentType.objects.get_for_model(Recognition).pk
    )
    recognition.presence_event = None
    recognition.save(update_fields=["presence_event"])
    if own:
        event_delete(event=event, actor=actor, reason=reason)


@transaction.atomic
def recognition_review(
    *,
    recognition: Recognition,
    actor: Actor,
    action: str,
    person: Person | None = None,
    note: str = "",
) -> Recognition:
    """Apply a review; the presence event follows (created, replaced or withdrawn).

    confirm: the best candidate (or the accepted person) is right; other person: ``person``
    walked here; unknown: nobody enrolled, any event it produced is withdrawn.
    """
    recognition = Recognition.objects.select_for_update().get(pk=recognition.pk)
    note = (note or "").strip()[:500]
    if action not in ACTIONS:
        raise ValidationError({"action": [f"Choose one of {', '.join(ACTIONS)}."]})
    if action == CONFIRM:
        target_id = recognition.person_id or (
            recognition.candidates[0]["person"] if recognition.candidates else None
        )
        if target_id is None:
            raise ValidationError(
                {"action": ["There is no candidate to confirm; name the person."]}
            )
        person = Person.objects.filter(pk=target_id, institution=recognition.institution).first()
        if person is None:
            raise ValidationError({"action": ["The candidate is no longer enrolled."]})
    elif action == OTHER_PERSON and (
        person is None or person.institution_id != recognition.institution_id
    ):
        raise ValidationError({"person": ["Name a person of this institution."]})
    why = f"Review of recognition {recognition.pk} by {actor.label}" + (f": {note}" if note else "")
    if action == UNKNOWN:
        _withdraw_own_event(recognition, actor, why)
        recognition.person = None
        recognition.decision = Decision.UNKNOWN
    else:
        if recognition.person_id not in (None, person.pk):
            _withdraw_own_event(recognition, actor, why)
        recognition.person = person
        recognition.decision = Decision.ACCEPTED
    recognition.reviewer = actor.user
    recognition.reviewed_at = timezone.now()
    recognition.review_note = note
    if action == UNKNOWN:
        removed = review_enrolment_withdraw(recognition=recognition)
        recognition.enrolment_note = "Removed from the gallery." if removed else ""
    else:
        recognition.enrolment_note = review_enrolment_request(recognition=recognition)
    recognition.save(
        update_fields=[
            "person",
            "decision",
            "reviewer",
            "reviewed_at",
            "review_note",
            "enrolment_note",
        ]
    )
    if recognition.decision == Decision.ACCEPTED:
        recognition_event_record(recognition=recognition)
    return recognition
