"""The OpenAPI 3.1 document of an application, generated from its declarations.

Nothing here is written by hand per object: every path, method, parameter and
schema comes from the application's ObjectSpecs (fields, keys, kind), the
table-query module (parameters, limits), the envelope module (the answer's
shape) and the settings shape. ``build(app)`` returns the document (cached per
application); ``GET /<app>/api/openapi.json`` serves it without a token.

How the server answers, as documented here:

- Errors answer HTTP 200 with ``meta.scope == "exception"`` (the seeds' "read
  the body"), so every 200 is one of a success or an error envelope. A client
  that sends ``X-API-Status: http`` gets the body's code as the HTTP status.
- A method an endpoint does not support is a real 405 with ``Allow``.
"""

from __future__ import annotations

import copy
import importlib.util
import re
from typing import Any

from . import __version__, queries
from .api import NO_PERMISSION_REQUIRED, api_view, method_not_allowed
from .declarations.application import Application
from .declarations.fields import Field, Json, Str, Timestamp
from .declarations.objects import META_COLUMNS, ObjectSpec
from .envelope import STATUS_HEADER
from .queries import DEFAULT_LIMIT, MAX_LIMIT, QUERY_PARAMETERS, SORT_FUNCTIONS
from .resources import ApiRoot

OPENAPI_VERSION = "3.1.0"
DOCUMENT_NAME = "openapi.json"
# The answer's datetime form: format_datetime() writes isoformat(sep=" "), in UTC.
DATETIME_TEXT = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$",
    "description": "UTC date and time, 'YYYY-MM-DD HH:MM:SS[.ffffff]'.",
}
REF = "#/components/schemas/"
PARAM_REF = "#/components/parameters/"
ERROR_NOTE = (
    "Success envelope, or an error envelope (meta.scope 'exception', meta.code the error's "
    f"code): errors answer HTTP 200 unless the request sends '{STATUS_HEADER}: http'."
)

QUERY_DOCS = {
    "sort": (
        "Order by columns: '<column> ASC', '<column> DES' (or DESC), or '<column>:asc|desc'; "
        "several comma-separated. Unknown columns are a 400."
    ),
    "search": (
        "Comma-separated 'field:value' (exact) or 'field:low:high' (between, both ends "
        "excluded). Timestamps take ISO datetimes, whose own colons do not split."
    ),
    "like": "Substring matched against every string field of the object; any may match.",
    "sort_function": (
        "Comma-separated 'function:column[:asc|desc]', applied to a string column before "
        f"sorting; functions: {', '.join(SORT_FUNCTIONS)}. Overrides sort."
    ),
    "icontains": (
        "Comma-separated 'field:value': case-insensitive contains on string fields; an "
        "exact search on the same field takes precedence."
    ),
    "limit": f"Records per page, 0 to {MAX_LIMIT}; 0 answers only records_total.",
    "offset": "Records skipped from the start.",
    "archive": "true reads the archive instead of the live records.",
}


def query_docs() -> dict[str, str]:
    """Each table-query parameter's description: the text above, else the one in the
    queries module's docstring (so a parameter added there is documented here too)."""
    found: dict[str, str] = {}
    name = None
    for line in (queries.__doc__ or "").splitlines():
        m = re.match(r"^([a-z_]+)\s{2,}(.*)$", line)
        if m and m.group(1) in QUERY_PARAMETERS:
            name = m.group(1)
            found[name] = m.group(2).strip()
        elif name and line.startswith(" ") and line.strip():
            found[name] += " " + line.strip()
        else:
            name = None
    return {n: QUERY_DOCS.get(n) or found.get(n) or n for n in QUERY_PARAMETERS}


# -- schema helpers -------------------------------------------------------------
def _walk(schema: Any, fn) -> Any:
    """Apply fn to every schema object (dict) in a JSON-schema tree, bottom-up."""
    if isinstance(schema, list):
        return [_walk(s, fn) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "$defs"):
            out[key] = {k: _walk(v, fn) for k, v in value.items()}
        elif key in (
            "items",
            "additionalProperties",
            "not",
            "contentSchema",
            "if",
            "then",
            "else",
        ) or key in ("allOf", "anyOf", "oneOf", "prefixItems"):
            out[key] = _walk(value, fn)
        else:
            out[key] = value
    return fn(out)


def _anchor(schema: dict) -> dict:
    """Declarations match patterns whole (re.fullmatch); JSON Schema searches them."""
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not (pattern.startswith("^") and pattern.endswith("$")):
        schema["pattern"] = f"^(?:{pattern})$"
    return schema


def clean_schema(schema: dict) -> dict:
    return _walk(copy.deepcopy(schema), _anchor)


def _without_required(schema: dict) -> dict:
    schema.pop("required", None)
    return schema


def nullable(schema: dict) -> dict:
    """The same schema, also allowing null (an unset field reads as null)."""
    s = copy.deepcopy(schema)
    if not s:
        return s
    kind = s.get("type")
    if kind is None:
        return {"anyOf": [s, {"type": "null"}]}
    kinds = kind if isinstance(kind, list) else [kind]
    if "null" not in kinds:
        s["type"] = [*kinds, "null"]
    if "enum" in s and None not in s["enum"]:
        s["enum"] = [*s["enum"], None]
    return s


def _default(f: Field) -> Any:
    default = f.initial()
    if isinstance(default, str | int | float | bool | list | dict):
        return default
    return None


def field_schema(f: Field, *, request: bool) -> dict:
    """A field's JSON schema: its own openapi() plus what the machinery adds."""
    s = clean_schema(f.openapi())
    if f.doc and "description" not in s:
        s["description"] = f.doc
    if request:
        default = _default(f)
        if default is not None and default != [] and default != {}:
            s["default"] = default
        if isinstance(f, Json):
            # The seeds accept "a JSON object or an escaped JSON string".
            text = {"type": "string", "contentMediaType": "application/json"}
            if s:
                text["contentSchema"] = {k: v for k, v in s.items() if k != "description"}
            inner = {k: v for k, v in s.items() if k != "description"}
            s = {"anyOf": [inner, text]} if inner else {}
            if f.doc:
                s["description"] = f.doc
        return s
    if isinstance(f, Timestamp):
        s = {**DATETIME_TEXT, **({"description": f.doc} if f.doc else {})}
    if f.readonly:
        s["readOnly"] = True
    return s


def _camel(name: str) -> str:
    return "".join(part.title() for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def _ref(name: str) -> dict:
    return {"$ref": REF + name}


# -- the document ---------------------------------------------------------------
class _Builder:
    def __init__(self, app: Application):
        self.app = app
        self.paths: dict[str, dict] = {}
        self.schemas: dict[str, dict] = {}
        self.parameters: dict[str, dict] = {}
        self.tags: list[dict] = []
        self.jobs = importlib.util.find_spec("restworkx.jobs") is not None

    # components ----------------------------------------------------------------
    def common(self):
        app = self.app
        self.schemas["JsonApi"] = {
            "type": "object",
            "properties": {
                "version": {"type": "string", "const": app.version},
                "name": {"type": "string", "const": app.name},
                "short_name": {"type": "string", "const": app.short_name},
                "author": {"type": "string", "const": app.author},
            },
            "required": ["version", "name", "short_name", "author"],
        }
        self.schemas["ErrorEnvelope"] = {
            "type": "object",
            "description": "An error: read meta.code and meta.message.",
            "properties": {
                "meta": {
                    "type": "object",
                    "properties": {
                        "scope": {"const": "exception"},
                        "message": {"type": "string"},
                        "code": {"type": "integer", "minimum": 400, "maximum": 599},
                        "encoding": {"const": "ascii"},
                    },
                    "required": ["scope", "message", "code", "encoding"],
                },
                "jsonapi": _ref("JsonApi"),
            },
            "required": ["meta", "jsonapi"],
            "additionalProperties": False,
        }
        count = {"type": "integer", "minimum": 0}
        self.schemas["SuccessMeta"] = {
            "type": "object",
            "description": (
                "Success: code 200 (205 after an archive, restore or purge). A new "
                "administrator's answer adds activation_token (or activation)."
            ),
            "properties": {
                "scope": {"const": "success"},
                "code": {"type": "integer", "enum": [200, 205]},
                "message": {"type": "string"},
                "encoding": {"const": "ascii"},
                "zoom": {"type": "integer"},
                "archive": {"type": "boolean"},
                "authorization": {
                    "type": "string",
                    "description": "The request's own Authorization header, echoed.",
                },
                "records_total": count,
                "records_shown": count,
                "records_page_size": count,
                "records_page_offset": count,
                "activation_token": {"type": "string"},
                "activation": {"type": "string"},
            },
            "required": [
                "scope",
                "code",
                "message",
                "encoding",
                "zoom",
                "archive",
                "authorization",
                "records_total",
                "records_shown",
                "records_page_size",
                "records_page_offset",
            ],
        }
        self.schemas["RecordMeta"] = {
            "type": "object",
            "properties": {
                **dict.fromkeys(("created", "modified", "archived"), DATETIME_TEXT),
                "created_by": {"type": "string"},
                "modified_by": {"type": "string"},
            },
            "required": list(META_COLUMNS),
            "additionalProperties": False,
        }
        self.schemas["Token"] = {
            "type": "object",
            "properties": {"token": {"type": "string", "minLength": 1}},
            "required": ["token"],
            "additionalProperties": False,
        }
        self.schemas["TokenEnvelope"] = self.envelope_schema(
            {"type": "array", "items": _ref("Token"), "maxItems": 1}
        )
        self.schemas["EmptyEnvelope"] = self.envelope_schema({"type": "array", "maxItems": 0})
        docs = query_docs()
        for name in QUERY_PARAMETERS:
            schema: dict = {"type": "string"}
            if name == "limit":
                schema = {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": MAX_LIMIT,
                    "default": DEFAULT_LIMIT,
                }
            elif name == "offset":
                schema = {"type": "integer", "minimum": 0, "default": 0}
            elif name == "archive":
                schema = {"type": "boolean", "default": False}
            self.parameters[name] = {
                "name": name,
                "in": "query",
                "required": False,
                "description": docs[name],
                "schema": schema,
            }
        self.parameters["restore"] = {
            "name": "restore",
            "in": "query",
            "required": False,
            "description": "With archive=true: restore the archived record instead of purging.",
            "schema": {"type": "boolean", "default": False},
        }

    def envelope_schema(self, data: dict) -> dict:
        return {
            "type": "object",
            "properties": {"meta": _ref("SuccessMeta"), "data": data, "jsonapi": _ref("JsonApi")},
            "required": ["meta", "data", "jsonapi"],
            "additionalProperties": False,
        }

    # responses -----------------------------------------------------------------
    def responses(self, success: str, allow: tuple[str, ...], extra: dict | None = None) -> dict:
        content = {
            "application/json": {
                "schema": {"oneOf": [_ref(success), _ref("ErrorEnvelope")]},
            }
        }
        if extra:
            content.update(extra)
        return {
            "200": {"description": ERROR_NOTE, "content": content},
            "405": {
                "description": "The method is not supported here; an empty body.",
                "headers": {
                    "Allow": {
                        "description": f"The methods the endpoint supports: {', '.join(allow)}.",
                        "schema": {"type": "string"},
                    }
                },
            },
            "4XX": {
                "description": f"An error, only when the request sends '{STATUS_HEADER}: http'.",
                "content": {"application/json": {"schema": _ref("ErrorEnvelope")}},
            },
        }

    # objects -------------------------------------------------------------------
    def object_schemas(self, spec: ObjectSpec) -> str:
        base = _camel(spec.name)
        fields = spec.public_fields
        self.schemas[f"{base}Attributes"] = {
            "type": "object",
            "description": spec.doc,
            "properties": {n: nullable(field_schema(f, request=False)) for n, f in fields.items()},
            "required": list(fields),
            "additionalProperties": False,
        }
        identifier = {n: nullable(field_schema(fields[n], request=False)) for n in spec.path}
        self.schemas[f"{base}Record"] = {
            "type": "object",
            "properties": {
                "scope": {"const": spec.name},
                "meta": _ref("RecordMeta"),
                "links": {
                    "type": "object",
                    "properties": {
                        "self": {
                            "type": "object",
                            "properties": {
                                "scope": {"const": spec.name},
                                "identifier": {
                                    "type": "object",
                                    "properties": identifier,
                                    "required": list(spec.path),
                                    "additionalProperties": False,
                                },
                                "uri": {"type": "string"},
                            },
                            "required": ["scope", "identifier", "uri"],
                        }
                    },
                    "required": ["self"],
                },
                "attributes": _ref(f"{base}Attributes"),
            },
            "required": ["scope", "meta", "links", "attributes"],
            "additionalProperties": False,
        }
        self.schemas[f"{base}Envelope"] = self.envelope_schema(
            {"type": "array", "items": _ref(f"{base}Record")}
        )
        return base

    def body(self, spec: ObjectSpec, path_keys: tuple[str, ...], *, create: bool) -> dict:
        fields = spec.writable_fields
        props = {n: field_schema(f, request=True) for n, f in fields.items()}
        s: dict = {"type": "object", "properties": props, "additionalProperties": False}
        if create:
            required = [n for n, f in fields.items() if f.required and n not in path_keys]
            if required:
                s["required"] = required
            s["description"] = (
                f"Create one {spec.class_name} record. The path's keys fill the matching fields; a "
                "body that contradicts the path is a 400."
            )
        else:
            s["description"] = (
                f"Modify the {spec.class_name} (only the fields given change), or create it "
                "when it does not exist (then the create rules apply)."
            )
        return s

    def path_parameters(self, spec: ObjectSpec, keys: tuple[str, ...]) -> list[dict]:
        out = []
        for name in keys:
            s = field_schema(spec.fields[name], request=True)
            s.pop("default", None)
            s.setdefault("type", "string")
            if s["type"] == "string":
                s.setdefault("minLength", 1)
            out.append(
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "description": spec.fields[name].doc or name,
                    "schema": s,
                }
            )
        return out

    def add_object(self, spec: ObjectSpec, url_name: str, *, alias: bool = False):
        base = self.object_schemas(spec) if not alias else _camel(spec.name)
        tag = spec.name
        envelope = f"{base}Envelope"
        op_prefix = _camel(url_name)
        table = [{"$ref": PARAM_REF + n} for n in QUERY_PARAMETERS]
        csv = list(spec.csv_columns)
        n = len(spec.path)
        for depth in range(n + 1):
            keys = spec.path[:depth]
            item = depth == n
            url = "/" + "/".join([url_name, *(f"{{{k}}}" for k in keys)])
            level = "item" if item else ("list" if depth == 0 else f"list_by_{keys[-1]}")
            ops: dict[str, dict] = {}
            params = self.path_parameters(spec, keys)
            allow = self.allowed(spec, item, depth)

            def op(
                method, summary, *, parameters=(), body=None, extra=None, _lvl=level, _allow=allow
            ):
                o = {
                    "tags": [tag],
                    "operationId": f"{method}{op_prefix}{_camel(_lvl)}",
                    "summary": summary,
                    "parameters": list(parameters),
                    "responses": self.responses(envelope, _allow, extra),
                }
                if body is not None:
                    o["requestBody"] = body
                if spec.kind != "job" and spec.csv_columns:
                    o["x-csv-columns"] = csv
                return o

            blob_item = spec.kind == "blob" and item
            if blob_item:
                get_params = [
                    {"$ref": PARAM_REF + "archive"},
                    {
                        "name": "metadata",
                        "in": "query",
                        "required": False,
                        "description": "true answers the JSON record instead of the bytes.",
                        "schema": {"type": "boolean", "default": False},
                    },
                ]
                ops["get"] = op(
                    "get",
                    f"Download the {spec.class_name}'s bytes (or its record with metadata=true).",
                    parameters=get_params,
                    extra={
                        spec.blob.content_type: {
                            "schema": {"type": "string", "contentMediaType": spec.blob.content_type}
                        }
                    },
                )
            elif item and spec.keyed:
                ops["get"] = op(
                    "get",
                    f"Read one {spec.class_name} (data is empty when it is not provisioned).",
                    parameters=table,
                )
            else:
                ops["get"] = op(
                    "get", f"List {spec.class_name} records under this path.", parameters=table
                )
            if "POST" in allow and spec.kind in ("record", "blob"):
                ops["post"] = op(
                    "post",
                    f"Create one {spec.class_name} record.",
                    body=self.request_body(spec, keys, create=True),
                )
            if item and "PUT" in allow:
                ops["put"] = op(
                    "put",
                    f"Modify the {spec.class_name}, or create it when it does not exist.",
                    body=self.request_body(spec, keys, create=False),
                )
            if item and "DELETE" in allow:
                ops["delete"] = op(
                    "delete",
                    "Archive the record (with what hangs under it); with archive=true purge "
                    "it from the archive, with archive=true&restore=true restore it. The "
                    "success code in the body is 205.",
                    parameters=[{"$ref": PARAM_REF + "archive"}, {"$ref": PARAM_REF + "restore"}],
                )
                ops["delete"]["responses"]["200"]["content"]["application/json"]["schema"] = {
                    "oneOf": [_ref("EmptyEnvelope"), _ref("ErrorEnvelope")]
                }
            if spec.kind == "job" and depth == 1 and self.jobs:
                ops["post"] = self.job_post(op, spec)
            for o in ops.values():
                o["parameters"] = params + o["parameters"]
            self.paths[url] = ops
        if spec.name == "administrator" and not alias:
            self.reset_path(spec)

    def allowed(self, spec: ObjectSpec, item: bool, depth: int) -> tuple[str, ...]:
        """The methods the views answer (records.views._allowed, jobs, blobs)."""
        if spec.writable:
            return ("GET", "POST", "PUT", "DELETE") if item else ("GET", "POST")
        if spec.kind == "job" and depth == 1 and self.jobs:
            return ("GET", "POST")
        return ("GET",)

    def request_body(self, spec: ObjectSpec, keys: tuple[str, ...], *, create: bool) -> dict:
        schema = self.body(spec, keys, create=create)
        content: dict = {"application/json": {"schema": schema}}
        if spec.kind == "blob":
            blob = spec.blob
            form = {k: v for k, v in schema.items() if k != "properties"}
            props = {}
            for name, f in spec.writable_fields.items():
                prop = schema["properties"][name]
                if isinstance(f, Str):  # form fields are text
                    prop = {k: v for k, v in prop.items() if k != "default"}
                props["name" if name == blob.name_field else name] = prop
            props["file"] = {
                "type": "string",
                "format": "binary",
                "contentMediaType": blob.content_type,
                "description": (
                    f"The bytes ({blob.content_type}, at most {blob.max_bytes}); 'name' "
                    f"(the {blob.name_field}) defaults to the upload's file name."
                ),
            }
            form["properties"] = props
            required = [n for n in form.get("required", []) if n != blob.name_field]
            form["required"] = [*required, "file"] if create else required
            if not form["required"]:
                del form["required"]
            content = {"multipart/form-data": {"schema": form}}
            if not create:
                content["application/json"] = {"schema": schema}
        return {"required": True, "content": content}

    def job_post(self, op, spec: ObjectSpec) -> dict:
        app = self.app
        importable = [
            s.name for s in app.objects.values() if s.writable and s.kind in ("record", "blob")
        ]
        exportable = [s.name for s in app.objects.values() if s.kind != "job"]
        body = {
            "type": "object",
            "description": (
                "An import reads in_file (a CSV in the upload directory) and appends its "
                "rows; an export writes the object's CSV columns to the out_file."
            ),
            "properties": {
                "job_type": {"type": "string", "enum": ["import", "export"]},
                "object": {"type": "string", "enum": sorted(set(importable + exportable))},
                "in_file": {
                    "type": "string",
                    "maxLength": 1024,
                    "description": "For an import: a file in the upload directory.",
                },
                "service_provider_name": {"type": "string", "maxLength": 64},
            },
            "required": ["job_type", "object"],
            "additionalProperties": True,
        }
        executable = {
            "name": "executable",
            "in": "query",
            "required": True,
            "description": "The program that runs the job.",
            "schema": {"type": "string", "enum": [f"restworkx-{app.short_name}"]},
        }
        o = op(
            "post",
            "Start an import or export job; the answer is the job record (status processing).",
            parameters=[executable],
            body={"required": True, "content": {"application/json": {"schema": body}}},
        )
        o["x-csv-columns"] = {
            s.name: list(s.csv_columns) for s in app.objects.values() if s.kind != "job"
        }
        return o

    def reset_path(self, spec: ObjectSpec):
        self.paths["/administrator/{role_id}/{username}/reset"] = {
            "post": {
                "tags": ["authentication"],
                "operationId": "postAdministratorReset",
                "summary": (
                    "Reset the administrator's password: answers a reset token, or mails "
                    "it when email_settings.use_email is on (then callable without a token)."
                ),
                "security": [{}, {"token": []}, {"bearer": []}],
                "parameters": self.path_parameters(spec, spec.path),
                "responses": self.responses("TokenEnvelope", ("POST",)),
            }
        }

    # the rest of the API -------------------------------------------------------
    def auth_paths(self):
        credentials = {
            "type": "object",
            "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
            "required": ["username", "password"],
        }
        self.paths["/authenticate"] = {
            "post": {
                "tags": ["authentication"],
                "operationId": "postAuthenticate",
                "summary": (
                    "Log in: answers a token to send as 'Authorization: Basic <token>' (or "
                    "Bearer). Tokens expire after 24 hours; a failure is a 401 in the body."
                ),
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": credentials}},
                },
                "responses": self.responses("TokenEnvelope", ("POST",)),
            }
        }
        activation = {
            "type": "object",
            "properties": {
                "username": {"type": "string"},
                "token": {"type": "string", "description": "An activation or reset token."},
                "password": {
                    "type": "string",
                    "description": "The new password (web_settings.password_length at least).",
                },
            },
            "required": ["username", "token", "password"],
        }
        self.paths["/activate"] = {
            "post": {
                "tags": ["authentication"],
                "operationId": "postActivate",
                "summary": "Set a password with an activation or reset token.",
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": activation}},
                },
                "responses": self.responses("EmptyEnvelope", ("POST",)),
            }
        }

    def settings_path(self):
        settings = self.app.settings
        schema = clean_schema(settings.shape.openapi())
        if settings.overridable:
            marks: dict = {"type": "object", "properties": {}, "additionalProperties": False}
            for path in settings.overridable:
                node = marks
                for key in path[:-1]:
                    node = node["properties"].setdefault(
                        key, {"type": "object", "properties": {}, "additionalProperties": False}
                    )
                node["properties"][path[-1]] = {"type": "boolean"}
            marks["description"] = (
                "Which settings service provider administrators may override (platform owner)."
            )
            schema.setdefault("properties", {})["__override__"] = marks
        self.schemas["Settings"] = schema
        self.schemas["SettingsChange"] = _walk(copy.deepcopy(schema), _without_required)
        self.schemas["SettingsChange"]["description"] = (
            "Deep-merged into the settings. Keys set by the installer cannot change; secrets "
            "read back masked."
        )
        self.schemas["SettingsRecord"] = {
            "type": "object",
            "properties": {
                "scope": {"const": "settings"},
                "links": {"type": "object"},
                "attributes": _ref("Settings"),
            },
            "required": ["scope", "links", "attributes"],
            "additionalProperties": False,
        }
        self.schemas["SettingsEnvelope"] = self.envelope_schema(
            {"type": "array", "items": _ref("SettingsRecord"), "maxItems": 1}
        )
        allow = ("GET", "PUT")
        self.paths["/settings"] = {
            "get": {
                "tags": ["settings"],
                "operationId": "getSettings",
                "summary": "The effective settings for the caller (secrets masked).",
                "responses": self.responses("SettingsEnvelope", allow),
            },
            "put": {
                "tags": ["settings"],
                "operationId": "putSettings",
                "summary": "Deep-merge a change into the settings.",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("SettingsChange")}},
                },
                "responses": self.responses("SettingsEnvelope", allow),
            },
        }

    def document_path(self):
        self.paths["/" + DOCUMENT_NAME] = {
            "get": {
                "tags": ["meta"],
                "operationId": "getOpenApiDocument",
                "summary": "This document.",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document of the application.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "405": {"description": "Only GET is supported."},
                },
            }
        }

    def build(self) -> dict:
        app = self.app
        self.common()
        self.auth_paths()
        for spec in app.objects.values():
            self.tags.append({"name": spec.name, "description": spec.doc})
            self.add_object(spec, spec.name)
        for alias, target in app.aliases.items():
            self.add_object(app.objects[target], alias, alias=True)
        self.settings_path()
        self.document_path()
        self.tags += [
            {"name": "authentication", "description": "Tokens and passwords."},
            {"name": "settings", "description": "The application's settings document."},
            {"name": "meta", "description": "About the API itself."},
        ]
        base = f"/{app.short_name}/api"
        return {
            "openapi": OPENAPI_VERSION,
            "info": {
                "title": f"{app.name} ({app.short_name.upper()}) API",
                "version": app.version,
                "description": (
                    f"The provisioning API of {app.name}, generated by restworkx {__version__} "
                    "from the declarations that drive it. " + ERROR_NOTE + " A method an "
                    "endpoint does not support is a real HTTP 405 with an Allow header. "
                    "Aliases: "
                    + (", ".join(f"{a} = {t}" for a, t in app.aliases.items()) or "none")
                    + "."
                ),
            },
            "servers": [
                {"url": base},
                {
                    "url": base + "/{version}",
                    "description": "The same API after an optional version segment.",
                    "variables": {"version": {"default": "v1"}},
                },
            ],
            "security": [{"token": []}, {"bearer": []}],
            "tags": self.tags,
            "paths": self.paths,
            "components": {
                "schemas": self.schemas,
                "parameters": self.parameters,
                "securitySchemes": {
                    "token": {
                        "type": "apiKey",
                        "in": "header",
                        "name": "Authorization",
                        "description": "'Basic <token>' with a token from POST /authenticate.",
                    },
                    "bearer": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "'Bearer <token>' is accepted too.",
                    },
                },
            },
        }


_CACHE: dict[int, tuple[Application, dict]] = {}


def _cached(app: Application) -> dict:
    hit = _CACHE.get(id(app))
    if hit is None or hit[0] is not app:
        hit = _CACHE[id(app)] = (app, _Builder(app).build())
    return hit[1]


def build(app: Application) -> dict:
    """The application's OpenAPI document (built once per application, then a copy)."""
    return copy.deepcopy(_cached(app))


# -- the view ---------------------------------------------------------------------
@api_view(
    context=ApiRoot,
    name=DOCUMENT_NAME,
    request_method=("GET", "HEAD"),
    permission=NO_PERMISSION_REQUIRED,
    renderer="json",
)
def openapi_document(context, request):
    return _cached(request.application)


@api_view(context=ApiRoot, name=DOCUMENT_NAME, permission=NO_PERMISSION_REQUIRED)
def openapi_method(context, request):
    return method_not_allowed(("GET",))


def includeme(config):
    config.scan(__name__)
