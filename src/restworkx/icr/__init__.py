"""Intelligent Call Routing: the declaration of its objects and settings (seed 001)."""

from __future__ import annotations

from ..declarations import shapes as S
from ..declarations.application import Application, PermissionGroup, all_rights
from ..declarations.common import (
    administrator,
    call_detail_record,
    contact_fields,
    job,
    service_provider,
    subscriber,
    subscriber_keys,
)
from ..declarations.fields import Blob, Enum, FieldError, Int, Json, Name, Number, Str, Timezone
from ..declarations.objects import Blob as BlobSpec
from ..declarations.objects import Check, ObjectSpec, Parent
from ..settings.schema import common_settings
from .audio import check_wav
from .rules import FAR_END_TYPES, SOURCES_CONFIG, check_far_end, check_regex, rules_shape


class LegacyId(Int):
    """An integer from the legacy API; empty ("" or {} as the seed shows) means none."""

    def clean(self, value, ctx=None):
        if value in ("", {}, None):
            return None
        return super().clean(value, ctx)


class Regex(Str):
    def clean(self, value, ctx=None):
        value = super().clean(value, ctx)
        if value is not None:
            check_regex(value)
        return value


def _wav_name(value: str) -> None:
    if not value.lower().endswith(".wav"):
        raise FieldError("must name a .wav file.")


class WavName(Name):
    def clean(self, value, ctx=None):
        value = super().clean(value, ctx)
        if value is not None:
            _wav_name(value)
        return value


LOWER = {"lowercase": True}
SP = service_provider(
    {"legacy_service_provider_id": LegacyId(minimum=0, doc="ID from the legacy API.")}, **LOWER
)

SUBSCRIBER = subscriber(
    {
        **subscriber_keys(**LOWER),
        **contact_fields(),
        "display_name": Str(250, doc="Display name."),
        "phone": Str(250, doc="Primary phone number."),
        "address": Str(250, doc="Physical address."),
        "notes": Str(2048, doc="Free-form notes."),
        "legacy_subscriber_id": LegacyId(minimum=0, doc="ID from the legacy API."),
    },
    csv_columns=(
        "service_provider_name",
        "name",
        "display_name",
        "first_name",
        "last_name",
        "email",
        "phone",
        "address",
        "legacy_subscriber_id",
        "notes",
    ),
)

NUMBER = ObjectSpec(
    name="number",
    class_name="Number",
    fields={
        "service_provider_name": Name(doc="The subscriber's service provider."),
        "subscriber_name": Name(doc="The subscriber using this number."),
        "number": Number(required=True, doc="The telephone number; unique in ICR."),
        "timezone": Timezone(required=True, abbreviations=True),
        "params": Json(S.AnyJson(dict), default=dict, doc="Parameters for this number."),
    },
    path=("service_provider_name", "subscriber_name", "number"),
    unique=("number",),
    scope=("service_provider_name", "subscriber_name"),
    parent=Parent(
        "subscriber", {"service_provider_name": "service_provider_name", "name": "subscriber_name"}
    ),
    doc="A telephone number routed for a subscriber.",
)

AUDIO = ObjectSpec(
    name="audio",
    class_name="Audio",
    fields={
        "service_provider_name": Name(doc="The service provider owning the file."),
        "file": WavName(250, doc="The file name; must end in .wav."),
        "server": Str(250, doc="The NIU holding the file (default: this host)."),
        "location": Str(1024, doc="Where the file lives on that server."),
        "label": Str(250, doc="A nickname for the file."),
        "size": Int(doc="Bytes in the file (set from the upload).", readonly=True),
        "content": Blob(hidden=True),
    },
    path=("service_provider_name", "file"),
    scope=("service_provider_name", None),
    parent=Parent("service_provider", {"name": "service_provider_name"}),
    blob=BlobSpec("content", "audio/wav", check_wav, name_field="file", size_field="size"),
    kind="blob",
    doc="A WAV audio file played by call plans.",
)

CALL_PLAN = ObjectSpec(
    name="call_plan",
    class_name="CallPlan",
    fields={
        "service_provider_name": Name(doc="The service provider."),
        "subscriber_name": Name(doc="The subscriber using this call plan."),
        "name": Name(250, doc="Name of the call plan."),
        "display_name": Str(250, doc="Display name."),
        "rules": Json(
            rules_shape,
            default=list,
            schema=rules_shape.openapi(),
            doc="Rules: label, criteria, destination (with route_advance).",
        ),
        "timeout": Int(minimum=1, maximum=3600, default=30, doc="Seconds before a call fails."),
        "far_end_pickup_destination_type": Enum(FAR_END_TYPES, default="NONE"),
        "far_end_pickup_destination_values": Json(
            S.AnyJson(dict), default=dict, doc='Far end pickup target, e.g. {"number": ...}.'
        ),
    },
    path=("service_provider_name", "subscriber_name", "name"),
    scope=("service_provider_name", "subscriber_name"),
    parent=Parent(
        "subscriber", {"service_provider_name": "service_provider_name", "name": "subscriber_name"}
    ),
    checks=(
        Check(
            ("far_end_pickup_destination_type", "far_end_pickup_destination_values"),
            check_far_end,
        ),
    ),
    doc="A call plan: ordered rules routing a subscriber's calls.",
)

CONSTRAINT = ObjectSpec(
    name="constraint",
    class_name="Constraint",
    fields={
        "service_provider_name": Name(doc="The service provider."),
        "label": Name(250, doc="The constraint's label, unique in its provider."),
        "type": Enum(("REQUIRE", "BLOCK"), default="REQUIRE"),
        "description": Str(250, doc="What the constraint does."),
        "value": Regex(2048, required=True, doc="A regular expression on the destination."),
    },
    path=("service_provider_name", "label"),
    scope=("service_provider_name", None),
    parent=Parent("service_provider", {"name": "service_provider_name"}),
    doc="A call destination constraint.",
)

ROUTING_TABLE = ObjectSpec(
    name="routing_table",
    class_name="RoutingTable",
    fields={
        "call_plan_service_provider_name": Name(doc="The call plan's service provider."),
        "call_plan_subscriber_name": Name(doc="The call plan's subscriber."),
        "call_plan_name": Name(250, doc="The call plan; must exist."),
        "number": Number(required=True, doc="The number routed by this entry."),
        "priority": Int(minimum=0, maximum=99, default=0, doc="Lower is evaluated first."),
        "call_plan_display_name": Str(250, doc="Display name of the call plan."),
    },
    path=(
        "call_plan_service_provider_name",
        "call_plan_subscriber_name",
        "call_plan_name",
        "number",
    ),
    scope=("call_plan_service_provider_name", "call_plan_subscriber_name"),
    parent=Parent(
        "call_plan",
        {
            "service_provider_name": "call_plan_service_provider_name",
            "subscriber_name": "call_plan_subscriber_name",
            "name": "call_plan_name",
        },
    ),
    default_sort=(
        "call_plan_service_provider_name",
        "call_plan_subscriber_name",
        "priority",
        "call_plan_name",
        "number",
    ),
    doc="Orders a number's call plans by priority.",
)

OBJECTS = {
    "administrator": administrator(),
    "service_provider": SP,
    "subscriber": SUBSCRIBER,
    "number": NUMBER,
    "audio": AUDIO,
    "call_plan": CALL_PLAN,
    "constraint": CONSTRAINT,
    "routing_table": ROUTING_TABLE,
    "job": job(),
    "icr_cdr": call_detail_record("icr"),
}

_SOURCE_POLICY = {"user_phone_missing_context": None, "attempt_implicit_user_phone": False}


def _source(name, heuristic):
    return {"source": name, "policy": {**_SOURCE_POLICY, "heuristic_digits": heuristic}, "post": []}


_TEXT = S.Text(max_length=2048)
ROUTING_ENGINE = (
    {
        "egress_route": "",
        "default_no_route_behavior": "404",
        "redirect_address": "",
        "point_code_format": "ansi",
        "sip_routing_prefix": "",
        "sip_connection_type": "redirect",
        "sip_play_media_on_error": False,
        "route_call_timeout": 1,
        "calling_number_source": "",
        "calling_sources_config": [
            _source("hdr.from", "longest-digit-substring"),
            _source("hdr.p_asserted_identity", "longest-digit-substring"),
        ],
        "called_sources_config": [_source("hdr.to", "as-is"), _source("request_uri", "as-is")],
    },
    S.Obj(
        {
            "egress_route": _TEXT,
            "default_no_route_behavior": S.Text(
                r"[3-6]\d\d", "must be a SIP final response code such as 404.", 3
            ),
            "redirect_address": _TEXT,
            "point_code_format": S.OneOf(("ansi", "itu")),
            "sip_routing_prefix": _TEXT,
            "sip_connection_type": S.OneOf(("redirect", "proxy", "refer")),
            "sip_play_media_on_error": S.BOOLEAN,
            "route_call_timeout": S.Integer(0, 3600),
            "calling_number_source": _TEXT,
            "calling_sources_config": SOURCES_CONFIG,
            "called_sources_config": SOURCES_CONFIG,
        }
    ),
)
WEB_SETTINGS = (
    {
        "help_page": "http://www.imsworkx.com",
        "password_length": 8,
        "number_mask": "{+ddd }(ddd) ddd-dddd",
        "audio_package": "xpressworkx",
        "login_attempts": 5,
        "lockout_minutes": 15,
    },
    S.Obj(
        {
            "help_page": _TEXT,
            "password_length": S.Integer(1, 1024),
            "number_mask": S.Text(max_length=250),
            "audio_package": S.Text(max_length=250),
            "login_attempts": S.Integer(1, 1000),
            "lockout_minutes": S.Integer(0, 100000),
        }
    ),
)
_MENU_TABLE = S.Obj(
    {"schema_name": _TEXT, "schema_version": _TEXT, "table_schema": _TEXT, "table_name": _TEXT}
)
SECTIONS = {
    "menu_destination": ("12345", S.Text(r"[0-9*#+]*", "must be digits.", 32)),
    "csr_location": ("", _TEXT),
    "use_contact": (True, S.BOOLEAN),
    "web_settings": WEB_SETTINGS,
    "routing_engine": ROUTING_ENGINE,
    "icr": (
        {
            "custom_criteria": False,
            "custom_fields": "",
            "csv_retention_days": 30,
            "strip_prefix_enabled": False,
            "strip_prefix": "",
            "strip_prefix_min_digits": 0,
            "strip_country_code_enabled": False,
        },
        S.Obj(
            {
                "custom_criteria": S.BOOLEAN,
                "custom_fields": _TEXT,
                "csv_retention_days": S.Integer(0, 36500),
                "strip_prefix_enabled": S.BOOLEAN,
                "strip_prefix": S.Text(r"[0-9*#+]*", "must be digits.", 32),
                "strip_prefix_min_digits": S.Integer(0, 64),
                "strip_country_code_enabled": S.BOOLEAN,
            }
        ),
    ),
    "menu": (
        {
            "data": {
                "schema_name": "icr",
                "schema_version": "1",
                "table_schema": "routing_engine",
                "table_name": "menu",
            },
            "redirect": {
                "schema_name": "icr",
                "schema_version": "1",
                "table_schema": "routing_engine",
                "table_name": "menu_redirect",
            },
        },
        S.Obj({"data": _MENU_TABLE, "redirect": _MENU_TABLE}),
    ),
}
# "This setting has a service provider override option" (seed 001).
OVERRIDABLE = (
    ("use_contact",),
    ("web_settings", "help_page"),
    ("web_settings", "password_length"),
    ("routing_engine", "egress_route"),
    ("routing_engine", "default_no_route_behavior"),
    ("routing_engine", "redirect_address"),
    ("routing_engine", "sip_routing_prefix"),
    ("routing_engine", "sip_connection_type"),
)

_ALL = ("view", "create", "edit", "archive")
_VIEW = ("view",)
PROVISIONED = ("subscriber", "number", "call_plan", "constraint", "routing_table")


def _group(name, roles, rights, doc):
    return PermissionGroup(name, roles, rights, doc)


GROUPS = [
    _group(
        "default:platform_owner",
        ("platform_owner",),
        all_rights([*OBJECTS, "settings"]),
        "Everything in ICR.",
    ),
    _group(
        "default:service_provider",
        ("service_provider",),
        {
            "service_provider": ("view", "edit"),
            **dict.fromkeys(PROVISIONED, _ALL),
            "administrator": _ALL,
            "settings": ("view", "edit"),
            "job": ("view", "create"),
            "icr_cdr": _VIEW,
        },
        "Provision one service provider (audio needs icr_view_audio/icr_provision_audio).",
    ),
    _group(
        "default:subscriber",
        ("subscriber",),
        {
            "service_provider": _VIEW,
            "subscriber": ("view", "edit"),
            **dict.fromkeys(("number", "call_plan", "routing_table"), _ALL),
            "constraint": _VIEW,
            "administrator": _ALL,
            "settings": _VIEW,
            "job": ("view", "create"),
            "icr_cdr": _VIEW,
        },
        "Manage one subscriber's numbers and call plans.",
    ),
    _group(
        "view_subscriber",
        ("service_provider", "subscriber"),
        {"service_provider": _VIEW, "subscriber": _VIEW, "settings": _VIEW},
        "Read subscribers only.",
    ),
    _group(
        "icr_view_audio",
        ("platform_owner", "service_provider", "subscriber"),
        {"audio": _VIEW},
        "Read and download audio files.",
    ),
    _group(
        "icr_provision_audio",
        ("platform_owner", "service_provider"),
        {"audio": _ALL},
        "Upload, change and archive audio files.",
    ),
    _group(
        "icr_default:icr_platform_owner_views",
        ("platform_owner",),
        dict.fromkeys([*OBJECTS, "settings"], _VIEW),
        "Read everything.",
    ),
    _group(
        "icr_default:icr_service_provider_views",
        ("service_provider",),
        dict.fromkeys(("service_provider", *PROVISIONED, "icr_cdr", "settings", "job"), _VIEW),
        "Read one service provider's provisioning.",
    ),
    _group(
        "icr_default:icr_service_provider_provisioning",
        ("service_provider",),
        {
            "service_provider": _VIEW,
            **dict.fromkeys(PROVISIONED, _ALL),
            "settings": _VIEW,
            "job": ("view", "create"),
        },
        "Provision one service provider.",
    ),
    _group(
        "alter_platform_owner_user",
        ("platform_owner",),
        {"administrator": _ALL},
        "Manage administrators.",
    ),
    _group(
        "alter_service_provider_user",
        ("service_provider",),
        {"administrator": _ALL},
        "Manage the provider's administrators.",
    ),
    # The permission groups themselves are fixed in this release; these names are
    # accepted for compatibility and grant nothing beyond reading settings.
    _group(
        "list_permission_groups",
        ("platform_owner", "service_provider"),
        {"settings": _VIEW},
        "Reserved.",
    ),
    _group("create_permission_group", ("platform_owner",), {"settings": _VIEW}, "Reserved."),
    _group("add_permission_group_entries", ("platform_owner",), {"settings": _VIEW}, "Reserved."),
]

application = Application(
    short_name="icr",
    name="Intelligent Call Routing",
    version="2.0-3",
    author="IMSWorkX, Inc.",
    objects=OBJECTS,
    settings=common_settings("icr", SECTIONS, overridable=OVERRIDABLE),
    groups={g.name: g for g in GROUPS},
    aliases={"cdr": "icr_cdr"},
)
