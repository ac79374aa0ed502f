"""A backend's 400 answer shown on the form that sent it: each error next to its field."""

from backends.http import BackendRejected


def add_backend_errors(form, exc: BackendRejected, *, field_names: dict[str, str] | None = None) -> None:
    """field_names maps the backend's field names to the form's where they differ."""
    field_names = field_names or {}
    placed = False
    for name, errors in exc.field_errors.items():
        if isinstance(errors, dict):  # nested (e.g. shipping_address): flatten one level
            for inner, inner_errors in errors.items():
                target = field_names.get(inner, inner)
                for error in inner_errors if isinstance(inner_errors, list) else [inner_errors]:
                    form.add_error(target if target in form.fields else None, str(error))
                    placed = True
            continue
        target = field_names.get(name, name)
        for error in errors:
            form.add_error(target if target in form.fields else None, str(error))
            placed = True
    if not placed:
        form.add_error(None, exc.detail)
