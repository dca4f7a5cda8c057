"""The five services and their fixed local ports."""

SERVICE_PORTS: dict[str, int] = {
    "intake": 8001,
    "routing": 8002,
    "deadline": 8003,
    "survey": 8004,
    "reporting": 8005,
}
SERVICES: tuple[str, ...] = tuple(SERVICE_PORTS)
# Schemas a service owns beside its own: reporting rebuilds its read models into a copy, then swaps.
EXTRA_SCHEMAS: dict[str, tuple[str, ...]] = {"reporting": ("reporting_rebuild",)}


def role_name(service: str) -> str:
    """The PostgreSQL login role a service connects as; it owns the schema named like the service."""
    return f"motcua_{service}"
