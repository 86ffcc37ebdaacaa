"""Helpers for tests/imhcpd/test_migrations_keep_rows.py: fill every table through historical
models, photograph the database with raw SQL, and compare two photographs.

Kept apart from the test so each piece can be shown to fail on a made-up bad case.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models

# table -> primary key (a tuple of the pk columns' values) -> column -> value
Snapshot = dict[str, dict[tuple[Any, ...], dict[str, Any]]]


# --- Photographing the database --------------------------------------------------------------


def snapshot_rows(connection: Any) -> Snapshot:
    """Every row of every table, keyed by primary key, read with plain SQL (no models: the
    point is to see what is in the database whatever the models now say)."""
    quote = connection.ops.quote_name
    photo: Snapshot = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            pk_columns = connection.introspection.get_primary_key_columns(cursor, table)
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - introspected name
            columns = [c[0] for c in cursor.description]
            rows: dict[tuple[Any, ...], dict[str, Any]] = {}
            for values in cursor.fetchall():
                row = dict(zip(columns, values, strict=True))
                key = tuple(row[c] for c in pk_columns) if pk_columns else tuple(values)
                rows[key] = row
            photo[table] = rows
    return photo


def compare_snapshots(
    before: Snapshot,
    after: Snapshot,
    *,
    may_grow: Collection[str] = (),
    ignore_columns: Mapping[str, Collection[str]] | None = None,
) -> list[str]:
    """What was lost or changed between two photographs, one line per problem.

    Every table of ``before`` must still exist with the same columns, the same primary keys
    (so the same row count) and the same values. Tables in ``may_grow`` may gain rows but
    not lose any; ``ignore_columns`` names values a migration is meant to change.
    """
    ignore_columns = ignore_columns or {}
    problems: list[str] = []
    for table, old_rows in sorted(before.items()):
        if table not in after:
            problems.append(f"{table}: table is gone ({len(old_rows)} rows)")
            continue
        new_rows = after[table]
        missing = sorted(set(old_rows) - set(new_rows), key=repr)
        if missing:
            problems.append(f"{table}: rows missing, primary keys {missing}")
        added = sorted(set(new_rows) - set(old_rows), key=repr)
        if added and table not in may_grow:
            problems.append(f"{table}: rows appeared, primary keys {added}")
        if len(new_rows) != len(old_rows) and table not in may_grow:
            problems.append(f"{table}: {len(old_rows)} rows before, {len(new_rows)} after")
        skip = set(ignore_columns.get(table, ()))
        for key in sorted(set(old_rows) & set(new_rows), key=repr):
            old, new = old_rows[key], new_rows[key]
            if set(old) != set(new):
                problems.append(
                    f"{table} {key}: columns {sorted(set(old) ^ set(new))} differ "
                    f"(before {sorted(old)}, after {sorted(new)})"
                )
                continue
            changed = sorted(c for c in old if c not in skip and old[c] != new[c])
            if changed:
                problems.append(
                    f"{table} {key}: " + ", ".join(f"{c} {old[c]!r} -> {new[c]!r}" for c in changed)
                )
    return problems


def empty_tables(photo: Snapshot, tables: Iterable[str]) -> list[str]:
    """The tables (of those named) that are missing or have no row."""
    return sorted(t for t in tables if not photo.get(t))


_DDL = re.compile(r"^\s*(CREATE|DROP|ALTER|TRUNCATE|RENAME)\b", re.IGNORECASE)


def ddl_statements(sql: Iterable[str]) -> list[str]:
    """Statements that change the schema (as opposed to reading or writing rows)."""
    return [s for s in sql if _DDL.match(s)]


# --- Filling every table through the historical models ----------------------------------------

_WHEN = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)


def _value(field: models.Field, n: int) -> Any:
    """An invented value the column accepts; ``n`` keeps unique columns unique."""
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.EmailField):
        return f"row{n}@example.com"
    if isinstance(field, models.CharField):
        return f"v{n}"[: field.max_length]
    if isinstance(field, models.TextField):
        return f"Invented text {n}."
    if isinstance(field, models.BooleanField):
        return True
    if isinstance(field, models.DecimalField):
        return Decimal("1.50")
    if isinstance(field, models.IntegerField):
        return 1
    if isinstance(field, models.DateTimeField):
        return _WHEN
    if isinstance(field, models.DateField):
        return _WHEN.date()
    if isinstance(field, models.JSONField):
        return {"invented": n}
    if isinstance(field, models.FileField):
        return f"invented/file{n}.pdf"
    raise TypeError(f"no invented value for {field.model._meta.label}.{field.name}")


def fill_every_table(
    models_to_fill: Iterable[type[models.Model]],
    existing: Mapping[str, models.Model],
) -> dict[str, models.Model]:
    """One row in each model's table, every foreign key set (nullable ones too, so the rows
    that point across the moved apps are there to follow afterwards).

    ``existing`` maps labels ("auth.Group") to rows the new ones may point at. Rows are
    created once their required foreign keys can be met; optional ones that point at a later
    row (Evidence.current -> EvidenceRevision) are set in a second pass.
    """
    made: dict[str, models.Model] = dict(existing)
    pending = list(models_to_fill)
    counter = 0

    def fks(model: type[models.Model]) -> list[models.ForeignKey]:
        return [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]

    while pending:
        ready = [
            m for m in pending if all(f.null or f.related_model._meta.label in made for f in fks(m))
        ]
        if not ready:
            raise RuntimeError(f"cannot order {[m._meta.label for m in pending]}")
        for model in ready:
            values: dict[str, Any] = {}
            for field in model._meta.concrete_fields:
                if field.primary_key and field.auto_created:
                    continue
                if isinstance(field, models.ForeignKey):
                    target = made.get(field.related_model._meta.label)
                    if target is not None:
                        values[field.name] = target
                elif not field.has_default():
                    counter += 1
                    values[field.name] = _value(field, counter)
            made[model._meta.label] = model._base_manager.create(**values)
            pending.remove(model)

    for model in models_to_fill:
        row = made[model._meta.label]
        late = [
            f
            for f in fks(model)
            if getattr(row, f.attname) is None and f.related_model._meta.label in made
        ]
        for field in late:
            setattr(row, field.name, made[field.related_model._meta.label])
        if late:
            row.save(update_fields=[f.name for f in late])
    return made
