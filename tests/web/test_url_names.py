"""A page's URL name must not shadow an API route's: reverse() would quietly send API clients
(and tests) to the page (attendance-session-finalise once did)."""

from __future__ import annotations

from collections import Counter

from django.urls import URLPattern, URLResolver, get_resolver

# DRF's browsable-API sign-in beside the portal's own: the same pages, by design.
SHARED = {"login", "logout"}


def _names(patterns) -> list[str]:
    names: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names += _names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(pattern.name)
    return names


def test_no_url_name_is_defined_twice() -> None:
    counts = Counter(_names(get_resolver().url_patterns))
    assert [name for name, n in counts.items() if n > 1 and name not in SHARED] == []
