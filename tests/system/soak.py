"""One soak run from start to figures: cluster up, catalogue seeded, load and faults for the plan's
minutes, load stopped, quiescence awaited; then every running clock brought due while the watcher's
leader is killed, quiescence again, and the checks."""

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass
from pathlib import Path

from shared.services import SERVICES
from tests.system import time_passes
from tests.system.checks import (
    Check,
    data_checks,
    event_checks,
    health_checks,
    log_checks,
    traffic_checks,
)
from tests.system.client import Api
from tests.system.cluster import Cluster
from tests.system.faults import Injected, Injector
from tests.system.load import Ledger, Load
from tests.system.plan import Fault, SoakPlan
from tests.system.quiescence import Quiescence, wait_quiet
from tests.system.replicated import start_replicated
from tests.system.seed import seed_catalogue
from tests.system.single import start_single
from tests.system.streams import stored_events

# After a fault ends, the pause it caused may last until the clients' retries come through.
PAUSE_TAIL = 5.0


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
    settled: Quiescence  # after every running clock was brought due
    calm_pause: float | None  # the longest pause before the first fault, for comparison

    @property
    def ok(self) -> bool:
        quiet = self.quiescence.reached and self.settled.reached
        recovered = all(f.ended is not None for f in self.faults)
        return quiet and recovered and all(c.ok for c in self.checks)


async def run_soak(plan: SoakPlan, root: Path) -> Report:
    print(
        f"soak: seed {plan.seed} (replay: SOAK_SEED={plan.seed}), {plan.minutes:g} min at "
        f"{plan.dossiers_per_second:g} dossiers/s, {plan.fault_count} faults; files in {root}",
        flush=True,
    )
    start = start_replicated if plan.topology == "replicated" else start_single
    cluster = await start(root)
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
        warnings = asyncio.create_task(time_passes.bring_warnings(cluster.admin_url, load.stop))
        progress = asyncio.create_task(_progress(load, api, injector, t0))
        await asyncio.sleep(plan.seconds)
        load.stop.set()
        await fault_task
        await asyncio.wait_for(load_task, timeout=plan.give_up_after + 60)
        warned = await warnings
        progress.cancel()
        load_end = time.monotonic()
        load_seconds = load_end - t0
        last_fault = injector.last_recovery
        print(
            f"[{load_seconds:7.1f}s] load stopped ({warned} clocks brought to their warning during it); "
            "waiting for quiescence",
            flush=True,
        )
        nats_urls = cluster.servers.nats_urls
        quiet = await wait_quiet(cluster.admin_url, nats_urls, within=plan.quiescence_timeout)
        await time_passes.make_everything_due(cluster.admin_url)
        await injector.inject(Fault(injector.now(), "leader_kill", "deadline/watcher", 1.0))
        settled = await wait_quiet(cluster.admin_url, nats_urls, within=plan.quiescence_timeout)
        for record in injector.log:
            record.pause = _longest_pause(api.traffic.answered, t0, record)
        # What a pause is without a fault, for comparison: from the load's start (its first two
        # seconds left out, while the clients start) to the first fault.
        first = min((record.started for record in injector.log), default=load_seconds)
        calm = _longest_gap(api.traffic.answered, t0 + 2.0, t0 + first) if first > 4.0 else None
        checks = [
            *await data_checks(cluster, api, load.ledger),
            *await event_checks(cluster, await stored_events(nats_urls)),
            *await health_checks(cluster),
            *traffic_checks(api, load.ledger),
            *log_checks(cluster),
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
            settled=settled,
            calm_pause=calm,
        )
    finally:
        supervisor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await supervisor
        await api.close()
        await cluster.shutdown()


def _longest_pause(answered: list[float], t0: float, record: Injected) -> float | None:
    """The longest time without a successful answer from the fault's start to PAUSE_TAIL after its
    end; None for a fault after the load (nothing was being asked)."""
    start = t0 + record.started
    if not answered or start > answered[-1]:
        return None
    end = t0 + (record.ended if record.ended is not None else record.started + record.fault.down)
    return _longest_gap(answered, start, min(end + PAUSE_TAIL, answered[-1]))


def _longest_gap(answered: list[float], start: float, stop: float) -> float:
    """The longest time between two successful answers, `start` and `stop` counting as answers."""
    times = [start, *(t for t in answered if start < t < stop), stop]
    return max(b - a for a, b in itertools.pairwise(times))


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
