"""Enrolment from reviewed recognitions, opt-in per institution (enrol_from_reviews).

A walk a registrar confirmed in review, or named another person for, becomes a gallery
template of that person. Only human-reviewed walks: a recognition the model accepted on its
own is never added, or the gallery could drift onto an impostor it once let through. Where the
institution requires consent, the person's consent must be recorded, as for any enrolment.

A recognition keeps no embedding, so the template is embedded again from the sample's kept
keypoints (the walker's track) with the active model, in a task on the heavy queue: the
network never runs inside the review request. Withdrawing the review (unknown, or another
person) removes the template it made; erasing the person removes it with the others.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from recognition.gait.errors import GaitInputError
from recognition.gait.pipeline import analyse_tracks
from recognition.models import Decision, GaitModelVersion, GaitTemplate, Recognition
from recognition.services.gallery import kept_walker_track, template_store
from recognition.services.matching import gallery_changed
from recognition.services.model_upgrade import model_version_for_work
from recognition.services.processing import calibration_enqueue
from recognition.services.versions import embedder_for, recognition_settings_get

NO_CONSENT = "Not added to the gallery: this person's consent to gait processing is not recorded."
NO_KEYPOINTS = "Not added to the gallery: the pose data of this clip is no longer kept."


def _refusal(recognition: Recognition) -> str | None:
    """None when this recognition may become a template now; otherwise the note to show:
    '' when enrolment from reviews does not apply (opted out, not a reviewed acceptance), or
    the reason it is refused (consent, pose data gone)."""
    person = recognition.person
    site = recognition_settings_get(institution=recognition.institution)
    if not site.enrol_from_reviews or person is None or recognition.reviewed_at is None:
        return ""
    if recognition.decision != Decision.ACCEPTED:
        return ""
    if site.require_consent and not person.consent_given:
        return NO_CONSENT
    if not recognition.sample.keypoints:
        return NO_KEYPOINTS
    return None


def review_enrolment_withdraw(*, recognition: Recognition) -> int:
    """Remove the templates this recognition's review added (every model version)."""
    templates = GaitTemplate.objects.filter(recognition=recognition)
    versions = list(GaitModelVersion.objects.filter(templates__recognition=recognition).distinct())
    removed, _ = templates.delete()
    if removed:
        gallery_changed(versions=versions)
    return removed


def review_enrolment_request(*, recognition: Recognition) -> str:
    """After a review named the person (call inside the review's transaction): drop templates
    of anyone else, and queue the walk's template for that person. Returns the note to show."""
    stale = GaitTemplate.objects.filter(recognition=recognition).exclude(
        person_id=recognition.person_id
    )
    if stale.exists():
        versions = list(GaitModelVersion.objects.filter(templates__in=stale).distinct())
        stale.delete()
        gallery_changed(versions=versions)
    refusal = _refusal(recognition)
    if refusal is not None:
        return refusal
    if GaitTemplate.objects.filter(recognition=recognition).exists():
        return f"In the gallery of {recognition.person}."
    recognition_id, person_id = recognition.pk, recognition.person_id
    transaction.on_commit(
        lambda: review_enrolment_enqueue(recognition_id=recognition_id, person_id=person_id)
    )
    return f"Being added to the gallery of {recognition.person}."


def review_enrolment_enqueue(*, recognition_id: int, person_id: int) -> None:
    from django_q.tasks import async_task

    async_task(
        "recognition.tasks.enrol_reviewed_walk",
        recognition_id,
        person_id,
        cluster=settings.GAIT_HEAVY_CLUSTER,
        task_name=f"enrol reviewed recognition {recognition_id}",
    )


def review_enrolment_make(*, recognition_id: int, person_id: int) -> GaitTemplate | None:
    """The template of a reviewed walk (the task's work). Call inside the tenant scope.

    Nothing is made when the review changed since it was queued (withdrawn, another person),
    the institution opted out or consent was withdrawn meanwhile; the recognition's
    enrolment_note says what happened.
    """
    recognition = (
        Recognition.objects.select_related("sample", "person", "institution")
        .filter(pk=recognition_id, person_id=person_id)
        .first()
    )
    if recognition is None or _refusal(recognition) is not None:
        return None
    version = model_version_for_work(institution=recognition.institution)
    track = kept_walker_track(recognition.sample, recognition.track_id)
    note = ""
    walker = None
    if track is None:
        note = "Not added to the gallery: this walker's track is not in the kept pose data."
    else:
        try:
            walker = analyse_tracks([track], embedder=embedder_for(version)).walkers[0]
        except GaitInputError as exc:
            note = f"Not added to the gallery: {exc}"[:300]
    with transaction.atomic():
        current = Recognition.objects.select_for_update().get(pk=recognition_id)
        if current.person_id != person_id or _refusal(current) is not None:
            return None  # the review moved on while the walk was embedded
        template = None
        if walker is not None:
            template, created = template_store(
                sample=recognition.sample,
                version=version,
                walker=walker,
                person_id=person_id,
                recognition_id=current.pk,
            )
            if created:
                transaction.on_commit(lambda: calibration_enqueue(version=version))
            note = f"Added to the gallery of {recognition.person}."
        current.enrolment_note = note
        current.save(update_fields=["enrolment_note"])
    return template
