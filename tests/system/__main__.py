"""`python -m tests.system` (`make soak`): the long soak run, its figures printed; exit 1 if a check
failed. SOAK_MINUTES (default 10), SOAK_SEED (replay a run), SOAK_FAULTS (default 1.5 a minute, at
least 10), SOAK_KEEP=1 keeps the servers' data and the logs of a passing run too."""

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

from tests.system.figures import figures
from tests.system.plan import long_plan, seed_from_env
from tests.system.soak import run_soak


def main() -> int:
    faults = os.environ.get("SOAK_FAULTS")
    plan = long_plan(
        float(os.environ.get("SOAK_MINUTES", "10")), seed_from_env(), int(faults) if faults else None
    )
    root = Path(tempfile.mkdtemp(prefix="motcua-soak-"))
    report = asyncio.run(run_soak(plan, root))
    print(figures(report), flush=True)
    if report.ok and os.environ.get("SOAK_KEEP") != "1":
        shutil.rmtree(root, ignore_errors=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
