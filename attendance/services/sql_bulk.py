"""Updating many rows in one statement (closing a 1,000-person session writes 1,000 records).

Django's bulk_update builds a CASE expression per field and row, which costs seconds of Python
for a thousand rows; on PostgreSQL `UPDATE ... FROM (VALUES ...)` does the same in one fast
statement. Other databases (SQLite in development) fall back to bulk_update.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models

POSTGRES_MAX_PARAMS = 65_000


def bulk_update_rows(
    model: type[models.Model], objects: Sequence[models.Model], field_names: Sequence[str]
) -> None:
    """Write these fields of these saved objects, in as few statements as the database allows."""
    if not objects:
        return
    using = objects[0]._state.db or "default"
    connection = connections[using]
    if connection.vendor != "postgresql":
        model._base_manager.using(using).bulk_update(objects, field_names, batch_size=200)
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    pk = meta.pk
    quote = connection.ops.quote_name
    columns = [pk.column, *(field.column for field in fields)]
    casts = [pk.db_type(connection), *(field.db_type(connection) for field in fields)]
    row_sql = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in fields)
    per_statement = max(1, POSTGRES_MAX_PARAMS // len(columns))
    with connection.cursor() as cursor:
        for first in range(0, len(objects), per_statement):
            chunk = objects[first : first + per_statement]
            params: list = []
            for obj in chunk:
                params.append(pk.get_db_prep_save(obj.pk, connection))
                for field in fields:
                    params.append(field.get_db_prep_save(getattr(obj, field.attname), connection))
            sql = (
                f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "
                f"FROM (VALUES {', '.join([row_sql] * len(chunk))}) "
                f"AS v({', '.join(quote(column) for column in columns)}) "
                f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}"
            )
            cursor.execute(sql, params)
