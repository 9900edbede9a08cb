"""The settings document every application shares, plus its own sections."""

from __future__ import annotations

import copy

from ..declarations import shapes as S
from ..declarations.application import SettingsSpec
from ..declarations.fields import FieldError

LOG_LEVELS = ("EMERG", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO", "DEBUG")
FACILITIES = (*tuple(f"LOCAL{i}" for i in range(8)), "USER", "DAEMON", "SYSLOG")
# Keys "set automatically during installation": read-only through the API.
INSTALLER_KEYS = (
    ("menu_forwarding_configuration_file",),
    ("routing_engine_uri",),
    ("screening_engine_uri",),
    ("download_directory",),
    ("upload_directory",),
    ("job_log_directory",),
    ("application_username",),
    ("application_password",),
    ("routing_interface_impl",),
    ("restworkx", "audit_log_directory"),
)
SECRETS = (("application_password",), ("email_settings", "password"))
MASK = "********"

_TEXT = S.Text(max_length=2048)
_HUE = S.Integer(0, 360)
BRANDING = S.Obj(
    {"color_hue": _HUE, "highlight_hue": _HUE, "logo": _TEXT, "label": _TEXT},
)
EMAIL_MESSAGE = S.Obj({"subject": _TEXT, "headline": _TEXT, "message": _TEXT})


class _Branding:
    """Named appearances: 'imsworkx' and any others the operator adds."""

    def __call__(self, value, ctx=None):
        if not isinstance(value, dict):
            raise FieldError("must be a JSON object of named appearances.")
        out = {}
        for name, item in value.items():
            try:
                out[name] = BRANDING(item, ctx)
            except FieldError as exc:
                raise FieldError(
                    f".{name}{str(exc) if str(exc).startswith('.') else ' ' + str(exc)}"
                ) from None
        return out

    def openapi(self):
        return {"type": "object", "additionalProperties": BRANDING.openapi()}


class _Port:
    """An email port: an integer, or empty for the default."""

    def __call__(self, value, ctx=None):
        if value in ("", None):
            return ""
        return S.Integer(1, 65535)(value, ctx)

    def openapi(self):
        return {"type": ["integer", "string"]}


def common_settings(
    app: str,
    sections: dict,
    *,
    check=None,
    extra_top=None,
    overridable=(),
    without=(),
    overrides=None,
    extend=None,
) -> SettingsSpec:
    """Build an application's settings: common keys plus its own sections.

    ``sections`` maps a top-level key to (defaults, shape). Where an
    application's seed differs from the common document: ``without`` lists
    paths (tuples of keys) it does not have, ``overrides`` is deep-merged into
    the common defaults (seed values), and ``extend`` adds keys to a common
    section, ``{section: {key: (default, shape)}}`` (web_settings.number_mask).
    """
    base = f"/var/opt/xpressworkx/app-manager/{app}"
    defaults = {
        "menu_forwarding_configuration_file": (
            f"/usr/sipxpress/config/{app}-menu-forwarding-configuration.yml"
        ),
        "routing_engine_uri": f"http://niu/{app}-routing-engine",
        "download_directory": f"{base}/media/download",
        "upload_directory": f"{base}/media/upload",
        "job_log_directory": f"{base}/media/download",
        "default_route_on": "1",
        "application_username": f"{app}_application_manager",
        "application_password": "",
        "routing_interface_impl": "com.imsworkx.routingEngine.callflow.HttpClient",
        "branding": {
            "imsworkx": {
                "color_hue": 202,
                "highlight_hue": 198,
                "logo": "logo.png",
                "label": "Evolve Cellular Inc. &reg;",
            }
        },
        "restworkx": {
            "archive_max_days": 7,
            "audit_log_directory": f"{base}/logs/audit-logs/",
            "log_duration": 1,
        },
        "web_settings": {
            "help_page": "http://www.imsworkx.com",
            "password_length": 8,
            "login_attempts": 5,
            "lockout_minutes": 15,
        },
        "security": {
            "client_cert": None,
            "client_key": None,
            "ca_bundle": None,
            "allow_insecure": False,
        },
        "routing_engine": {
            "refer_timeout": 30,
            "egress_route": "",
            "default_no_route_behavior": "404",
            "redirect_address": "",
            "point_code_format": "ansi",
            "sip_routing_prefix": "",
            "sip_connection_type": "redirect",
            "sip_play_media_on_error": True,
        },
        f"{app}_logging": {
            "rsyslog_host": "localhost",
            "rsyslog_port": 514,
            "rsyslog_protocol": "TCP",
            "rsyslog_facility": "LOCAL0",
            "rsyslog_level": "INFO",
        },
        "email_settings": {
            "use_email": False,
            "host": "",
            "user": "",
            "port": "",
            "password": "",
            "use_tls": False,
            "messages": {
                "recover": {
                    "subject": "Recover Your Account",
                    "headline": "Account Recovery",
                    "message": "Click the link below to recover your account.",
                },
                "activate": {
                    "subject": "Activate Your Account",
                    "headline": "Account Activation",
                    "message": "Click the link below to activate your account.",
                },
            },
        },
    }
    nullable_path = S.Text(max_length=4096)

    class _Nullable:
        def __call__(self, value, ctx=None):
            return None if value is None else nullable_path(value, ctx)

        def openapi(self):
            return {"type": ["string", "null"]}

    shape = {
        "menu_forwarding_configuration_file": _TEXT,
        "routing_engine_uri": _TEXT,
        "download_directory": _TEXT,
        "upload_directory": _TEXT,
        "job_log_directory": _TEXT,
        "default_route_on": S.Text(r"[01]", "must be '0' or '1'.", 1),
        "application_username": _TEXT,
        "application_password": _TEXT,
        "routing_interface_impl": _TEXT,
        "branding": _Branding(),
        "restworkx": S.Obj(
            {
                "archive_max_days": S.Integer(0, 36500),
                "audit_log_directory": _TEXT,
                "log_duration": S.Integer(1, 36500),
            }
        ),
        "web_settings": S.Obj(
            {
                "help_page": _TEXT,
                "password_length": S.Integer(1, 1024),
                "login_attempts": S.Integer(1, 1000),
                "lockout_minutes": S.Integer(0, 100000),
            }
        ),
        "security": S.Obj(
            {
                "client_cert": _Nullable(),
                "client_key": _Nullable(),
                "ca_bundle": _Nullable(),
                "allow_insecure": S.BOOLEAN,
            }
        ),
        "routing_engine": S.Obj(
            {
                "refer_timeout": S.Integer(0, 3600),
                "egress_route": _TEXT,
                "default_no_route_behavior": S.Text(
                    r"[3-6]\d\d", "must be a SIP final response code such as 404.", 3
                ),
                "redirect_address": _TEXT,
                "point_code_format": S.OneOf(("ansi", "itu")),
                "sip_routing_prefix": _TEXT,
                "sip_connection_type": S.OneOf(("redirect", "proxy", "refer")),
                "sip_play_media_on_error": S.BOOLEAN,
            }
        ),
        f"{app}_logging": S.Obj(
            {
                "rsyslog_host": S.Text(
                    r"[A-Za-z0-9.\-:\[\]]+", "must be a host name or address.", 253
                ),
                "rsyslog_port": S.Integer(1, 65535),
                "rsyslog_protocol": S.OneOf(("TCP", "UDP"), upper=True),
                "rsyslog_facility": S.OneOf(FACILITIES, upper=True),
                "rsyslog_level": S.OneOf(LOG_LEVELS, upper=True),
            }
        ),
        "email_settings": S.Obj(
            {
                "use_email": S.BOOLEAN,
                "host": _TEXT,
                "user": _TEXT,
                "port": _Port(),
                "password": _TEXT,
                "use_tls": S.BOOLEAN,
                "messages": S.Obj({"recover": EMAIL_MESSAGE, "activate": EMAIL_MESSAGE}),
            }
        ),
    }
    for key, (section_defaults, section_shape) in {**sections, **(extra_top or {})}.items():
        defaults[key] = section_defaults
        shape[key] = section_shape
    for section, keys in (extend or {}).items():
        common = shape[section]
        shape[section] = S.Obj({**common.schema, **{k: v[1] for k, v in keys.items()}})
        defaults[section] = {**defaults[section], **{k: v[0] for k, v in keys.items()}}
    defaults = deep_merge(defaults, overrides or {})
    for path in without:
        parent_defaults, parent_shape = get_path(defaults, path[:-1]), shape
        for key in path[:-1]:
            parent_shape = parent_shape[key].schema
        del parent_defaults[path[-1]], parent_shape[path[-1]]

    doc_shape = S.Obj(shape)

    def validate(doc, ctx=None):
        doc = doc_shape(doc, ctx)
        if check is not None:
            check(doc)
        return doc

    validate.openapi = doc_shape.openapi  # type: ignore[attr-defined]
    return SettingsSpec(
        defaults=defaults,
        shape=validate,
        installer_keys=tuple(p for p in INSTALLER_KEYS if has_path(defaults, p)),
        secrets=SECRETS,
        overridable=tuple(overridable),
    )


def deep_merge(base: dict, change: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def get_path(doc: dict, path: tuple[str, ...]):
    for key in path:
        if not isinstance(doc, dict) or key not in doc:
            return None
        doc = doc[key]
    return doc


def set_path(doc: dict, path: tuple[str, ...], value) -> None:
    for key in path[:-1]:
        doc = doc.setdefault(key, {})
    doc[path[-1]] = value


def has_path(doc: dict, path: tuple[str, ...]) -> bool:
    for key in path:
        if not isinstance(doc, dict) or key not in doc:
            return False
        doc = doc[key]
    return True


def mask(doc: dict, secrets) -> dict:
    out = copy.deepcopy(doc)
    for path in secrets:
        if get_path(out, path):
            set_path(out, path, MASK)
    return out
