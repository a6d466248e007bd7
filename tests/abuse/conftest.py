"""Fixtures of the abuse suite."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture
def clean_cache():
    """Throttles keep their counts in the cache: start and leave it empty."""
    cache.clear()
    yield
    cache.clear()
