"""The faults of a plan, injected on schedule into a running cluster, each logged with its time."""

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.services import SERVICES
from tests.system.cluster import Cluster
from tests.system.plan import Fault

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

    def line(self) -> str:
        back = f"back at {self.ended:6.1f}s" if self.ended is not None else "NOT back"
        return (
            f"{self.started:7.1f}s ({self.wall}Z)  {self.fault.kind:<17} {self.fault.target:<9} "
            f"down {self.fault.down:4.1f}s  {back}  {self.note}"
        )


class Injector:
    def __init__(self, cluster: Cluster, faults: list[Fault], t0: float) -> None:
        self.cluster = cluster
        self.faults = faults
        self.t0 = t0
        self.log: list[Injected] = []
        # One fault at a time per target: a second kill of a service waits for its first restart.
        self._locks = {target: asyncio.Lock() for target in (*SERVICES, "nats", "postgres")}

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
            tasks.append(asyncio.create_task(self._inject(fault)))
        await asyncio.gather(*tasks)

    async def _inject(self, fault: Fault) -> None:
        async with self._locks[fault.target]:
            record = Injected(fault, self.now(), datetime.now(UTC).strftime("%H:%M:%S.%f")[:-3])
            self.log.append(record)
            if fault.kind == "service_kill":
                await self._kill_service(record)
            elif fault.kind == "nats_restart":
                await asyncio.to_thread(self.cluster.nats.kill)
                await asyncio.sleep(fault.down)
                await asyncio.to_thread(self.cluster.nats.start, log_file=self.cluster.log_file("nats"))
                record.ended = self.now()
            else:
                await asyncio.to_thread(self.cluster.postgres.crash)
                await asyncio.sleep(fault.down)
                await asyncio.to_thread(
                    self.cluster.postgres.start, log_file=self.cluster.log_file("postgres")
                )
                record.ended = self.now()
            print(f"[fault] {record.line()}", flush=True)

    async def _kill_service(self, record: Injected) -> None:
        service = record.fault.target
        entry = self.cluster.services[service]
        entry.held = True
        try:
            pid = self.cluster.kill(service)
            record.note = f"SIGKILL pid {pid}" if pid else "was not running"
            await asyncio.sleep(record.fault.down)
            self.cluster.start(service)
        finally:
            entry.held = False
        if await self.cluster.ready(service, within=READY_WITHIN):
            record.ended = self.now()
        else:
            record.note += f"; not ready within {READY_WITHIN:.0f} s"
