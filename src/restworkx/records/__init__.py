"""Records of every declared object: validation, CRUD, archive/restore/purge."""


class ObjectKind:
    """View predicate: object_kind="job" selects views for one kind of object."""

    def __init__(self, value, config):
        self.value = value

    def text(self):
        return f"object_kind = {self.value}"

    phash = text

    def __call__(self, context, request):
        spec = getattr(context, "spec", None)
        return spec is not None and spec.kind == self.value


def includeme(config):
    config.add_view_predicate("object_kind", ObjectKind)
    config.scan(".views")
    config.scan(".blobs")
