"""Small combinators that check JSON documents and say where they are wrong.

A shape is called with (value, ctx) and returns the cleaned value or raises
FieldError; nested failures are prefixed with their path, e.g.
"[0].entries[1].day must be one of MONDAY, ...".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .fields import NUMBER_RE, NUMBER_RULE, FieldError, json_type

Shape = Callable[[Any, Any], Any]


def _at(path: str, exc: FieldError) -> FieldError:
    msg = str(exc)
    sep = "" if msg.startswith(("[", ".")) else " "
    return FieldError(f"{path}{sep}{msg}")


class Obj:
    def __init__(self, schema: dict[str, Shape], required: tuple[str, ...] = (), extra=False):
        self.schema, self.required, self.extra = schema, required, extra

    def __call__(self, value, ctx=None):
        if not isinstance(value, dict):
            raise FieldError(f"must be a JSON object, not {json_type(value)}.")
        out = {}
        for key in self.required:
            if key not in value:
                raise FieldError(f"needs the key '{key}'.")
        for key, item in value.items():
            shape = self.schema.get(key)
            if shape is None:
                if not self.extra:
                    allowed = ", ".join(self.schema)
                    raise FieldError(f"has an unknown key '{key}' (allowed: {allowed}).")
                out[key] = item
                continue
            try:
                out[key] = shape(item, ctx)
            except FieldError as exc:
                raise _at(f".{key}", exc) from None
        return out

    def openapi(self) -> dict:
        props = {k: openapi_of(v) for k, v in self.schema.items()}
        s = {"type": "object", "properties": props, "additionalProperties": self.extra}
        if self.required:
            s["required"] = list(self.required)
        return s


class Arr:
    def __init__(self, item: Shape, max_items: int | None = None):
        self.item, self.max_items = item, max_items

    def __call__(self, value, ctx=None):
        if not isinstance(value, list):
            raise FieldError(f"must be a JSON array, not {json_type(value)}.")
        if self.max_items is not None and len(value) > self.max_items:
            raise FieldError(f"holds at most {self.max_items} entries (got {len(value)}).")
        out = []
        for i, item in enumerate(value):
            try:
                out.append(self.item(item, ctx))
            except FieldError as exc:
                raise _at(f"[{i}]", exc) from None
        return out

    def openapi(self) -> dict:
        s = {"type": "array", "items": openapi_of(self.item)}
        if self.max_items is not None:
            s["maxItems"] = self.max_items
        return s


class Text:
    def __init__(self, pattern: str | None = None, rule: str = "", max_length: int = 250):
        self.pattern = re.compile(pattern) if pattern else None
        self.rule, self.max_length = rule, max_length

    def __call__(self, value, ctx=None):
        if not isinstance(value, str):
            raise FieldError(f"must be a string, not {json_type(value)}.")
        if len(value) > self.max_length:
            raise FieldError(f"is limited to {self.max_length} characters.")
        if self.pattern and not self.pattern.fullmatch(value):
            raise FieldError(self.rule or f"must match {self.pattern.pattern} (got '{value}').")
        return value

    def openapi(self) -> dict:
        s = {"type": "string", "maxLength": self.max_length}
        if self.pattern:
            s["pattern"] = self.pattern.pattern
        return s


class OneOf:
    def __init__(self, choices: tuple[str, ...], upper: bool = False):
        self.choices, self.upper = choices, upper

    def __call__(self, value, ctx=None):
        if isinstance(value, str) and self.upper:
            value = value.upper()
        if value not in self.choices:
            raise FieldError(f"must be one of {', '.join(self.choices)} (got {value!r}).")
        return value

    def openapi(self) -> dict:
        return {"type": "string", "enum": list(self.choices)}


class Boolean:
    def __call__(self, value, ctx=None):
        if not isinstance(value, bool):
            raise FieldError(f"must be true or false, not {json_type(value)}.")
        return value

    def openapi(self) -> dict:
        return {"type": "boolean"}


class Integer:
    def __init__(self, minimum: int | None = None, maximum: int | None = None):
        self.minimum, self.maximum = minimum, maximum

    def __call__(self, value, ctx=None):
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(f"must be an integer, not {json_type(value)}.")
        if self.minimum is not None and value < self.minimum:
            raise FieldError(f"must be at least {self.minimum} (got {value}).")
        if self.maximum is not None and value > self.maximum:
            raise FieldError(f"must be at most {self.maximum} (got {value}).")
        return value

    def openapi(self) -> dict:
        s: dict = {"type": "integer"}
        if self.minimum is not None:
            s["minimum"] = self.minimum
        if self.maximum is not None:
            s["maximum"] = self.maximum
        return s


class AnyJson:
    def __init__(self, *types: type):
        self.types = types or (dict, list)

    def __call__(self, value, ctx=None):
        if not isinstance(value, self.types):
            names = " or ".join({dict: "an object", list: "an array"}[t] for t in self.types)
            raise FieldError(f"must be {names}, not {json_type(value)}.")
        return value

    def openapi(self) -> dict:
        kinds = [{dict: "object", list: "array"}[t] for t in self.types]
        return {"type": kinds if len(kinds) > 1 else kinds[0]}


def openapi_of(shape: Any) -> dict:
    return shape.openapi() if hasattr(shape, "openapi") else {}


NUMBER = Text(NUMBER_RE, NUMBER_RULE, 32)
HHMM = Text(
    r"(?:[01][0-9]|2[0-3]):[0-5][0-9]", "must be a time of day as HH:MM, 00:00 to 23:59.", 5
)
BOOLEAN = Boolean()


def digits(length: int) -> Text:
    return Text(rf"[0-9]{{{length}}}", f"must be exactly {length} digits.", length)
