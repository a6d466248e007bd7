"""The absence notice: one email per finalised session to the institution's contact (opt-in)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from attendance.models import AttendanceRecord, AttendanceSettings, Session, Status


def absence_notice_text(session: Session, records: list[AttendanceRecord]) -> tuple[str, str]:
    tz = session.institution.tzinfo
    start = session.starts_at.astimezone(tz)
    end = session.ends_at.astimezone(tz)
    subject = (
        f"[{session.institution.name}] {len(records)} absent: {session.title} "
        f"{start:%a %d %b %H:%M}"
    )
    lines = [
        f"{session.title} ({session.unit.code}), {start:%A %d %B %Y %H:%M}-{end:%H:%M}"
        f"{', ' + session.room if session.room else ''}",
        "",
        f"Marked absent ({len(records)}):",
    ]
    lines += [
        f"- {record.person.full_name} ({record.person.external_id}): {record.reason}"
        for record in records
    ]
    lines += [
        "",
        "Records can be corrected (override, excuse) in GaitPortal; every change is audited.",
    ]
    return subject, "\n".join(lines)


@transaction.atomic
def absence_notice_send(*, session: Session) -> bool:
    """Send the notice for a finalised session once. True when a message went out.

    Nothing is sent when the institution has not opted in, has no contact, or nobody is
    absent. The session is claimed with a conditional update, so two workers never both send;
    if sending fails the claim is rolled back and the task can retry.
    """
    config = AttendanceSettings.objects.filter(institution_id=session.institution_id).first()
    if config is None or not config.notify_absences or not config.absence_contact_email:
        return False
    if not session.is_finalised:
        return False
    absent = list(
        AttendanceRecord.objects.filter(session=session, status=Status.ABSENT)
        .select_related("person")
        .order_by("person__last_name", "person__first_name")
    )
    if not absent:
        return False
    claimed = Session.objects.filter(pk=session.pk, absence_notice_sent_at__isnull=True).update(
        absence_notice_sent_at=timezone.now()
    )
    if not claimed:
        return False
    subject, body = absence_notice_text(session, absent)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [config.absence_contact_email])
    return True
