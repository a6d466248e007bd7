"""Writing many rows in one statement: the hot path of ingestion and of closing a session.

On PostgreSQL two things cost more than the database itself when a batch writes hundreds of
records: Django's bulk_update (a CASE expression per field and row: seconds of Python for a
thousand rows) and statements with one placeholder per value (psycopg scans the whole SQL text
for placeholders, and with client-side binding, Django's default, also quotes every value into
it). Here each column travels as one array parameter: `INSERT ... SELECT * FROM UNNEST(...)
RETURNING id` and `UPDATE ... FROM UNNEST(...)`, short statements sent with server-side binding
through Django's cursor wrapper (so they are still counted and logged like any query). Other
databases (SQLite in development) use bulk_create / bulk_update.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models


def _connection(objects: Sequence[models.Model]):
    using = objects[0]._state.db or "default"
    return using, connections[using]


def _server_side_cursor(connection):
    """A Django cursor wrapper around a psycopg cursor that binds parameters on the server."""
    import psycopg

    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


# Field types whose Python values psycopg adapts as they are (aware datetimes, str, int, bool,
# float, None): the per-value preparation Django would do for them changes nothing here.
PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.FloatField,
    models.DateTimeField,
    models.ForeignKey,
)


def _columns(fields, objects, connection, *, adding: bool) -> list[list]:
    """One list of database values per field (the array parameters)."""
    columns: list[list] = []
    for field in fields:
        automatic = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        if adding and automatic:
            values = [field.pre_save(obj, True) for obj in objects]
        else:
            values = [getattr(obj, field.attname) for obj in objects]
        if isinstance(field, models.JSONField) or not isinstance(field, PLAIN_FIELDS):
            values = [field.get_db_prep_save(value, connection) for value in values]
        columns.append(values)
    return columns


def bulk_insert_rows(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert new objects (every concrete field but the auto primary key); sets their pks."""
    if not objects:
        return
    using, connection = _connection(objects)
    if connection.vendor != "postgresql":
        model._base_manager.using(using).bulk_create(objects)
        return
    meta = model._meta
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    quote = connection.ops.quote_name
    arrays = ", ".join(f"%b::{field.db_type(connection)}[]" for field in fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"SELECT * FROM UNNEST({arrays}) RETURNING {quote(meta.pk.column)}"
    )
    with _server_side_cursor(connection) as cursor:
        cursor.execute(sql, _columns(fields, objects, connection, adding=True))
        # INSERT ... SELECT keeps the order of the SELECT, so ids come back in object order.
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = using


def bulk_update_rows(
    model: type[models.Model], objects: Sequence[models.Model], field_names: Sequence[str]
) -> None:
    """Write these fields of these saved objects, in as few statements as the database allows."""
    if not objects:
        return
    using, connection = _connection(objects)
    if connection.vendor != "postgresql":
        model._base_manager.using(using).bulk_update(objects, field_names, batch_size=200)
        return
    meta = model._meta
    pk = meta.pk
    fields = [pk, *(meta.get_field(name) for name in field_names)]
    quote = connection.ops.quote_name
    arrays = ", ".join(f"%b::{field.db_type(connection)}[]" for field in fields)
    assignments = ", ".join(
        f"{quote(field.column)} = v.{quote(field.column)}" for field in fields[1:]
    )
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "
        f"FROM UNNEST({arrays}) AS v({', '.join(quote(field.column) for field in fields)}) "
        f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}"
    )
    with _server_side_cursor(connection) as cursor:
        cursor.execute(sql, _columns(fields, objects, connection, adding=False))
