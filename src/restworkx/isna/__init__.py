"""Internet Single Number Access: the declaration of its objects and settings (seed 004)."""

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
from ..declarations.fields import Json, Name, Number, Str, Timezone
from ..declarations.objects import ObjectSpec, Parent
from ..settings.schema import common_settings
from .rules import RULES

SUBSCRIBER_FIELDS = {
    **subscriber_keys(),
    "display_name": Str(250, doc="Display name."),
    **contact_fields(),
    "address": Str(250, doc="Physical address."),
    "phone": Str(250, doc="Primary phone number."),
    "notes": Str(2048, doc="Free-form notes."),
}

NUMBER = ObjectSpec(
    name="number",
    class_name="Number",
    fields={
        "number": Number(required=True, doc="The telephone number; unique in ISNA."),
        "rules": Json(
            RULES,
            default=list,
            schema=RULES.openapi(),
            doc="The routing rules: an array, or the same as an escaped JSON string.",
        ),
        "timezone": Timezone(
            abbreviations=True, doc="The time zone the rules' times and dates are read in."
        ),
        "service_provider_name": Name(doc="The subscriber's service provider; must exist."),
        "subscriber_name": Name(doc="The subscriber using this number; must exist."),
    },
    path=("service_provider_name", "subscriber_name", "number"),
    unique=("number",),
    scope=("service_provider_name", "subscriber_name"),
    parent=Parent(
        "subscriber", {"service_provider_name": "service_provider_name", "name": "subscriber_name"}
    ),
    csv_columns=("number", "rules", "timezone", "service_provider_name", "subscriber_name"),
    doc="A telephone number routed by its rules.",
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
        ),
    ),
    "number": NUMBER,
    "job": job(),
    "isna_cdr": call_detail_record("isna"),
}

SECTIONS = {
    "use_contact": (True, S.BOOLEAN),
    "menu_destination": ("12345", S.Text(r"[0-9*#+]*", "must be digits.", 32)),
}

SETTINGS = common_settings(
    "isna",
    SECTIONS,
    without=(("menu_forwarding_configuration_file",), ("routing_engine", "refer_timeout")),
    overrides={
        "branding": {"imsworkx": {"label": "Evolve Cellular Inc. ®"}},
        "routing_engine": {"egress_route": "127.0.0.1"},
    },
    extend={"web_settings": {"number_mask": ("{+DDD} (DDD) DDD-DDDD", S.Text(max_length=250))}},
)


application = Application(
    short_name="isna",
    name="Internet Single Number Access",
    version="2.0-3",
    author="IMSWorkX, Inc.",
    objects=OBJECTS,
    settings=SETTINGS,
    groups=default_groups(OBJECTS, "isna_cdr", provisioned=("number",)),
    aliases={"cdr": "isna_cdr"},
)
