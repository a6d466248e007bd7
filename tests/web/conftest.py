"""Pages tested through Django's client on the real database (no mocks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client

from tests.attendance.conftest import session_with_arrival


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """Every SQL statement run inside the block (CaptureQueriesContext loses them: a request
    resets the query log when it starts)."""
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield statements


def page_queries(client: Client, path: str) -> int:
    with counting_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


@pytest.fixture
def running_session(tenant_a):
    """A session of tenant A's first unit that started an hour ago; person 0 came in."""
    return session_with_arrival(
        tenant_a,
        started_ago=timedelta(hours=1),
        length=timedelta(hours=2),
        arrived_after=timedelta(minutes=2),
    )
