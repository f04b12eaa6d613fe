"""Hot-path reads and writes in SQL written once from the models' metadata.

The API's verify runs a handful of statements per request; building each through the ORM costs
more than running it (compiling a ``select_related`` query with ordering is about 0.5 ms of
Python, the database answers in a tenth of that). These helpers make the SQL text once per
shape, from the same model metadata the ORM uses, and give back ordinary model instances
(``Model.from_db``, the constructor the ORM itself uses for loaded rows):

- :func:`select_one` (model, where, params, related=...) -> instance or None: one row by a
  ``WHERE`` written with ``{column}`` names, with to-one relations (forward foreign keys and
  reverse one-to-ones) joined in and cached on the instance as ``select_related`` would.
- :func:`select_plan` / :func:`from_row`: the same read as parts, for a statement that reads
  the row and writes something else at once (``WITH u AS (<select>) ...``): the ``SELECT`` text,
  the position of each column, and the instances made from the columns read back.
- :func:`insert` (model, **values) -> primary key: one ``INSERT`` of the given fields (values
  prepared by the fields themselves, ``get_db_prep_save``), the new key read back with it.
- :func:`insert_parts` (model, **values) -> (columns, placeholders, params): the same, for a
  statement that inserts as part of something larger (``INSERT ... SELECT`` in a ``WITH``).

Only what the hot path needs: no ordering, no nested relations, one database alias.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections, models
from django.db.models.fields.related import ForeignObjectRel

__all__ = [
    "Plan",
    "column_of",
    "from_row",
    "insert",
    "insert_parts",
    "select_one",
    "select_plan",
]

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class _Part:
    model: type[models.Model]
    fields: tuple[Any, ...]
    attnames: tuple[str, ...]
    start: int
    relation: Any  # None for the main model; else the field or relation that caches it
    reverse: Any  # the field on the related model pointing back (reverse one-to-one), or None


@dataclass(frozen=True)
class Plan:
    """One row's ``SELECT`` (``sql``: ``width`` columns, ``LIMIT 1``) and how to read it."""

    sql: str
    parts: tuple[_Part, ...]
    # (index in the row, column expression, converter functions) for columns that need them
    converters: tuple[tuple[int, Any, tuple[Any, ...]], ...]

    @property
    def width(self) -> int:
        last = self.parts[-1]
        return last.start + len(last.attnames)

    def position(self, name: str, related: str | None = None) -> int:
        """The index in the row of field ``name`` of the model (or of the relation
        ``related``)."""
        for part in self.parts:
            if (related is None and part.relation is None) or (
                part.relation is not None and part.relation.name == related
            ):
                field = part.model._meta.get_field(name)
                return part.start + part.attnames.index(field.attname)  # type: ignore[union-attr]
        raise KeyError(related)


def _columns(
    model: type[models.Model], only: tuple[str, ...], prefix: str = ""
) -> list[models.Field[Any, Any]]:
    """The concrete fields to read: all of them, or (``only`` given) the primary key and the
    fields ``only`` names for this model (``prefix`` + name: ``"totp_device__"`` for a related
    one)."""
    fields = list(model._meta.concrete_fields)
    if not only:
        return fields
    wanted = {
        n[len(prefix) :] for n in only if n.startswith(prefix) and "__" not in n[len(prefix) :]
    }
    unknown = wanted - {f.name for f in fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
    return [f for f in fields if f.primary_key or f.name in wanted]


@functools.cache
def _plan(
    model: type[models.Model],
    where: str,
    related: tuple[str, ...],
    alias: str,
    only: tuple[str, ...] = (),
) -> Plan:
    quote = connections[alias].ops.quote_name
    main = _columns(model, only)
    select = [f"t0.{quote(column_of(f))}" for f in main]
    parts = [_Part(model, tuple(main), tuple(f.attname for f in main), 0, None, None)]
    joins = []
    for n, name in enumerate(related, start=1):
        field = model._meta.get_field(name)
        target = field.related_model
        assert isinstance(target, type)
        assert issubclass(target, models.Model)
        table = quote(target._meta.db_table)
        if isinstance(field, ForeignObjectRel):
            if not field.one_to_one:
                raise ValueError(f"{model.__name__}.{name}: only reverse one-to-one relations")
            back = field.field
            on = f"r{n}.{quote(column_of(back))} = t0.{quote(column_of(back.target_field))}"
            reverse = back
        else:
            if not (field.many_to_one or field.one_to_one) or not field.concrete:
                raise ValueError(f"{model.__name__}.{name}: only to-one relations")
            target_field = getattr(field, "target_field", None)  # a ForeignKey or OneToOneField
            on = f"r{n}.{quote(column_of(target_field))} = t0.{quote(column_of(field))}"
            reverse = None
        joins.append(f"LEFT JOIN {table} r{n} ON {on}")
        fields = _columns(target, only, f"{name}__")
        attnames = tuple(f.attname for f in fields)
        parts.append(_Part(target, tuple(fields), attnames, len(select), field, reverse))
        select += [f"r{n}.{quote(column_of(f))}" for f in fields]
    every = model._meta.concrete_fields  # the condition may use any column
    names = {f.name: f"t0.{quote(column_of(f))}" for f in every}
    names.update({f.attname: f"t0.{quote(column_of(f))}" for f in every})
    sql = (
        f"SELECT {', '.join(select)} FROM {quote(model._meta.db_table)} t0 "  # noqa: S608
        f"{' '.join(joins)} WHERE {where.format(**names)} LIMIT 1"
    )
    return Plan(sql, tuple(parts), _converters(parts, connections[alias]))


def select_plan(
    model: type[models.Model],
    where: str,
    *,
    related: tuple[str, ...] = (),
    only: tuple[str, ...] = (),
    using: str = "default",
) -> Plan:
    """The :class:`Plan` of :func:`select_one` with the same arguments (made once).

    ``only``: read just the primary keys and these fields (``name`` of the model,
    ``relation__name`` of a related one); the others are deferred, as with the ORM's
    ``only()``: read on first use, one query each."""
    return _plan(model, where, related, using, only)


def select_one(
    model: type[M],
    where: str,
    params: list[Any] | tuple[Any, ...],
    *,
    related: tuple[str, ...] = (),
    using: str = "default",
) -> M | None:
    """The one row of ``model`` matching ``where`` (None if there is none; the first one the
    database returns if several match: use it with a unique condition).

    ``where`` names columns as ``{field}`` and values as ``%s``, for example
    ``"LOWER({username}) = LOWER(%s)"``; only field names are put into the text.
    """
    plan = _plan(model, where, related, using)
    with connections[using].cursor() as cursor:
        cursor.execute(plan.sql, params)
        row = cursor.fetchone()
    return None if row is None else from_row(plan, row, using=using)


def from_row(plan: Plan, row: Any, *, using: str = "default") -> Any:
    """The instance (with its related instances cached) from the first ``plan.width`` values
    of ``row``, as :func:`select_one` makes it."""
    connection = connections[using]
    main = plan.parts[0]
    model = main.model
    converted = list(row[: plan.width])
    for index, expression, funcs in plan.converters:
        value = converted[index]
        for func in funcs:
            value = func(value, expression, connection)
        converted[index] = value
    obj = model.from_db(using, list(main.attnames), converted[: len(main.attnames)])
    for part in plan.parts[1:]:
        values = converted[part.start : part.start + len(part.attnames)]
        pk_index = part.attnames.index(part.model._meta.pk.attname)
        related_obj = None
        if values[pk_index] is not None:
            related_obj = part.model.from_db(using, list(part.attnames), values)
            if part.reverse is not None:
                part.reverse.set_cached_value(related_obj, obj)
        part.relation.set_cached_value(obj, related_obj)
    return obj


def _converters(
    parts: list[_Part], connection: Any
) -> tuple[tuple[int, Any, tuple[Any, ...]], ...]:
    """What the ORM would do to each column's database value (JSON, booleans on SQLite, aware
    datetimes...): the converters of the backend and of the field."""
    out = []
    for part in parts:
        for offset, field in enumerate(part.fields):
            expression = field.get_col(part.model._meta.db_table)
            funcs = tuple(
                connection.ops.get_db_converters(expression)
                + expression.get_db_converters(connection)
            )
            if funcs:
                out.append((part.start + offset, expression, funcs))
    return tuple(out)


def column_of(field: Any) -> str:
    """The database column of a concrete field (Django types it ``str | None``)."""
    column = field.column
    assert isinstance(column, str), field
    return column


@functools.cache
def _columns_sql(model: type[models.Model], names: tuple[str, ...], alias: str) -> str:
    quote = connections[alias].ops.quote_name
    return ", ".join(quote(column_of(model._meta.get_field(name))) for name in names)


def insert_parts(
    model: type[models.Model], *, using: str = "default", **values: Any
) -> tuple[str, str, list[Any]]:
    """``(columns, placeholders, params)`` of one row of ``model`` from ``values`` (field name
    to value; a model instance or None for a foreign key). Every column but an automatic
    primary key must be given: no Python-side defaults are applied."""
    connection = connections[using]
    names = tuple(values)
    params = []
    for name in names:
        field: Any = model._meta.get_field(name)
        value = values[name]
        if isinstance(value, models.Model):
            value = value.pk
        params.append(field.get_db_prep_save(value, connection))
    return _columns_sql(model, names, using), ", ".join(["%s"] * len(names)), params


def insert(model: type[models.Model], *, using: str = "default", **values: Any) -> Any:
    """Insert one row of ``model`` (see :func:`insert_parts`); returns its primary key."""
    connection = connections[using]
    columns, marks, params = insert_parts(model, using=using, **values)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
    returning = connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {quote(column_of(model._meta.pk))}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            return cursor.fetchone()[0]
        return connection.ops.last_insert_id(
            cursor, model._meta.db_table, column_of(model._meta.pk)
        )
