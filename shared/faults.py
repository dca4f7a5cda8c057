"""Named crash points, so tests can kill a real process at the exact step they want to prove safe.

`MOTCUA_CRASH_AT=relay.before_publish` makes the process SIGKILL itself when it reaches that point:
no cleanup, no flush, exactly like a power cut. Unset (always, outside tests), it costs one dict lookup.
"""

import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("MOTCUA_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
