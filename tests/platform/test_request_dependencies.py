"""No request dependency runs in FastAPI's thread pool: a plain `def` dependency is handed to a worker
thread on every request, which cost reception about 0.35 ms of its CPU a dossier (issue #17's
profile) for a function that only reads `app.state`."""

import importlib
import inspect
import os
from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from shared.services import SERVICES


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # a router included in the app
        if included is not None:
            yield from _routes(included.routes)


def _awaited(call: Any) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)


def _threaded(dependant: Dependant) -> Iterator[str]:
    for sub in dependant.dependencies:
        call = sub.call
        if call is not None and not any(_awaited(f) for f in (call, type(call).__call__)):
            yield f"{call.__module__}.{getattr(call, '__qualname__', type(call).__qualname__)}"
        yield from _threaded(sub)


def test_every_dependency_of_every_route_runs_on_the_event_loop() -> None:
    os.environ.setdefault("MOTCUA_ENVIRONMENT", "development")  # building an app reads its settings
    for service in SERVICES:
        app = importlib.import_module(f"services.{service}.app").create_app()
        routes = list(_routes(app.routes))
        assert len(routes) > 10, f"{service}: the walk found its routes"
        threaded = {name for route in routes for name in _threaded(route.dependant)}
        assert not threaded, f"{service}: make these `async def`: {sorted(threaded)}"
