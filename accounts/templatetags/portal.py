"""Template helpers for every page: human labels and the active navigation entry."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from accounts.roles import Role

register = template.Library()


@register.filter
def role_label(value: str | None) -> str:
    """'registrar' -> 'Registrar / HR' (the role's label, never its code)."""
    if not value:
        return ""
    try:
        return str(Role(value).label)
    except ValueError:
        return humanize_code(value)


@register.filter
def humanize_code(value: object) -> str:
    """A stored code as words for people: 'left_early' -> 'Left early'."""
    text = str(value or "").replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


@register.simple_tag(takes_context=True)
def nav_current(context, prefix: str) -> str:
    """aria-current="page" on the navigation link whose section the page is in."""
    request = context.get("request")
    path = getattr(request, "path", "")
    current = path == prefix if prefix == "/" else path.startswith(prefix)
    return mark_safe('aria-current="page"') if current else ""
