"""MetaData for a service's schema, with constraint names Alembic can diff and drop."""

import importlib
import pkgutil

from sqlalchemy import MetaData

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata(schema: str) -> MetaData:
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def models_of(service: str) -> MetaData:
    """A service's whole metadata: `services.<service>.models` (its MetaData and service-wide tables)
    and every other `models.py` or `*_models.py` in its packages, whose tables join that metadata
    when imported (Alembic must see them all)."""
    package = importlib.import_module(f"services.{service}")
    for module in pkgutil.walk_packages(package.__path__, prefix=f"services.{service}."):
        leaf = module.name.rsplit(".", 1)[-1]
        if (leaf == "models" or leaf.endswith("_models")) and ".migrations" not in module.name:
            importlib.import_module(module.name)
    metadata: MetaData = importlib.import_module(f"services.{service}.models").metadata
    return metadata
