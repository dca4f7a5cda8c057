"""One soak run from start to figures: cluster up, catalogue seeded, load and faults for the plan's
minutes, load stopped, quiescence awaited, then the checks."""

import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

from shared.services import SERVICES
from tests.system.checks import Check, data_checks, health_checks, traffic_checks
from tests.system.client import Api
from tests.system.cluster import Cluster, start_cluster
from tests.system.faults import Injected, Injector
from tests.system.load import Ledger, Load
from tests.system.plan import SoakPlan
from tests.system.quiescence import Quiescence, wait_quiet
from tests.system.seed import seed_catalogue


@dataclass
class Report:
    plan: SoakPlan
    root: Path
    checks: list[Check]
    faults: list[Injected]
    ledger: Ledger
    api: Api
    cluster: Cluster
    load_seconds: float
    quiescence: Quiescence
    quiet_after_load: float  # seconds from the load's end (in-flight requests answered) to quiet
    quiet_after_fault: float | None  # from the last fault's recovery

    @property
    def ok(self) -> bool:
        return self.quiescence.reached and all(c.ok for c in self.checks)


async def run_soak(plan: SoakPlan, root: Path) -> Report:
    print(
        f"soak: seed {plan.seed} (replay: SOAK_SEED={plan.seed}), {plan.minutes:g} min at "
        f"{plan.dossiers_per_second:g} dossiers/s, {plan.fault_count} faults; files in {root}",
        flush=True,
    )
    cluster = await start_cluster(root)
    supervisor = asyncio.create_task(cluster.supervise())
    api = Api(
        {s: cluster.base(s) for s in SERVICES},
        cluster.jwt_secret,
        give_up_after=plan.give_up_after,
        seed=plan.seed,
    )
    try:
        await seed_catalogue(api)
        load = Load(api, plan)
        t0 = time.monotonic()
        injector = Injector(cluster, plan.faults(), t0)
        load_task = asyncio.create_task(load.run())
        fault_task = asyncio.create_task(injector.run())
        progress = asyncio.create_task(_progress(load, api, injector, t0))
        await asyncio.sleep(plan.seconds)
        load.stop.set()
        await fault_task
        await asyncio.wait_for(load_task, timeout=plan.give_up_after + 60)
        progress.cancel()
        load_end = time.monotonic()
        load_seconds = load_end - t0
        print(f"[{load_seconds:7.1f}s] load stopped; waiting for quiescence", flush=True)
        quiet = await wait_quiet(cluster.admin_url, cluster.nats.url, within=plan.quiescence_timeout)
        last_fault = injector.last_recovery
        checks = [
            *await data_checks(cluster, api, load.ledger),
            *await health_checks(cluster),
            *traffic_checks(api, load.ledger),
        ]
        return Report(
            plan=plan,
            root=root,
            checks=checks,
            faults=injector.log,
            ledger=load.ledger,
            api=api,
            cluster=cluster,
            load_seconds=load_seconds,
            quiescence=quiet,
            quiet_after_load=quiet.at - load_end,
            quiet_after_fault=None if last_fault is None else quiet.at - (t0 + last_fault),
        )
    finally:
        supervisor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await supervisor
        await api.close()
        await asyncio.to_thread(cluster.stop)


async def _progress(load: Load, api: Api, injector: Injector, t0: float) -> None:
    while True:
        await asyncio.sleep(15)
        t = api.traffic
        print(
            f"[{time.monotonic() - t0:7.1f}s] dossiers acked {len(load.ledger.dossiers)}, imported "
            f"{len(load.ledger.imported)}, in flight {load.in_flight}, requests {t.requests} "
            f"(retried {t.retried}), faults {len(injector.log)}",
            flush=True,
        )
