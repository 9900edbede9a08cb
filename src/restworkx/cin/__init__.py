"""Call Intercept: the declaration of its objects and settings (seed 002)."""

from __future__ import annotations

from ..declarations import shapes as S
from ..declarations.application import Application, default_groups
from ..declarations.common import (
    CDR_DOC,
    administrator,
    contact_fields,
    job,
    service_provider,
    subscriber,
    subscriber_keys,
)
from ..declarations.fields import Bool, FieldError, Json, Name, Number, Str, Timestamp, json_type
from ..declarations.objects import Check, ObjectSpec, Parent
from ..settings.schema import common_settings

_LOCATION = S.Text(max_length=250)


def _voicemail_shape(value, ctx=None):
    """The seed's text says "a string" (the service location), its example sends []."""
    if isinstance(value, str):
        return _LOCATION(value, ctx)
    if isinstance(value, list):
        return S.Arr(_LOCATION)(value, ctx)
    raise FieldError(f"must be a string or an array of strings, not {json_type(value)}.")


_voicemail_shape.openapi = lambda: {  # type: ignore[attr-defined]
    "oneOf": [{"type": "string", "maxLength": 250}, {"type": "array", "items": {"type": "string"}}]
}


class Voicemail(Json):
    """A voice mail location as plain text, or a JSON array of locations."""

    @staticmethod
    def _is_json(text: str) -> bool:
        return text.lstrip().startswith(("[", '"'))

    def clean(self, value, ctx=None):
        if isinstance(value, str) and value.strip() and not self._is_json(value):
            return self.shape(value, ctx)
        return super().clean(value, ctx)

    def parse_text(self, text):
        return super().parse_text(text) if self._is_json(text) else text


def _pin(doc: str) -> Str:
    return Str(
        32,
        masked=True,
        pattern=r"[0-9]{4,32}",
        rule="must be at least 4 digits (digits only).",
        doc=doc,
    )


def _numbers(doc: str) -> Json:
    shape = S.Arr(S.NUMBER)
    return Json(shape, default=list, schema=shape.openapi(), doc=doc)


def _check_lists(values, ctx):
    both = sorted(set(values.get("vip") or []) & set(values.get("blocked") or []))
    if both:
        raise FieldError(
            f"and 'vip' both hold {', '.join(both)}; a number is either always allowed "
            "or always blocked.",
            field="blocked",
        )


SUBSCRIBER_FIELDS = {
    **subscriber_keys(),
    "display_name": Str(250, doc="Display name."),
    **contact_fields(),
    "address": Str(250, doc="Physical address."),
    "phone": Str(250, doc="Primary phone number."),
    "notes": Str(2048, doc="Free-form notes."),
    "voicemail": Voicemail(
        _voicemail_shape,
        default=list,
        schema=_voicemail_shape.openapi(),
        doc="The voice mail service location (a string, or an array of them).",
    ),
    "service_enabled": Bool(doc="Whether the CIN service is active on this account."),
}

NUMBER = ObjectSpec(
    name="number",
    class_name="Number",
    fields={
        "number": Number(required=True, doc="The telephone number; unique in CIN."),
        "subscriber_name": Name(doc="The subscriber using this number; must exist."),
        "service_provider_name": Name(doc="The subscriber's service provider; must exist."),
        "nickname": Str(250, doc="An optional display name for this number."),
        "ivr_pin": _pin("PIN to log in to the IVR: at least 4 digits."),
        "override_pin": _pin("PIN a caller enters to complete the call: at least 4 digits."),
        "vip": _numbers("Numbers always allowed through."),
        "blocked": _numbers("Numbers always blocked."),
    },
    path=("service_provider_name", "subscriber_name", "number"),
    unique=("number",),
    scope=("service_provider_name", "subscriber_name"),
    parent=Parent(
        "subscriber", {"service_provider_name": "service_provider_name", "name": "subscriber_name"}
    ),
    checks=(Check(("vip", "blocked"), _check_lists),),
    csv_columns=(
        "number",
        "subscriber_name",
        "service_provider_name",
        "nickname",
        "ivr_pin",
        "override_pin",
        "vip",
        "blocked",
    ),
    doc="A telephone number whose calls CIN screens.",
)


def cin_call_detail_record() -> ObjectSpec:
    """CIN's record of a call (seed 002): its own columns, keyed by subscriber only."""
    return ObjectSpec(
        name="cin_cdr",
        class_name="CallDetailRecord",
        fields={
            "cdr_id": Str(64, doc="The call's identifier."),
            "start_time": Timestamp(doc="When the call started (UTC)."),
            "end_time": Timestamp(doc="When the call ended (UTC)."),
            "additional_data": Json(doc="Further data about the call (an array)."),
            "service_provider_name": Str(64, doc="The subscriber's service provider."),
            "subscriber_name": Str(64, doc="The subscriber."),
            "called_party": Str(64, doc="The number called."),
            "calling_party": Str(64, doc="The number calling."),
            "events": Str(65535, doc="The events of the call."),
        },
        path=("service_provider_name", "subscriber_name"),
        scope=("service_provider_name", "subscriber_name"),
        kind="cdr",
        keyed=False,
        writable=False,
        archivable=False,
        default_sort=("-start_time",),
        extra_indexes=(
            ("start_time",),
            ("cdr_id",),
            ("service_provider_name", "start_time"),
            ("service_provider_name", "subscriber_name", "start_time"),
        ),
        csv_columns=(
            "cdr_id",
            "start_time",
            "end_time",
            "additional_data",
            "service_provider_name",
            "subscriber_name",
            "called_party",
            "calling_party",
            "events",
        ),
        doc=CDR_DOC,
    )


OBJECTS = {
    "administrator": administrator(),
    "service_provider": service_provider(),
    "subscriber": subscriber(
        SUBSCRIBER_FIELDS,
        csv_columns=(
            "name",
            "display_name",
            "service_provider_name",
            "first_name",
            "last_name",
            "email",
            "address",
            "phone",
            "notes",
            "voicemail",
            "service_enabled",
        ),
    ),
    "number": NUMBER,
    "job": job(),
    "cin_cdr": cin_call_detail_record(),
}

_TEXT = S.Text(max_length=2048)
TREATMENTS = ("screen", "allow", "block")
SECTIONS = {
    "screening_engine_uri": ("http://niu/cin-screening-engine", _TEXT),
    "screening_engine": (
        {
            "egress_route": "",
            "reject_with_media": False,
            "sip_routing_prefix": "",
            "sip_connection_type": "redirect",
            "ring_while_contacting_called_party": "silence",
            "redirect_destination": "12345",
            "anonymous_treatment": "screen",
            "nomatch_treatment": "screen",
        },
        S.Obj(
            {
                "egress_route": _TEXT,
                "reject_with_media": S.BOOLEAN,
                "sip_routing_prefix": _TEXT,
                "sip_connection_type": S.OneOf(("redirect", "proxy", "refer")),
                "ring_while_contacting_called_party": S.OneOf(("silence", "ulaw", "alaw")),
                "redirect_destination": _TEXT,
                "anonymous_treatment": S.OneOf(TREATMENTS),
                "nomatch_treatment": S.OneOf(TREATMENTS),
            }
        ),
    ),
    "cin_settings": (
        {"csv_retention_days": 30},
        S.Obj({"csv_retention_days": S.Integer(0, 36500)}),
    ),
    "csr_location": ("sip:csr@localhost", _TEXT),
}

SETTINGS = common_settings(
    "cin",
    SECTIONS,
    # The ECF routing keys are not CIN's: it has a screening engine instead.
    without=(
        ("routing_engine_uri",),
        ("default_route_on",),
        ("routing_interface_impl",),
        ("routing_engine",),
    ),
    overrides={
        "branding": {
            "imsworkx": {"color_hue": 75, "highlight_hue": 79, "label": "IMSWorkX, Inc. ®"}
        }
    },
    extend={"web_settings": {"number_mask": ("{+DDD }(DDD) DDD-DDDD", S.Text(max_length=250))}},
)


application = Application(
    short_name="cin",
    name="Call Intercept",
    version="2.0-3",
    author="IMSWorkX, Inc.",
    objects=OBJECTS,
    settings=SETTINGS,
    groups=default_groups(OBJECTS, "cin_cdr", provisioned=("number",)),
    aliases={"cdr": "cin_cdr"},
)
