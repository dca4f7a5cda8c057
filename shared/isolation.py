"""Run a function in a child process that is killed when its time is up and refused memory past a limit.

For work whose cost an outsider's input decides inside a library we do not control (pypdf undoes a
PDF's stream filters byte by byte in Python: 20 KB can cost it a minute): a thread running it cannot be
stopped, a process can. The child is a fresh interpreter (`python -m shared.isolation`), not a fork of
the service, whose threads may hold locks a fork would copy; it imports only this module and the
function's. The function and its arguments go to it pickled; its answer comes back as JSON, so that a
child subverted by its input still cannot make the service run anything; nor does it see the service's
environment (secrets, database address) or open files.
"""

import asyncio
import contextlib
import json
import math
import os
import pickle
import resource
import sys
from collections.abc import Callable
from typing import Any

_STDERR_KEPT = 2000  # of a child that died, what it said last, for the log
# What the interpreter needs to start and find its packages, no more.
_ENVIRONMENT = ("PATH", "LANG", "TMPDIR", "LD_LIBRARY_PATH")
_ENVIRONMENT_PREFIXES = ("PYTHON", "LC_")


class ChildFailed(Exception):
    """The child died (killed for its CPU time or memory, or a bug) or answered nothing readable."""


async def run_isolated(
    function: Callable[..., Any],
    *args: Any,
    seconds: float,
    memory_bytes: int,
    raises: tuple[type[Exception], ...] = (),
) -> Any:
    """`function(*args)` in a child process: `TimeoutError` after `seconds` (the child killed), and a
    `MemoryError` past `memory_bytes` of address space. It must return JSON; an exception of a class in
    `raises` is raised here again from its `args` (which must be JSON too), any other as `ChildFailed`.
    `function` must pickle by reference: a module-level function."""
    payload = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        __name__,
        str(seconds),
        str(memory_bytes),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={
            name: value
            for name, value in os.environ.items()
            if name in _ENVIRONMENT or name.startswith(_ENVIRONMENT_PREFIXES)
        },
    )
    try:
        out, err = await asyncio.wait_for(child.communicate(payload), seconds)
    except TimeoutError:
        raise TimeoutError(f"{function.__qualname__} ran past {seconds} s") from None
    finally:
        if child.returncode is None:  # timed out, or the request was cancelled
            with contextlib.suppress(ProcessLookupError):  # it ended just now
                child.kill()
            await child.wait()
    return _answer(out, err, child.returncode, {kind.__name__: kind for kind in raises})


def _answer(out: bytes, err: bytes, code: int | None, raises: dict[str, type[Exception]]) -> Any:
    # The child's word is checked like any input: it parsed what an outsider sent.
    try:
        answer = json.loads(out)
    except ValueError:
        said = err[-_STDERR_KEPT:].decode("utf-8", "replace")
        raise ChildFailed(f"the child ended with {code} and no answer: {said}") from None
    if isinstance(answer, dict) and "returned" in answer:
        return answer["returned"]
    kind = answer.get("raised") if isinstance(answer, dict) else None
    args = answer.get("args") if isinstance(answer, dict) else None
    if not isinstance(kind, str) or not isinstance(args, list):
        raise ChildFailed(f"the child answered {str(answer)[:200]}")
    if kind == "MemoryError":
        raise MemoryError(*args)
    try:
        error = raises[kind](*args)
    except (KeyError, TypeError):
        raise ChildFailed(f"{kind}{tuple(args)}"[:_STDERR_KEPT]) from None
    raise error


def _child() -> None:
    # Limits of its own besides the parent's kill, should the parent be gone before it could.
    seconds, memory = float(sys.argv[1]), int(sys.argv[2])
    cpu = math.ceil(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    function, args = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - written by the parent
    try:
        answer: dict[str, Any] = {"returned": function(*args)}
    except Exception as exc:
        answer = {"raised": type(exc).__name__, "args": [_jsonable(a) for a in exc.args]}
    sys.stdout.write(json.dumps(answer))


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


if __name__ == "__main__":
    _child()
