"""Field declarations: one place holds a field's type, limits, rules and docs.

A field cleans an incoming value (raising FieldError with a message that
says which rule was broken), names its SQL type, encodes/decodes CSV cells
and describes itself for the OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.dialects.postgresql import JSONB

JSONType = JSON().with_variant(JSONB(), "postgresql")

UNSET = object()


class FieldError(ValueError):
    """A value broke a field's rule; the message completes "Field 'x' ...".

    Whole-record checks name the field they blame with ``field``.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class Field:
    python_type: type = str
    searchable = True  # usable in sort/search/icontains
    is_string = False
    is_json = False

    def __init__(
        self,
        *,
        required: bool = False,
        default: Any = UNSET,
        doc: str = "",
        label: str | None = None,
        hidden: bool = False,
        secret: bool = False,
        nullable: bool = True,
        readonly: bool = False,
        masked: bool = False,
    ):
        self.name = ""  # set by ObjectSpec
        self.required = required
        self.default = default
        self.doc = doc
        self.label = label
        self.hidden = hidden  # stored, never accepted from clients
        self.secret = secret
        self.readonly = readonly  # shown, but set by the server only
        self.masked = masked  # a credential (a PIN): never written to the audit log
        self.nullable = nullable

    def bind(self, name: str) -> Field:
        self.name = name
        if self.label is None:
            self.label = name.replace("_", " ").title()
        return self

    def initial(self) -> Any:
        if self.default is UNSET:
            return None
        return self.default() if callable(self.default) else self.default

    def sa_type(self):
        raise NotImplementedError

    def clean(self, value: Any, ctx: Any = None) -> Any:
        return value

    def parse_text(self, text: str) -> Any:
        """Turn a query-string or CSV text into a value of this field's type."""
        return text

    def to_csv(self, value: Any) -> str:
        return "" if value is None else str(value)

    def from_csv(self, text: str) -> Any:
        return None if text == "" else self.parse_text(text)

    def openapi(self) -> dict:
        raise NotImplementedError

    def _doc(self, schema: dict) -> dict:
        if self.doc:
            schema["description"] = self.doc
        return schema


class Str(Field):
    is_string = True

    def __init__(
        self,
        max_length: int = 250,
        *,
        min_length: int = 0,
        pattern: str | None = None,
        rule: str = "",
        fmt: str | None = None,
        **kw,
    ):
        super().__init__(**kw)
        self.max_length = max_length
        self.min_length = min_length
        self.pattern = re.compile(pattern) if pattern else None
        self.rule = rule
        self.fmt = fmt

    def sa_type(self):
        return String(self.max_length) if self.max_length <= 2048 else Text()

    def clean(self, value, ctx=None):
        if value is None:
            if self.required:
                raise FieldError("is required, but missing.")
            return self.initial()
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise FieldError(f"must be a string, not {json_type(value)}.")
        value = str(value)
        if "\x00" in value:
            raise FieldError("may not contain NUL characters.")
        if len(value) > self.max_length:
            raise FieldError(f"is limited to {self.max_length} characters (got {len(value)}).")
        if self.required and value == "":
            raise FieldError("is required, but empty.")
        if value and len(value) < self.min_length:
            raise FieldError(f"must be at least {self.min_length} characters.")
        if value and self.pattern and not self.pattern.fullmatch(value):
            raise FieldError(self.rule or f"does not match {self.pattern.pattern}.")
        return value

    def openapi(self):
        s = {"type": "string", "maxLength": self.max_length}
        if self.min_length:
            s["minLength"] = self.min_length
        if self.pattern:
            s["pattern"] = self.pattern.pattern
        if self.fmt:
            s["format"] = self.fmt
        return self._doc(s)


class Name(Str):
    """A key that appears in URLs and in role ids, so it cannot hold their separators."""

    def __init__(self, max_length: int = 64, *, lowercase: bool = False, **kw):
        if lowercase:
            pattern, rule = (
                r"[a-z0-9_.\-]+",
                "may contain only lowercase letters, digits, '_', '.' and '-'.",
            )
        else:
            pattern = r"[^/:\s?#%\\]+"
            rule = "may not contain '/', ':', '?', '#', '%', '\\' or whitespace."
        kw.setdefault("required", True)
        super().__init__(max_length, pattern=pattern, rule=rule, **kw)


class Email(Str):
    def __init__(self, **kw):
        super().__init__(
            250,
            pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+",
            rule="must be an email address such as name@example.com.",
            fmt="email",
            **kw,
        )


NUMBER_RE = r"\+?[0-9*#]{1,32}"
NUMBER_RULE = "must be a telephone number: digits, '*' or '#', optionally after '+', 1 to 32."


class Number(Str):
    def __init__(self, **kw):
        super().__init__(32, pattern=NUMBER_RE, rule=NUMBER_RULE, **kw)


# Abbreviations North American carriers use for number time zones (ICR's "CST").
TZ_ABBREVIATIONS = (
    "UTC",
    "GMT",
    "EST",
    "EDT",
    "CST",
    "CDT",
    "MST",
    "MDT",
    "PST",
    "PDT",
    "AKST",
    "AKDT",
    "HST",
    "AST",
    "NST",
)


class Timezone(Str):
    def __init__(self, *, abbreviations: bool = False, **kw):
        kw.setdefault(
            "doc",
            "An IANA time zone name such as America/New_York"
            + (" or an abbreviation such as CST" if abbreviations else "")
            + ("." if kw.get("required") else ", or empty."),
        )
        super().__init__(64, **kw)
        self.abbreviations = abbreviations

    def clean(self, value, ctx=None):
        value = super().clean(value, ctx)
        if value and self.abbreviations and value.upper() in TZ_ABBREVIATIONS:
            return value.upper()  # ISNA's seed sends "gmt"
        if value and value not in available_timezones():
            raise FieldError(f"'{value}' is not a known time zone (for example America/New_York).")
        return value


_TZ_CACHE: set[str] = set()


def available_timezones() -> set[str]:
    if not _TZ_CACHE:
        _TZ_CACHE.update(zoneinfo.available_timezones())
    return _TZ_CACHE


class Enum(Str):
    def __init__(self, choices: tuple[str, ...], **kw):
        super().__init__(max(len(c) for c in choices), **kw)
        self.choices = tuple(choices)

    def clean(self, value, ctx=None):
        value = super().clean(value, ctx)
        if value is not None and value not in self.choices:
            raise FieldError(f"must be one of {', '.join(self.choices)} (got '{value}').")
        return value

    def openapi(self):
        return self._doc({"type": "string", "enum": list(self.choices)})


class Bool(Field):
    python_type = bool

    def __init__(self, **kw):
        kw.setdefault("default", False)
        super().__init__(**kw)

    def sa_type(self):
        return Boolean()

    def clean(self, value, ctx=None):
        if value is None:
            if self.required:
                raise FieldError("is required, but missing.")
            return self.initial()
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise FieldError(f"must be true or false, not {json_type(value)}.")

    def parse_text(self, text):
        low = text.strip().lower()
        if low in ("true", "1", "yes", "t"):
            return True
        if low in ("false", "0", "no", "f"):
            return False
        raise FieldError(f"must be true or false (got '{text}').")

    def to_csv(self, value):
        return "" if value is None else ("true" if value else "false")

    def openapi(self):
        return self._doc({"type": "boolean"})


class Int(Field):
    python_type = int

    def __init__(self, *, minimum: int | None = None, maximum: int | None = None, **kw):
        super().__init__(**kw)
        self.minimum, self.maximum = minimum, maximum

    def sa_type(self):
        return Integer()

    def clean(self, value, ctx=None):
        if value is None:
            if self.required:
                raise FieldError("is required, but missing.")
            return self.initial()
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(f"must be an integer, not {json_type(value)}.")
        if self.minimum is not None and value < self.minimum:
            raise FieldError(f"must be at least {self.minimum} (got {value}).")
        if self.maximum is not None and value > self.maximum:
            raise FieldError(f"must be at most {self.maximum} (got {value}).")
        return value

    def parse_text(self, text):
        try:
            return int(text)
        except ValueError:
            raise FieldError(f"must be an integer (got '{text}').") from None

    def openapi(self):
        s = {"type": "integer"}
        if self.minimum is not None:
            s["minimum"] = self.minimum
        if self.maximum is not None:
            s["maximum"] = self.maximum
        return self._doc(s)


class Timestamp(Field):
    python_type = dt.datetime

    def sa_type(self):
        return DateTime()

    def clean(self, value, ctx=None):
        if value is None or value == "":
            if self.required:
                raise FieldError("is required, but missing.")
            return None
        if isinstance(value, dt.datetime):
            return value
        if not isinstance(value, str):
            raise FieldError(f"must be an ISO 8601 date and time, not {json_type(value)}.")
        return self.parse_text(value)

    def parse_text(self, text):
        return parse_datetime(text)

    def to_csv(self, value):
        return "" if value is None else format_datetime(value)

    def openapi(self):
        return self._doc({"type": "string", "format": "date-time"})


class Blob(Field):
    """Bytes stored with the record (audio files), never in the JSON body."""

    searchable = False
    python_type = bytes

    def sa_type(self):
        return LargeBinary()

    def openapi(self):
        return self._doc({"type": "string", "contentMediaType": "application/octet-stream"})


class Json(Field):
    """A JSON document, checked by a shape function that raises FieldError."""

    searchable = False
    is_json = True

    def __init__(
        self, shape: Callable[[Any, Any], Any] | None = None, *, schema=None, plain=False, **kw
    ):
        super().__init__(**kw)
        self.shape = shape
        self.schema = schema or {}
        self.plain = plain  # a string that is not JSON goes to the shape as it is

    def sa_type(self):
        return JSONType

    def clean(self, value, ctx=None):
        if value is None:
            if self.required:
                raise FieldError("is required, but missing.")
            return self.initial()
        if isinstance(value, str):
            # The seeds allow "a JSON object or an escaped JSON string".
            try:
                value = json.loads(value) if value.strip() else self.initial()
            except ValueError as exc:
                if not self.plain:
                    raise FieldError(f"is not valid JSON ({exc}).") from None
        return self.shape(value, ctx) if self.shape else value

    def parse_text(self, text):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise FieldError(f"is not valid JSON ({exc}).") from None

    def to_csv(self, value):
        return "" if value is None else json.dumps(value, separators=(",", ":"))

    def openapi(self):
        if self.schema:
            return self._doc(dict(self.schema))
        # No explicit schema: the shape that checks the value describes it.
        shaped = getattr(self.shape, "openapi", None)
        return self._doc(shaped() if shaped else {})


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


ISO_DATETIME = (
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)


def parse_datetime(text: str) -> dt.datetime:
    """ISO 8601 to a naive UTC datetime (the database stores UTC)."""
    raw = text.strip()
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(
            f"must be an ISO 8601 date and time such as 2022-04-07T11:39:44 (got '{text}')."
        ) from None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def format_datetime(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(sep=" ")
