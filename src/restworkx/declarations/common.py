"""Objects every application has: administrator and service provider, and
the key fields of a subscriber. Applications add their own fields."""

from __future__ import annotations

from .fields import Email, Field, FieldError, Int, Json, Name, Str, Timestamp
from .objects import Check, ObjectSpec, Parent
from .roles import parse_role


def contact_fields() -> dict[str, Field]:
    return {
        "first_name": Str(250, doc="First name of the contact."),
        "last_name": Str(250, doc="Last name of the contact."),
        "email": Email(doc="Where notifications and password reset requests are sent."),
    }


def _derive_admin_scope(values: dict) -> None:
    role = parse_role(values.get("role_id"))
    values["scope_sp"], values["scope_sub"] = role.sp, role.sub


def _admin_parents(values: dict) -> list[tuple[str, dict]]:
    role = parse_role(values["role_id"])
    if role.kind == "subscriber":
        return [("subscriber", {"service_provider_name": role.sp, "name": role.sub})]
    if role.kind == "service_provider":
        return [("service_provider", {"name": role.sp})]
    return []


def _check_permissions(values: dict, ctx) -> None:
    groups = values.get("permissions") or []
    role = parse_role(values["role_id"])
    for name in groups:
        group = ctx.app.groups.get(name)
        if group is None:
            known = ", ".join(ctx.app.groups)
            raise FieldError(f"names an unknown permission group '{name}' (groups: {known}).")
        if role.kind not in group.roles:
            raise FieldError(f"group '{name}' is not for the role {role.kind}.")


def _permissions_shape(value, ctx):
    if isinstance(value, str):  # the seeds send one group as a plain string
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FieldError("must be an array of permission group names.")
    return list(dict.fromkeys(value))


class _RoleField(Str):
    def clean(self, value, ctx=None):
        value = super().clean(value, ctx)
        if value is not None:
            parse_role(value)
        return value


def administrator(extra: dict[str, Field] | None = None) -> ObjectSpec:
    fields: dict[str, Field] = {
        "username": Str(
            64,
            required=True,
            pattern=r"[a-z0-9_]+",
            rule="may contain only lowercase letters, digits and underscores.",
            doc="Unique user name: lowercase letters, digits, underscores; 64 at most.",
        ),
        "role_id": _RoleField(
            250,
            required=True,
            doc="platform_owner, service_provider:<sp> or subscriber:<sp>:<sub>.",
        ),
        **contact_fields(),
        "permissions": Json(
            _permissions_shape,
            default=list,
            plain=True,
            schema={"type": ["array", "string"], "items": {"type": "string"}},
            doc="Permission groups; empty means the role's default group.",
        ),
        **(extra or {}),
        "scope_sp": Name(required=False, hidden=True),
        "scope_sub": Name(required=False, hidden=True),
        "password_hash": Str(255, secret=True, hidden=True),
        "password_changed": Timestamp(hidden=True),
        "failed_logins": Int(hidden=True, default=0),
        "locked_until": Timestamp(hidden=True),
    }

    def check(values, ctx):
        try:
            _check_permissions(values, ctx)
        except FieldError as exc:
            raise FieldError(str(exc), field="permissions") from None

    return ObjectSpec(
        name="administrator",
        class_name="Administrator",
        fields=fields,
        path=("role_id", "username"),
        unique=("username",),
        scope=("scope_sp", "scope_sub"),
        derive=_derive_admin_scope,
        parents_of=_admin_parents,
        checks=(Check(("role_id", "permissions"), check),),
        csv_columns=("username", "role_id", "first_name", "last_name", "email", "permissions"),
        doc="An administrator of the application, scoped by its role.",
    )


def service_provider(
    extra: dict[str, Field] | None = None, *, lowercase: bool = False, csv_columns=()
) -> ObjectSpec:
    fields: dict[str, Field] = {
        "name": Name(lowercase=lowercase, doc="Unique name of the service provider."),
        "display_name": Str(250, doc="Display name."),
        **contact_fields(),
        "address": Str(250, doc="Physical address."),
        "phone": Str(250, doc="Primary phone number."),
        "notes": Str(2048, doc="Free-form notes."),
        **(extra or {}),
    }
    return ObjectSpec(
        name="service_provider",
        class_name="ServiceProvider",
        fields=fields,
        path=("name",),
        scope=("name", None),
        container=True,
        csv_columns=csv_columns
        or ("name", "display_name", "first_name", "last_name", "email", "address", "phone"),
        doc="A service provider (not an administrator account).",
    )


def subscriber_keys(*, lowercase: bool = False) -> dict[str, Field]:
    return {
        "service_provider_name": Name(doc="The service provider; must exist."),
        "name": Name(lowercase=lowercase, doc="Name of the subscriber, unique in its provider."),
    }


def subscriber(fields: dict[str, Field], **kw) -> ObjectSpec:
    # Subscribers are the big tables (a million on one appliance): a provider's page,
    # searched by a person's name and sorted by name, first or last name or last
    # change, and its count come from an index alone (index_include, sort_indexes).
    page_columns = (*(n for n in ("first_name", "last_name") if n in fields), "modified")
    kw.setdefault("index_include", page_columns)
    kw.setdefault("sort_indexes", page_columns)
    return ObjectSpec(
        name="subscriber",
        class_name="Subscriber",
        fields=fields,
        path=("service_provider_name", "name"),
        scope=("service_provider_name", "name"),
        container=True,
        parent=Parent("service_provider", {"name": "service_provider_name"}),
        doc="A subscriber (not an administrator account).",
        **kw,
    )


CDR_DOC = "Call detail records, written by the call-routing side; read-only."


def call_detail_record(app: str) -> ObjectSpec:
    """The ECF/ICR/ISNA record of a call (seed 000 and 003 columns)."""
    return ObjectSpec(
        name=f"{app}_cdr",
        class_name="CallDetailRecord",
        fields={
            "original_called_number": Str(64, doc="The number dialled to start the call."),
            "called_number": Str(64, doc="The number the call was routed to."),
            "calling_number": Str(64, doc="The number making the call."),
            "start_time": Timestamp(doc="When the call started (UTC)."),
            "end_time": Timestamp(doc="When the call ended (UTC)."),
            "route": Json(doc="The route event; empty when no route was returned."),
            "service_provider_name": Str(64, doc="The subscriber's service provider."),
            "subscriber_name": Str(64, doc="The subscriber."),
            "cdrs": Json(doc="Every event of the call."),
        },
        path=("service_provider_name", "subscriber_name", "original_called_number"),
        scope=("service_provider_name", "subscriber_name"),
        kind="cdr",
        keyed=False,
        writable=False,
        archivable=False,
        default_sort=("-start_time",),
        # A page of a provider's or subscriber's calls, newest first.
        extra_indexes=(
            ("start_time",),
            ("service_provider_name", "start_time"),
            ("service_provider_name", "subscriber_name", "start_time"),
        ),
        csv_columns=(
            "called_number",
            "subscriber_name",
            "cdrs",
            "start_time",
            "calling_number",
            "end_time",
            "original_called_number",
            "route",
            "service_provider_name",
        ),
        doc=CDR_DOC,
    )


def _derive_job_scope(values: dict) -> None:
    role = parse_role(values.get("role_id"))
    values["scope_sp"], values["scope_sub"] = role.sp, role.sub


def job() -> ObjectSpec:
    """An import or export job (seed 003); created and run by the jobs package."""
    return ObjectSpec(
        name="job",
        class_name="Job",
        fields={
            "role_id": _RoleField(250, required=True, doc="The role the job runs as."),
            "job_id": Int(doc="The job's number."),
            "job_type": Str(16, doc="import or export."),
            "object": Str(64, doc="The object imported or exported."),
            "status": Str(16, doc="processing, done, failed."),
            "in_file": Str(1024, doc="The CSV read by an import."),
            "out_file": Str(1024, doc="The CSV written: an export, or an import's outcomes."),
            "progress": Int(doc="Rows handled so far."),
            "elapsed": Str(32, doc="Seconds the job has run."),
            "pid": Int(doc="The worker process running the job."),
            "kwargs": Json(doc="The job's parameters (service_provider_name, filters)."),
            "output_hash": Str(64, doc="SHA-256 of the out_file once written."),
            "message": Str(2048, doc="What went wrong, for a failed job."),
            "scope_sp": Str(64, hidden=True),
            "scope_sub": Str(64, hidden=True),
            "attempts": Int(hidden=True, default=0),
            "started_at": Timestamp(hidden=True),
            "finished_at": Timestamp(hidden=True),
            "heartbeat": Timestamp(hidden=True),
        },
        path=("role_id", "job_id"),
        unique=("job_id",),
        scope=("scope_sp", "scope_sub"),
        derive=_derive_job_scope,
        kind="job",
        writable=False,
        archivable=False,
        default_sort=("-job_id",),
        extra_indexes=(("status",),),
        doc="Import and export jobs (the Job Logs).",
    )
