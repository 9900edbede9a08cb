"""Enhanced Call Forwarding: the declaration of its objects and settings (seed 000)."""

from __future__ import annotations

from ..declarations import shapes as S
from ..declarations.application import Application, default_groups
from ..declarations.common import (
    administrator,
    call_detail_record,
    contact_fields,
    job,
    service_provider,
    subscriber,
    subscriber_keys,
)
from ..declarations.fields import Bool, FieldError, Json, Number, Str, Timezone
from ..declarations.objects import Check
from ..settings.schema import common_settings

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


def _days(value, ctx=None):
    """One day, several comma-separated, or an array of day names."""
    items = value if isinstance(value, list) else str(value).split(",") if value else []
    if not items or not all(isinstance(v, str) for v in items):
        raise FieldError(f"must name days of the week: {', '.join(DAYS)}.")
    out = [S.OneOf(DAYS, upper=True)(v.strip()) for v in items]
    return out[0] if isinstance(value, str) and len(out) == 1 else out


_days.openapi = lambda: {  # type: ignore[attr-defined]
    "oneOf": [
        {"type": "string", "description": "a day name or several, comma-separated"},
        {"type": "array", "items": {"type": "string", "enum": list(DAYS)}},
    ]
}

SCHEDULE_ENTRY = S.Obj(
    {"start": S.HHMM, "end": S.HHMM, "day": _days, "number": S.NUMBER},
    required=("start", "end", "day", "number"),
)
SCHEDULE = S.Obj({"entries": S.Arr(SCHEDULE_ENTRY), "active": S.BOOLEAN}, required=("entries",))
ACCEPTANCE_LIST = S.Obj({"entries": S.Arr(S.NUMBER), "active": S.BOOLEAN}, required=("entries",))
SCREENING = S.Obj({"active": S.BOOLEAN, "pin": S.digits(4)})
FORWARD_PLAN_ENTRY = S.Obj(
    {"number": S.NUMBER, "duration": S.Integer(1, 525600)}, required=("number", "duration")
)


def _json(shape, doc, default=list, **kw):
    return Json(shape, default=default, schema=S.openapi_of(shape), doc=doc, **kw)


def _check_pin(values, ctx):
    pin = values.get("pin")
    ecf = ctx.settings["ecf_settings"]
    low, high = ecf["pin_min"], ecf["pin_max"]
    if pin is not None and not (pin.isascii() and pin.isdigit() and low <= len(pin) <= high):
        span = f"{low}" if low == high else f"{low} to {high}"
        raise FieldError(f"must be {span} digits (ecf_settings pin_min/pin_max).", field="pin")


def _check_speed_calls(values, ctx):
    numbers = values.get("speed_call_numbers") or []
    limit = ctx.settings["ecf_settings"]["speed_call_max"]
    if len(numbers) > limit:
        raise FieldError(
            f"holds at most {limit} numbers (ecf_settings speed_call_max; got {len(numbers)}).",
            field="speed_call_numbers",
        )


SUBSCRIBER_FIELDS = {
    **subscriber_keys(),
    "pin": Str(
        32, required=True, masked=True, doc="PIN for the IVR; digits, pin_min to pin_max long."
    ),
    "timezone": Timezone(),
    "call_manager": Bool(doc="May use acceptance lists and forwarding schedules."),
    "screening": _json(
        SCREENING, "Call screening: {active, pin (4 digits)}.", default=dict, masked=True
    ),
    "account_lock": Bool(doc="Locked after too many invalid PIN entries."),
    **contact_fields(),
    "display_name": Str(250, doc="Display name."),
    "phone": Str(250, doc="Primary phone number."),
    "address": Str(250, doc="Physical address."),
    "speed_call_numbers": _json(S.Arr(S.NUMBER), "Speed call numbers (speed_call_max)."),
    "acceptance_lists": _json(S.Arr(ACCEPTANCE_LIST), "Acceptance lists: {entries, active}."),
    "schedules": _json(S.Arr(SCHEDULE), "Forwarding schedules: {entries, active}."),
    "forward_plan": _json(
        S.Arr(FORWARD_PLAN_ENTRY), "Forwarding plan: {number, duration in minutes}."
    ),
    "default_number": Number(doc="Where calls go when no plan is active."),
    "params": _json(S.AnyJson(dict, list), "Always active routing parameters.", default=dict),
    "notes": Str(2048, doc="Free-form notes."),
}

OBJECTS = {
    "administrator": administrator(),
    "service_provider": service_provider(),
    "subscriber": subscriber(
        SUBSCRIBER_FIELDS,
        checks=(
            Check(("pin",), _check_pin),
            Check(("speed_call_numbers",), _check_speed_calls),
        ),
        csv_columns=(
            "service_provider_name",
            "name",
            "display_name",
            "address",
            "first_name",
            "last_name",
            "email",
            "phone",
            "pin",
            "timezone",
            "default_number",
            "account_lock",
            "call_manager",
            "schedules",
            "acceptance_lists",
            "speed_call_numbers",
            "forward_plan",
            "screening",
            "params",
            "notes",
        ),
    ),
    "job": job(),
    "ecf_cdr": call_detail_record("ecf"),
}

ECF_SETTINGS = {
    "ecf_settings": (
        {
            "use_contact": True,
            "csr_location": "",
            "pin_max": 4,
            "pin_min": 4,
            "pin_retries": 3,
            "speed_call_max": 3,
            "pin_length": 4,
            "csv_retention_days": 30,
        },
        S.Obj(
            {
                "use_contact": S.BOOLEAN,
                "csr_location": S.Text(max_length=2048),
                "pin_max": S.Integer(1, 32),
                "pin_min": S.Integer(1, 32),
                "pin_retries": S.Integer(0, 100),
                "speed_call_max": S.Integer(0, 1000),
                "pin_length": S.Integer(1, 32),
                "csv_retention_days": S.Integer(0, 36500),
            }
        ),
    ),
}


def _check_settings(doc):
    ecf = doc["ecf_settings"]
    if ecf["pin_min"] > ecf["pin_max"]:
        raise FieldError("ecf_settings.pin_min must not exceed ecf_settings.pin_max.")


application = Application(
    short_name="ecf",
    name="Enhanced Call Forwarding",
    version="2.2-17",
    author="IMSWorkX, Inc.",
    objects=OBJECTS,
    settings=common_settings("ecf", ECF_SETTINGS, check=_check_settings),
    groups=default_groups(OBJECTS, "ecf_cdr", provisioned=()),
    aliases={"cdr": "ecf_cdr"},
)
