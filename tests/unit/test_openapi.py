"""The OpenAPI document is generated from the declarations and is valid OpenAPI 3.1."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from restworkx import applications
from restworkx.declarations.fields import Enum, Int, Str
from restworkx.openapi import build
from restworkx.queries import MAX_LIMIT, QUERY_PARAMETERS

APPS = applications.installed({})  # no restworkx.apps: every application


def _schema(doc, ref_or_schema):
    ref = ref_or_schema.get("$ref")
    if ref is None:
        return ref_or_schema
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]]


def _params(doc, op):
    out = {}
    for p in op.get("parameters", []):
        if "$ref" in p:
            p = doc["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
        out[p["name"]] = p
    return out


def _camel(name):
    return "".join(part.title() for part in name.split("_"))


@pytest.fixture(params=sorted(APPS), scope="module")
def app(request):
    return APPS[request.param]


@pytest.fixture(scope="module")
def doc(app):
    return build(app)


def test_every_application_has_a_valid_openapi_31_document(app, doc):
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["version"] == app.version
    assert doc["servers"][0]["url"] == f"/{app.short_name}/api"


def test_document_is_cached_and_copied(app):
    first, second = build(app), build(app)
    assert first == second and first is not second


def test_every_object_path_and_method(app, doc):
    paths = doc["paths"]
    for spec in app.objects.values():
        for depth in range(len(spec.path) + 1):
            url = "/" + "/".join([spec.name, *(f"{{{k}}}" for k in spec.path[:depth])])
            assert url in paths, url
            ops = paths[url]
            item = depth == len(spec.path)
            assert "get" in ops
            if spec.writable:
                expected = {"get", "post", "put", "delete"} if item else {"get", "post"}
                assert set(ops) == expected, url
            elif spec.kind == "cdr":
                assert set(ops) == {"get"}, url
            declared = {p["name"] for p in ops["get"]["parameters"] if p.get("in") == "path"}
            assert declared == set(spec.path[:depth])
    for alias in app.aliases:
        assert f"/{alias}" in paths
    for fixed in ("/authenticate", "/activate", "/settings", "/openapi.json"):
        assert fixed in paths
    assert "post" in paths["/administrator/{role_id}/{username}/reset"]
    assert set(paths["/settings"]) == {"get", "put"}


def test_every_public_field_is_in_the_record_and_the_body(app, doc):
    schemas = doc["components"]["schemas"]
    for spec in app.objects.values():
        attributes = schemas[f"{_camel(spec.name)}Attributes"]
        assert set(attributes["properties"]) == set(spec.public_fields)
        assert attributes["additionalProperties"] is False
        hidden = {n for n, f in spec.fields.items() if f.hidden or f.secret}
        assert not hidden & set(attributes["properties"])
        if not spec.writable or spec.kind != "record":
            continue
        collection = doc["paths"][f"/{spec.name}"]
        body = collection["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert set(body["properties"]) == set(spec.writable_fields)
        assert body["additionalProperties"] is False
        required = [n for n, f in spec.writable_fields.items() if f.required]
        assert sorted(body.get("required", [])) == sorted(required)
        item = "/" + "/".join([spec.name, *(f"{{{k}}}" for k in spec.path)])
        put = doc["paths"][item]["put"]["requestBody"]["content"]["application/json"]["schema"]
        assert "required" not in put and set(put["properties"]) == set(spec.writable_fields)


def test_field_limits_show_up(app, doc):
    schemas = doc["components"]["schemas"]
    for spec in app.objects.values():
        props = schemas[f"{_camel(spec.name)}Attributes"]["properties"]
        for name, f in spec.public_fields.items():
            s = props[name]
            if isinstance(f, Enum):
                assert set(f.choices) <= set(s["enum"])
            elif isinstance(f, Str):
                assert s["maxLength"] == f.max_length, (spec.name, name)
                if f.pattern is not None:
                    assert s["pattern"] == f"^(?:{f.pattern.pattern})$"
            elif isinstance(f, Int):
                if f.minimum is not None:
                    assert s["minimum"] == f.minimum
                if f.maximum is not None:
                    assert s["maximum"] == f.maximum


def test_a_declared_limit_reaches_the_document():
    doc = build(APPS["ecf"])
    props = doc["components"]["schemas"]["ServiceProviderAttributes"]["properties"]
    assert props["notes"]["maxLength"] == 2048
    assert props["email"]["format"] == "email"
    body = doc["paths"]["/subscriber/{service_provider_name}"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert "service_provider_name" not in schema["required"]  # the path gives it
    assert {"name", "pin"} <= set(schema["required"])
    day = schema["properties"]["schedules"]["anyOf"][0]["items"]["properties"]["entries"]
    assert day["items"]["properties"]["start"]["pattern"].startswith("^")


def test_table_query_parameters_and_limits(app, doc):
    for url, ops in doc["paths"].items():
        if url.startswith("/administrator/") and url.endswith("/reset"):
            continue
        get = ops.get("get")
        if get is None or url in ("/settings", "/openapi.json"):
            continue
        params = _params(doc, get)
        if "metadata" in params:  # a blob download
            continue
        assert set(QUERY_PARAMETERS) <= set(params), url
        limit = params["limit"]["schema"]
        assert (limit["minimum"], limit["maximum"]) == (0, MAX_LIMIT)
    for ops in doc["paths"].values():
        if "delete" in ops:
            assert {"archive", "restore"} <= set(_params(doc, ops["delete"]))


def test_envelopes_and_errors(doc):
    schemas = doc["components"]["schemas"]
    error = schemas["ErrorEnvelope"]["properties"]["meta"]["properties"]
    assert error["scope"] == {"const": "exception"}
    assert error["code"]["type"] == "integer"
    get = doc["paths"]["/service_provider"]["get"]
    one_of = get["responses"]["200"]["content"]["application/json"]["schema"]["oneOf"]
    assert {s["$ref"].rsplit("/", 1)[1] for s in one_of} == {
        "ServiceProviderEnvelope",
        "ErrorEnvelope",
    }
    assert "Allow" in get["responses"]["405"]["headers"]
    record = schemas["ServiceProviderRecord"]["properties"]
    assert set(record) == {"scope", "meta", "links", "attributes"}
    schemes = doc["components"]["securitySchemes"]
    assert schemes["token"] == {**schemes["token"], "in": "header", "name": "Authorization"}
    assert schemes["bearer"]["scheme"] == "bearer"
    assert doc["paths"]["/authenticate"]["post"]["security"] == []


def test_csv_columns_extension(app, doc):
    for spec in app.objects.values():
        if spec.kind == "job":
            continue
        ops = doc["paths"][f"/{spec.name}"]
        assert ops["get"]["x-csv-columns"] == list(spec.csv_columns)


def test_settings_schema_comes_from_the_settings_shape(app, doc):
    settings = doc["components"]["schemas"]["Settings"]
    assert set(app.settings.defaults) <= set(settings["properties"])
    change = doc["components"]["schemas"]["SettingsChange"]
    assert "required" not in change


def test_patterns_are_anchored(doc):
    def patterns(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "pattern" and isinstance(value, str):
                    yield value
                else:
                    yield from patterns(value)
        elif isinstance(node, list):
            for value in node:
                yield from patterns(value)

    found = list(patterns(doc))
    assert found
    for pattern in found:
        assert pattern.startswith("^") and pattern.endswith("$"), pattern
        re.compile(pattern)


def test_served_at_openapi_json(testapp):
    resp = testapp.get("/ecf/api/openapi.json")
    assert resp.content_type == "application/json"
    assert resp.json == build(APPS["ecf"])
    assert testapp.post("/ecf/api/openapi.json", status=405).headers["Allow"] == "GET"
