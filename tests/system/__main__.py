"""`python -m tests.system` (`make soak`): the long soak run, its figures printed; exit 1 if a check
failed. SOAK_MINUTES (default 10), SOAK_SEED (replay a run), SOAK_FAULTS (default 1.5 a minute, at
least 10), SOAK_KEEP=1 keeps the servers' data and the logs of a passing run too.

SOAK_TOPOLOGY=replicated (`make soak-cluster`) runs the cluster fault test instead: the replicated
topology through its fixed schedule of faults (plan.cluster_plan); SOAK_MINUTES and SOAK_FAULTS do
not apply to it."""

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

from tests.system.figures import figures
from tests.system.plan import cluster_plan, long_plan, seed_from_env
from tests.system.soak import run_soak


def main() -> int:
    topology = os.environ.get("SOAK_TOPOLOGY", "single")
    if topology not in ("single", "replicated"):
        print(f"SOAK_TOPOLOGY is single or replicated, not {topology!r}", file=sys.stderr)
        return 2
    if topology == "replicated":
        plan = cluster_plan(seed_from_env())
    else:
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
