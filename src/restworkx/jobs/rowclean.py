"""The import's fast path: a row checker compiled once per job from the declarations.

``RecordService.clean`` is the API's rules for one record; called per CSV row
it spends most of its time in generic machinery (the body dict, the JSON
shapes' nested calls). ``compile_row`` builds, once, a function of the row's
cells that applies the same rules specialised for text cells: each field's
checks and each JSON shape become small closures.

It only ever *accepts* what ``RecordService.clean`` accepts, with the same
values. On anything it does not take (a broken rule, an unusual value, a
field or shape it does not know) it raises ``Fallback``, and the caller runs
``RecordService.clean`` on the row, which accepts it after all or says which
rule broke, word for word as the API. So every row meets exactly the API's
rules and every error message is the API's.

``Preparer`` turns a batch of (record number, cells) into what the importer
needs: the outcome of rows that failed, and for the others their unique key,
their parents and their line of COPY text (PostgreSQL) or their values. It
holds no database connection.
"""

from __future__ import annotations

import json
import json.encoder
import json.scanner
import re
from collections.abc import Callable
from typing import Any

from ..declarations import fields as F
from ..declarations import shapes as S
from ..errors import APIError
from .service import under_provider

_scan = json.scanner.make_scanner(json.JSONDecoder())  # the C scanner json.loads uses


class Fallback(Exception):
    """The fast path does not take this row: RecordService.clean decides."""


_INT_RE = re.compile(r"-?\d+")
META = ("created", "modified", "created_by", "modified_by")
ERROR = "error"


# -- JSON shapes -----------------------------------------------------------------


def compile_shape(shape, ctx) -> Callable[[Any], Any]:
    """A one-argument function with the shape's outcome for the values it accepts."""
    kind = type(shape)
    if kind is S.Obj:
        schema = {k: compile_shape(v, ctx) for k, v in shape.schema.items()}
        required, extra = tuple(shape.required), shape.extra

        def obj(value):
            if type(value) is not dict:
                raise Fallback
            for key in required:
                if key not in value:
                    raise Fallback
            out = {}
            for key, item in value.items():
                check = schema.get(key)
                if check is None:
                    if not extra:
                        raise Fallback
                    out[key] = item
                else:
                    out[key] = check(item)
            return out

        return obj
    if kind is S.Arr:
        item, most = compile_shape(shape.item, ctx), shape.max_items

        def arr(value):
            if type(value) is not list or (most is not None and len(value) > most):
                raise Fallback
            return [item(v) for v in value]

        return arr
    if kind is S.Text:
        pattern, longest = shape.pattern, shape.max_length
        match = pattern.fullmatch if pattern else None

        def text(value):
            if type(value) is not str or len(value) > longest:
                raise Fallback
            if match is not None and match(value) is None:
                raise Fallback
            return value

        return text
    if kind is S.OneOf:
        choices, upper = frozenset(shape.choices), shape.upper

        def one_of(value):
            if type(value) is not str:
                raise Fallback
            if upper:
                value = value.upper()
            if value not in choices:
                raise Fallback
            return value

        return one_of
    if kind is S.Boolean:

        def boolean(value):
            if value is not True and value is not False:
                raise Fallback
            return value

        return boolean
    if kind is S.Integer:
        low, high = shape.minimum, shape.maximum

        def integer(value):
            if type(value) is not int:  # strings and bools: the shape decides
                raise Fallback
            if (low is not None and value < low) or (high is not None and value > high):
                raise Fallback
            return value

        return integer
    if kind is S.AnyJson:
        types = tuple(shape.types)

        def any_json(value):
            if type(value) not in types:
                raise Fallback
            return value

        return any_json
    # A shape of the application's own (a function): called as the API calls it.
    return lambda value: shape(value, ctx)


# -- fields (the value is a non-empty text cell) -----------------------------------

_STR_CLASSES = (F.Str, F.Name, F.Email, F.Number)


def compile_field(field, ctx) -> Callable[[str], Any]:
    kind = type(field)
    if kind in _STR_CLASSES or kind is F.Timezone:
        longest, shortest = field.max_length, field.min_length
        match = field.pattern.fullmatch if field.pattern else None
        zone = kind is F.Timezone
        abbreviations = zone and field.abbreviations
        zones = F.available_timezones() if zone else None

        def text(value: str):
            if len(value) > longest or len(value) < shortest or "\x00" in value:
                raise Fallback
            if match is not None and match(value) is None:
                raise Fallback
            if zone:
                if abbreviations and value.upper() in F.TZ_ABBREVIATIONS:
                    return value.upper()
                if value not in zones:
                    raise Fallback
            return value

        return text
    if kind is F.Bool:

        def boolean(value: str):
            low = value.lower()
            if low == "true":
                return True
            if low == "false":
                return False
            raise Fallback

        return boolean
    if kind is F.Json and not field.plain:
        shape = compile_shape(field.shape, ctx) if field.shape is not None else None

        def document(value: str):
            try:
                # json.loads' own scanner; what it does not end on is json.loads' to say.
                parsed, end = _scan(value, 0)
                if end != len(value):
                    parsed = json.loads(value)
            except (ValueError, StopIteration):
                raise Fallback from None
            return shape(parsed) if shape is not None else parsed

        return document
    # Anything else (Int, Timestamp, Enum, plain JSON...): the field's own clean.
    return lambda value: field.clean(value, ctx)


def compile_row(spec, ctx, default_sp: str | None):
    """cells -> values as ``RecordService.clean(spec, body, path_keys={})`` would
    return them for the body the importer makes of those cells; or None when
    the object's columns do not suit the fast path."""
    columns = tuple(spec.csv_columns)
    writable = spec.writable_fields
    if not columns or any(c not in writable for c in columns) or len(set(columns)) != len(columns):
        return None
    sp_col = spec.scope[0]
    if default_sp is not None and sp_col not in columns:
        return None
    checks = [
        (i, name, writable[name], compile_field(writable[name], ctx))
        for i, name in enumerate(columns)
    ]
    # Writable fields without a column: the API's clean of "missing".
    missing = [(n, f) for n, f in writable.items() if n not in columns]
    # Every field's initial value, as RecordService.clean starts: a copy of the
    # fixed ones, a call for defaults made per record; columns are all set below.
    template, made = {}, []
    for n, f in spec.fields.items():
        template[n] = None
        if n not in columns:
            if callable(f.default) or type(f).initial is not F.Field.initial:
                made.append((n, f))
            else:
                template[n] = f.initial()
    derive, rules = spec.derive, tuple(c.run for c in spec.checks)
    count = len(columns)
    sp_index = columns.index(sp_col) if default_sp is not None else -1

    def clean(cells: list[str]) -> dict:
        if len(cells) != count:
            raise Fallback
        values = template.copy()
        for n, f in made:
            values[n] = f.initial()
        for i, name, field, check in checks:
            cell = cells[i]
            if cell == "":
                if i != sp_index:  # a blank cell is a missing key
                    values[name] = field.clean(None, ctx)
                    continue
                cell = default_sp
            values[name] = check(cell)
        for name, f in missing:
            values[name] = f.clean(None, ctx)
        if derive is not None:
            derive(values)
        for rule in rules:
            rule(values, ctx)
        return values

    return clean


# -- a batch -----------------------------------------------------------------------


class Preparer:
    """Checks rows and makes them ready for the importer's one insert per batch.

    ``prepare(batch)`` gives, per row in order, either ``(number, outcome)``
    for a row that failed, or ``(number, None, key, parents, payload)``:
    its unique key, its parents as ((object, ((column, value), ...)), blamed)
    pairs, and either its COPY text line (the record's columns, without the
    meta columns and the newline) or its values.
    """

    def __init__(self, app, spec, service, sp, role, *, copy_columns=None, fast=True):
        self.app, self.spec, self.service = app, spec, service
        self.sp, self.role = sp, role
        self.under_provider = under_provider(spec)
        self.fast = compile_row(spec, service.ctx, self._blank_sp()) if fast else None
        self.copy_columns = copy_columns
        if copy_columns is not None:
            table = spec.model.__table__
            self.converters = [(n, copy_converter(table.c[n])) for n in copy_columns]
            self.raw = [(n, raw_converter(table.c[n])) for n in copy_columns]
            self.separators = len(copy_columns) - 1

    def _blank_sp(self):
        return self.sp if self.sp is not None and self.under_provider else None

    # -- one row -------------------------------------------------------------
    def clean(self, number, cells):
        """(values, None) or (None, outcome), exactly as the API's rules say."""
        spec = self.spec
        if self.fast is not None:
            try:
                values = self.fast(cells)
            except Exception:  # the API's own clean decides
                values = None
            if values is not None:
                refused = self.out_of_scope(values)
                if refused:
                    return None, (number, key_of(spec, values), ERROR, refused)
                return values, None
        return self.clean_slowly(number, cells)

    def clean_slowly(self, number, cells):
        spec = self.spec
        columns = spec.csv_columns
        if len(cells) != len(columns):
            return None, (
                number,
                key_guess(spec, cells),
                ERROR,
                f"has {len(cells)} columns, expected {len(columns)} ({', '.join(columns)}).",
            )
        body = {c: v for c, v in zip(columns, cells, strict=True) if v != ""}
        sp_col = spec.scope[0]
        if self.sp is not None and self.under_provider and sp_col not in body:
            body[sp_col] = self.sp  # a blank provider column is the job's provider
        try:
            values, _ = self.service.clean(spec, body, path_keys={})
        except APIError as exc:
            return None, (number, key_of(spec, body), ERROR, exc.message)
        refused = self.out_of_scope(values)
        if refused:
            return None, (number, key_of(spec, values), ERROR, refused)
        return values, None

    def out_of_scope(self, values) -> str | None:
        spec, role = self.spec, self.role
        sp, sub = spec.scope_of(values)
        if self.sp is not None and self.under_provider and sp != self.sp:
            return f"belongs to the service provider '{sp}', but this job imports into '{self.sp}'."
        if role.sp is not None and sp != role.sp:
            return f"is outside the scope of the role {role.role_id}."
        if role.sub is not None and sub != role.sub:
            return f"is outside the scope of the role {role.role_id}."
        return None

    # -- a batch -------------------------------------------------------------
    def prepare(self, batch) -> list[tuple]:
        spec, service = self.spec, self.service
        unique = spec.unique
        out = []
        for number, cells in batch:
            values, outcome = self.clean(number, cells)
            if outcome is not None:
                out.append((number, outcome))
                continue
            key = tuple(values[k] for k in unique)
            parents = tuple(
                ((pspec.name, tuple(keys.items())), blamed)
                for blamed, pspec, keys in service.parents(spec, values)
            )
            try:
                payload = self.payload(values)
            except Exception:  # not COPY text (a shape's odd value): the insert fails
                payload = None  # and the importer replays the batch row by row
            out.append((number, None, key, parents, payload))
        return out

    def payload(self, values):
        if self.copy_columns is None:
            return values
        get = values.get
        # The cells unescaped, joined by NUL, NULL as \x02; then one translate for
        # the whole line (NUL -> tab, \x02 -> \\N, the COPY escapes) when no value
        # holds either mark (Str refuses NUL; JSON text escapes control characters).
        cells = [NULL_MARK if (v := get(n)) is None else convert(v) for n, convert in self.raw]
        line = "\x00".join(cells)
        if line.count("\x00") == self.separators and line.count(NULL_MARK) == cells.count(
            NULL_MARK
        ):
            return escape_line(line)
        return "\t".join(
            "\\N" if (value := get(name)) is None else convert(value)
            for name, convert in self.converters
        )


def key_of(spec, values) -> str:
    return "/".join("" if values.get(k) is None else str(values.get(k)) for k in spec.unique)


def key_guess(spec, cells) -> str:
    cols = list(spec.csv_columns)
    try:
        return "/".join(cells[cols.index(k)] for k in spec.unique)
    except (ValueError, IndexError):
        return ""


# -- COPY text ------------------------------------------------------------------------


def copy_converter(column):
    """value -> COPY text cell for one column, chosen once per column."""
    from sqlalchemy import JSON, Boolean, DateTime
    from sqlalchemy.dialects.postgresql import JSONB

    if isinstance(column.type, JSON | JSONB):
        dumps = json.JSONEncoder(separators=(",", ":")).encode
        return lambda v: dumps(v).translate(COPY_ESCAPES)
    if isinstance(column.type, Boolean):
        return lambda v: "t" if v else "f"
    if isinstance(column.type, DateTime):
        return lambda v: v.isoformat(sep=" ")
    return lambda v: str(v).translate(COPY_ESCAPES)


COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL_MARK = "\x02"


def escape_line(line: str) -> str:
    """COPY's escapes, then NUL -> tab and NULL_MARK -> \\N (str.translate with a
    table is a dictionary look-up per character; these are memchr scans)."""
    if "\\" in line:
        line = line.replace("\\", "\\\\")
    if "\t" in line:
        line = line.replace("\t", "\\t")
    if "\n" in line:
        line = line.replace("\n", "\\n")
    if "\r" in line:
        line = line.replace("\r", "\\r")
    line = line.replace("\x00", "\t")
    if NULL_MARK in line:
        line = line.replace(NULL_MARK, "\\N")
    return line


# json.dumps(v, separators=(",", ":")) without its Python layers: the same C encoder.
_encode = json.encoder.c_make_encoder(
    None, None, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True
)


def _dumps(value) -> str:
    return "".join(_encode(value, 0))


def raw_converter(column):
    """value -> its COPY text, not yet escaped (Payload escapes the whole line)."""
    from sqlalchemy import JSON, Boolean, DateTime, Integer, String
    from sqlalchemy.dialects.postgresql import JSONB

    if isinstance(column.type, JSON | JSONB):
        return _dumps
    if isinstance(column.type, Boolean):
        return lambda v: "t" if v else "f"
    if isinstance(column.type, DateTime):
        return lambda v: v.isoformat(sep=" ")
    if isinstance(column.type, String | Integer):
        return str
    return lambda v: str(v)
