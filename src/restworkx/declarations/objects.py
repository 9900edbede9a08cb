"""An object declaration: fields, keys, scope, parent, CSV columns.

From a declaration the machinery builds the table (one per application and
object), validates bodies, answers table queries, archives with cascade and
writes the OpenAPI and CSV column tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Date, DateTime, Index, Integer, String, Time, text
from sqlalchemy.orm import mapped_column

from .fields import Field, FieldError, Str

PERMISSIONS = ("view", "create", "edit", "archive")
LIVE = text("archived_at IS NULL")
ARCHIVED = text("archived_at IS NOT NULL")

# Columns every record carries besides its declared fields.
META_COLUMNS = ("created", "created_by", "modified", "modified_by")


@dataclass
class Parent:
    """The record this one hangs under: its object and how our fields name its keys."""

    object: str
    keys: dict[str, str]  # parent field -> our field


@dataclass
class Blob:
    """An object whose records carry bytes: uploaded with the record, downloaded by GET."""

    field: str
    content_type: str
    check: Callable[[bytes], None]
    name_field: str
    size_field: str | None = None
    max_bytes: int = 50 * 1024 * 1024


@dataclass(frozen=True)
class Check:
    """A rule over a whole record (several fields, or the settings): run(values, ctx)
    raises FieldError. reads names every field it looks at: an update runs it only
    when one of them changed, and then its error stands, whichever it names (an
    update changing nothing it reads neither pays for it, settings included, nor
    answers for a record stored before a settings change)."""

    reads: tuple[str, ...]
    run: Callable[[dict, Any], None]


@dataclass
class ObjectSpec:
    name: str
    class_name: str
    fields: dict[str, Field]
    path: tuple[str, ...]
    unique: tuple[str, ...] = ()
    # The columns holding the service provider and subscriber a record belongs
    # to: they drive scope filtering, ACLs and archive cascades.
    scope: tuple[str | None, str | None] = (None, None)
    parent: Parent | None = None
    csv_columns: tuple[str, ...] = ()
    doc: str = ""
    writable: bool = True
    # "record" (the generic views), "cdr" (read-only history, a full path lists),
    # "job" (the job views); views select on it with the object_kind predicate.
    kind: str = "record"
    blob: Blob | None = None
    # Keyed objects have one record per full path; history (CDRs) has many.
    keyed: bool = True
    archivable: bool = True
    # A container (service provider, subscriber) takes everything in its scope
    # with it when archived; other objects take their declared children.
    container: bool = False
    # Fills hidden fields from the others (e.g. an administrator's scope from role_id).
    derive: Callable[[dict], None] | None = None
    # Parent lookups that depend on the values (administrators: from role_id).
    parents_of: Callable[[dict], list[tuple[str, dict]]] | None = None
    # Whole-record rules needing settings or other fields.
    checks: tuple[Check, ...] = ()
    immutable: tuple[str, ...] = ()
    default_sort: tuple[str, ...] = ()
    table_name: str = ""
    model: Any = None
    extra_indexes: tuple[tuple[str, ...], ...] = field(default_factory=tuple)
    # Columns the live key index also carries (PostgreSQL INCLUDE, with id): pages
    # and counts that filter and sort on the key and these are answered from the
    # index alone (an index-only scan), never from the rows scattered in the table.
    index_include: tuple[str, ...] = ()
    # Columns a provider's pages are often sorted on: each gets a live index (scope,
    # column, rest of the key) carrying index_include, so such a page reads its rows
    # in order, either way (a descending sort scans it backward), and stops at the
    # page's end instead of sorting every record of the provider.
    sort_indexes: tuple[str, ...] = ()

    def __post_init__(self):
        for name, f in self.fields.items():
            f.bind(name)
        self.unique = self.unique or self.path
        self.immutable = tuple(dict.fromkeys(self.immutable + self.path + self.unique))
        self.csv_columns = self.csv_columns or tuple(
            n for n, f in self.fields.items() if not f.hidden and not f.secret
        )
        self.default_sort = self.default_sort or self.path
        for check in self.checks:
            unknown = [n for n in check.reads if n not in self.fields]
            if not check.reads or unknown:
                raise ValueError(f"{self.name}: a check reads no field or unknown ones {unknown}")

    # -- declared facts ----------------------------------------------------
    # Declarations are fixed once built: these views are computed once.
    @cached_property
    def public_fields(self) -> dict[str, Field]:
        return {n: f for n, f in self.fields.items() if not f.hidden and not f.secret}

    @cached_property
    def public_names(self) -> tuple[str, ...]:
        return tuple(self.public_fields)

    @cached_property
    def temporal_fields(self) -> tuple[str, ...]:
        """Public fields whose column holds dates or times (once the model is built)."""
        columns = self.model.__table__.c
        kinds = (Date, DateTime, Time)
        return tuple(n for n in self.public_fields if isinstance(columns[n].type, kinds))

    @cached_property
    def writable_fields(self) -> dict[str, Field]:
        return {n: f for n, f in self.public_fields.items() if not f.readonly}

    @property
    def columns(self) -> dict[str, Field]:
        """What table queries may name: the public fields and the record meta."""
        return self.public_fields

    def error(self, field_name: str, exc: FieldError | str) -> str:
        return f"{self.class_name}(): Field '{field_name}' {exc}"

    def scope_of(self, values: dict) -> tuple[str | None, str | None]:
        """(service provider, subscriber) named by a full or partial set of values."""
        values = dict(values)
        if self.derive is not None:
            try:
                self.derive(values)
            except FieldError:
                return (None, None)
        sp_col, sub_col = self.scope
        sp = values.get(sp_col) if sp_col else None
        sub = values.get(sub_col) if sub_col else None
        return (sp, sub if sp else None)

    # -- the table -----------------------------------------------------------
    def build_model(self, base, app: str):
        prefixed = self.name.startswith(f"{app}_")  # ecf_cdr stays ecf_cdr
        self.table_name = self.name if prefixed else f"{app}_{self.name}"
        attrs: dict[str, Any] = {
            "__tablename__": self.table_name,
            "id": mapped_column(Integer, primary_key=True),
            "archived_at": mapped_column(DateTime, nullable=True),
            "archive_batch": mapped_column(String(36), nullable=True),
            "created": mapped_column(DateTime, nullable=False),
            "created_by": mapped_column(String(64), nullable=False),
            "modified": mapped_column(DateTime, nullable=False),
            "modified_by": mapped_column(String(64), nullable=False),
        }
        for name, f in self.fields.items():
            attrs[name] = mapped_column(name, f.sa_type(), nullable=not f.required)
        t = self.table_name
        indexes = []
        if self.keyed:
            for suffix, where in (("live", LIVE), ("archive", ARCHIVED)):
                include = {}
                if suffix == "live" and self.index_include:
                    include["postgresql_include"] = ["id", *self.index_include]
                indexes.append(
                    Index(
                        f"uq_{t}_{suffix}",
                        *self.unique,
                        unique=True,
                        sqlite_where=where,
                        postgresql_where=where,
                        **include,
                    )
                )
        if self.archivable:
            indexes.append(Index(f"ix_{t}_archive_batch", "archive_batch"))
        if self.path != self.unique or not self.keyed:
            indexes.append(Index(f"ix_{t}_path", *self.path))
        scope_cols = tuple(c for c in self.scope if c)
        covered = self.unique if self.keyed else self.path
        if scope_cols and covered[: len(scope_cols)] != scope_cols:
            indexes.append(Index(f"ix_{t}_scope", *scope_cols))
        for cols in self.extra_indexes:
            indexes.append(Index(f"ix_{t}_{'_'.join(cols)}", *cols))
        indexes += self.sort_index_definitions(t)
        attrs["__table_args__"] = tuple(indexes)
        self.model = type(self.class_name + app.title(), (base,), attrs)
        return self.model

    def sort_index_definitions(self, table_name: str) -> list[Index]:
        """The live indexes of sort_indexes on table_name."""
        scope = tuple(c for c in self.scope if c)[:1]
        out = []
        for name in self.sort_indexes:
            rest = [c for c in self.unique if c not in scope and c != name]
            include = [c for c in ("id", *self.index_include) if c != name]
            out.append(
                Index(
                    f"ix_{table_name}_live_{name}",
                    *scope,
                    name,
                    *rest,
                    sqlite_where=LIVE,
                    postgresql_where=LIVE,
                    postgresql_include=include,
                )
            )
        return out


def key_field(**kw) -> Str:
    from .fields import Name

    return Name(**kw)
