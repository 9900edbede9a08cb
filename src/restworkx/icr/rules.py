"""ICR's JSON documents: call plan rules, far-end pickup values, number sources."""

from __future__ import annotations

import re

from ..declarations import shapes as S
from ..declarations.fields import FieldError, json_type

FAR_END_TYPES = ("NONE", "SIP", "NUMBER", "TRUNK", "TRUNK-OUTPULSE")
_LABEL = S.Text(max_length=250)
_NUMBERS = S.Arr(S.NUMBER)


class Destination:
    """{number: [...], sip, trunk, parameters, route_advance: <destination>}; needs a target."""

    keys = ("number", "sip", "trunk")

    def __call__(self, value, ctx=None):
        shape = S.Obj(
            {
                "number": _NUMBERS,
                "sip": S.Text(max_length=2048),
                "trunk": S.Text(max_length=250),
                "parameters": S.AnyJson(dict),
                "route_advance": self,
            }
        )
        out = shape(value, ctx)
        if not any(out.get(k) for k in self.keys):
            raise FieldError("needs a target: a non-empty 'number' list, 'sip' or 'trunk'.")
        return out

    def openapi(self):
        return {
            "type": "object",
            "description": "number (list), sip or trunk; route_advance holds the next "
            "destination tried when this one cannot be connected.",
            "properties": {
                "number": _NUMBERS.openapi(),
                "sip": {"type": "string"},
                "trunk": {"type": "string"},
                "parameters": {"type": "object"},
                "route_advance": {"type": "object"},
            },
            "additionalProperties": False,
        }


class Criteria:
    """{always: true} or custom criteria (any JSON values, per icr.custom_criteria)."""

    def __call__(self, value, ctx=None):
        if not isinstance(value, dict) or not value:
            raise FieldError(f"must be a non-empty JSON object, not {json_type(value)}.")
        if "always" in value and not isinstance(value["always"], bool):
            raise FieldError(".always must be true or false.")
        return value

    def openapi(self):
        return {"type": "object", "minProperties": 1, "properties": {"always": {"type": "boolean"}}}


RULE = S.Obj(
    {
        "label": _LABEL,
        "criteria": Criteria(),
        "destination": Destination(),
        "parameters": S.AnyJson(dict),
    },
    required=("label", "criteria", "destination"),
)
RULES = S.Arr(RULE, max_items=1000)


def rules_shape(value, ctx=None):
    """A list of rules; a single rule object is taken as a list of one."""
    if isinstance(value, dict):
        value = [value]
    return RULES(value, ctx)


rules_shape.openapi = lambda: {"oneOf": [RULES.openapi(), RULE.openapi()]}  # type: ignore[attr-defined]


def check_far_end(values: dict, ctx) -> None:
    kind = values.get("far_end_pickup_destination_type") or "NONE"
    target = values.get("far_end_pickup_destination_values") or {}
    if not isinstance(target, dict):
        raise FieldError("must be a JSON object.", field="far_end_pickup_destination_values")
    if kind == "NONE" and target:
        raise FieldError(
            "must be {} when far_end_pickup_destination_type is NONE.",
            field="far_end_pickup_destination_values",
        )
    if kind == "NUMBER":
        try:
            S.Obj({"number": S.NUMBER}, required=("number",), extra=True)(target)
        except FieldError as exc:
            raise FieldError(
                f"for NUMBER {exc}", field="far_end_pickup_destination_values"
            ) from None


# -- number sources (settings.routing_engine.*_sources_config) --------------------------------
SOURCES = ("hdr.from", "hdr.p_asserted_identity", "request_uri", "hdr.to", "hdr.diversion")
HEURISTICS = ("longest-digit-substring", "as-is")
_COUNTRY_CODE = S.Text(r"[1-9]\d{0,2}", "must be a country code of 1 to 3 digits.", 3)


class _NullableText:
    def __call__(self, value, ctx=None):
        return None if value is None else S.Text(max_length=250)(value, ctx)

    def openapi(self):
        return {"type": ["string", "null"]}


class _Range:
    def __call__(self, value, ctx=None):
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        ):
            raise FieldError("must be two integers [start, end).")
        if not 0 <= value[0] < value[1]:
            raise FieldError("must satisfy 0 <= start < end.")
        return value

    def openapi(self):
        return {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}


POST_STEPS = {
    "strip_prefix": S.Obj(
        {"type": S.Text(), "prefix": S.Text(r"[0-9*#+]+", "must be digits.")}, required=("prefix",)
    ),
    "extract_substring": S.Obj({"type": S.Text(), "range": _Range()}, required=("range",)),
    "set_cc": S.Obj({"type": S.Text(), "country_code": _COUNTRY_CODE}, required=("country_code",)),
    "default_cc": S.Obj(
        {"type": S.Text(), "country_code": _COUNTRY_CODE}, required=("country_code",)
    ),
    "require_digits": S.Obj({"type": S.Text(), "min_length": S.Integer(0, 64)}),
}


class PostStep:
    """{"type": "<step>", ...its properties}."""

    def __call__(self, value, ctx=None):
        if not isinstance(value, dict):
            raise FieldError(f"must be a JSON object, not {json_type(value)}.")
        kind = value.get("type")
        if kind not in POST_STEPS:
            raise FieldError(f".type must be one of {', '.join(POST_STEPS)} (got {kind!r}).")
        return POST_STEPS[kind](value, ctx)

    def openapi(self):
        return {
            "oneOf": [
                {
                    **s.openapi(),
                    "properties": {**s.openapi()["properties"], "type": {"const": name}},
                }
                for name, s in POST_STEPS.items()
            ]
        }


SOURCE_CONFIG = S.Obj(
    {
        "source": S.OneOf(SOURCES),
        "policy": S.Obj(
            {
                "user_phone_missing_context": _NullableText(),
                "attempt_implicit_user_phone": S.BOOLEAN,
                "heuristic_digits": S.OneOf(HEURISTICS),
            }
        ),
        "post": S.Arr(PostStep()),
    },
    required=("source",),
)
SOURCES_CONFIG = S.Arr(SOURCE_CONFIG)


def check_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise FieldError(f"is not a valid regular expression ({exc}).") from None
