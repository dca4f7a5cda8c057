"""The roles a route admits, read from its own dependencies (`require_roles`, `current_principal`), for
the documents that must say so: the security table and the OpenAPI document."""

from typing import Any

from fastapi.dependencies.models import Dependant

from shared.auth import ROLES


def roles_of(dependant: Dependant) -> set[str] | None:
    """The roles a route's dependencies admit; None when no token is needed."""
    admitted: set[str] | None = None
    signed_in = False
    for dependency in dependant.dependencies:
        call: Any = dependency.call
        if getattr(call, "__qualname__", "").startswith("require_roles."):
            roles = set(call.__closure__[0].cell_contents)
            admitted = roles if admitted is None else admitted & roles
        elif getattr(call, "__name__", "") == "current_principal":
            signed_in = True
        inner = roles_of(dependency)
        if inner is not None:
            admitted = inner if admitted is None else admitted & inner
            signed_in = True
    if admitted is None and signed_in:
        return set(ROLES)
    return admitted
