"""Every URL name is unique: a page and an API route sharing one make reverse() pick either."""

from __future__ import annotations

from collections import Counter

from django.urls import URLPattern, URLResolver, get_resolver


def _names(patterns, namespace: str = "") -> list[str]:
    names: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += _names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(namespace + pattern.name)
    return names


def test_url_names_are_unique() -> None:
    counts = Counter(_names(get_resolver().url_patterns))
    assert [name for name, count in counts.items() if count > 1] == []
