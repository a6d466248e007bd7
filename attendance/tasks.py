"""django-q2 entry points. They only call services, in the scope of the rows they work on."""

from __future__ import annotations

from accounts.tenancy import tenant_scope
from attendance import services
from attendance.models import Session


def advance_sessions() -> dict:
    """Every few minutes: open, close and finalise sessions (no-show marking), catching up."""
    return services.sessions_advance().as_dict()


def generate_upcoming_sessions() -> int:
    """Daily: create the next two weeks of sessions from the weekly schedules."""
    return services.sessions_generate_upcoming()


def send_absence_notice(session_id: int) -> bool:
    session = Session.unscoped.select_related("institution", "unit").filter(pk=session_id).first()
    if session is None:
        return False
    with tenant_scope(session.institution):
        return services.absence_notice_send(session=session)
