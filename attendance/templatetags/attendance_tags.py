"""Status badges: the human label in a coloured pill (colour and text, never colour alone)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from attendance.models import Session, Status

register = template.Library()


@register.filter
def status_label(value: str | None) -> str:
    """'left_early' -> 'Left early'."""
    try:
        return str(Status(value).label)
    except ValueError:
        return str(value or "").replace("_", " ").capitalize()


@register.filter
def status_badge(value: str | None) -> str:
    code = value if value in Status.values else "pending"
    return format_html('<span class="badge badge-{}">{}</span>', code, status_label(value))


@register.filter
def state_badge(value: str | None) -> str:
    try:
        label = Session.State(value).label
    except ValueError:
        label = str(value or "")
    return format_html('<span class="badge badge-{}">{}</span>', value, label)


@register.filter
def percent(value: float | None) -> str:
    """0.9312 -> '93%'; None (nothing counted yet) -> an en dash."""
    if value is None:
        return "\u2013"
    return f"{round(value * 100)}%"
