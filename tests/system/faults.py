"""The faults of a plan, injected on schedule into a running cluster, each logged with its time."""

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from tests.system.cluster import Cluster
from tests.system.plan import PROCESS_FAULTS, Fault

# How long a restarted service may take to answer /readyz again before the fault is logged as "not
# ready" (the run goes on: the final checks decide).
READY_WITHIN = 120.0


@dataclass
class Injected:
    fault: Fault
    started: float  # seconds since the load started
    wall: str  # UTC clock time, to find the moment in the services' logs
    ended: float | None = None  # when the target was back (ready, for a service)
    note: str = ""
    # The longest time between two successful answers from the fault's start to its end (+ 5 s).
    pause: float | None = None

    def line(self) -> str:
        back = f"back at {self.ended:6.1f}s" if self.ended is not None else "NOT back"
        pause = f"longest pause {self.pause:5.2f}s" if self.pause is not None else ""
        return (
            f"{self.started:7.1f}s ({self.wall}Z)  {self.fault.kind:<18} {self.fault.target:<16} "
            f"down {self.fault.down:4.1f}s  {back}  {pause}  {self.note}"
        )


class Injector:
    def __init__(self, cluster: Cluster, faults: list[Fault], t0: float) -> None:
        self.cluster = cluster
        self.faults = faults
        self.t0 = t0
        self.log: list[Injected] = []
        # One fault at a time per target: a second kill of a service waits for its first restart.
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def now(self) -> float:
        return time.monotonic() - self.t0

    @property
    def last_recovery(self) -> float | None:
        ends = [i.ended for i in self.log if i.ended is not None]
        return max(ends) if len(ends) == len(self.log) and ends else None

    async def run(self) -> None:
        tasks = []
        for fault in self.faults:
            await asyncio.sleep(max(0.0, fault.at - self.now()))
            tasks.append(asyncio.create_task(self.inject(fault)))
        await asyncio.gather(*tasks)

    async def inject(self, fault: Fault) -> Injected:
        async with self._locks[fault.target]:
            record = Injected(fault, self.now(), datetime.now(UTC).strftime("%H:%M:%S.%f")[:-3])
            self.log.append(record)
            if fault.kind in PROCESS_FAULTS:
                await self._kill_process(record)
            else:
                log_file = self.cluster.log_file(fault.target)
                record.note = await self.cluster.servers.inject(fault, log_file)
                record.ended = self.now()
            print(f"[fault] {record.line()}", flush=True)
            return record

    async def _kill_process(self, record: Injected) -> None:
        name: str | None = record.fault.target
        if record.fault.kind == "leader_kill":
            service, role = record.fault.target.split("/")
            name = await self.cluster.leader(service, role)
            if name is None:
                record.note = f"no process led {service}'s {role} for 30 s"
                return
        assert name is not None
        entry = self.cluster.processes[name]
        entry.held = True
        try:
            pid = self.cluster.kill(name)
            record.note = f"{name}: SIGKILL pid {pid}" if pid else f"{name} was not running"
            await asyncio.sleep(record.fault.down)
            self.cluster.start(name)
        finally:
            entry.held = False
        if await self.cluster.ready(name, within=READY_WITHIN):
            record.ended = self.now()
        else:
            record.note += f"; not ready within {READY_WITHIN:.0f} s"
