"""What one soak run does: how long, how hard, which faults, and the seed that replays it."""

import os
import random
import secrets
from dataclasses import dataclass

from shared.services import SERVICES

# Of both topologies: a service's process SIGKILLed, or the one leading its relay or watcher.
PROCESS_FAULTS = ("service_kill", "leader_kill")
# Of one PostgreSQL and one NATS server (single.py), and of the replicated topology (replicated.py).
SINGLE_FAULTS = ("nats_restart", "postgres_restart")
REPLICATED_FAULTS = ("stream_leader_kill", "nats_server_down", "postgres_failover")


@dataclass(frozen=True)
class Fault:
    at: float  # seconds after the load started
    kind: str  # one of PROCESS_FAULTS, SINGLE_FAULTS or REPLICATED_FAULTS
    # A process (`routing`, `routing-2`), `<service>/<role>` for a leader_kill, a NATS server's name,
    # "nats" or "postgres".
    target: str
    down: float  # seconds between the kill and the restart (or, for a failover, the promotion)


@dataclass(frozen=True)
class SoakPlan:
    minutes: float
    seed: int
    service_kills: int
    nats_restarts: int
    postgres_restarts: int
    dossiers_per_second: float = 10.0
    in_flight: int = 12
    import_every: float = 10.0  # seconds between two NDJSON chunks
    import_chunk: int = 20
    # A request is retried until acknowledged; past this it is given up (and the run fails): longer
    # than any outage the faults cause, short enough that a stuck service ends the run.
    give_up_after: float = 120.0
    quiescence_timeout: float = 300.0
    topology: str = "single"  # or "replicated"
    schedule: tuple[Fault, ...] = ()  # the replicated topology's faults, in place of the counts above

    @property
    def seconds(self) -> float:
        return self.minutes * 60

    @property
    def fault_count(self) -> int:
        return len(self.schedule) or self.service_kills + self.nats_restarts + self.postgres_restarts

    def faults(self) -> list[Fault]:
        """The fault schedule, a function of the seed alone: kinds in a shuffled order at sorted random
        times between 10% and 85% of the load (the end is left for the system to settle under load).
        Faults may overlap (a service killed while PostgreSQL is down): real outages do too."""
        if self.schedule:
            return list(self.schedule)
        rng = random.Random(self.seed)
        kinds = (
            ["service_kill"] * self.service_kills
            + ["nats_restart"] * self.nats_restarts
            + ["postgres_restart"] * self.postgres_restarts
        )
        rng.shuffle(kinds)
        times = sorted(rng.uniform(0.10, 0.85) * self.seconds for _ in kinds)
        faults = []
        for at, kind in zip(times, kinds, strict=True):
            if kind == "service_kill":
                # An orchestrator restarts a dead container within a few seconds.
                faults.append(Fault(at, kind, rng.choice(SERVICES), rng.uniform(0.2, 3.0)))
            elif kind == "nats_restart":
                faults.append(Fault(at, kind, "nats", rng.uniform(0.5, 5.0)))
            else:
                faults.append(Fault(at, kind, "postgres", rng.uniform(0.5, 5.0)))
        return _restart_one_service_during_an_outage(faults)


def short_plan(seed: int) -> SoakPlan:
    """`make test`: two minutes, a few faults of each kind."""
    return SoakPlan(minutes=2, seed=seed, service_kills=3, nats_restarts=2, postgres_restarts=2)


def long_plan(minutes: float, seed: int, faults: int | None = None) -> SoakPlan:
    """`make soak`: about 1.5 faults a minute (at least 10), half of them service kills."""
    total = max(10, faults if faults is not None else round(minutes * 1.5))
    kills = (total + 1) // 2
    nats = (total - kills + 1) // 2
    return SoakPlan(
        minutes=minutes,
        seed=seed,
        service_kills=kills,
        nats_restarts=nats,
        postgres_restarts=total - kills - nats,
        quiescence_timeout=600.0,
    )


def cluster_plan(seed: int) -> SoakPlan:
    """The replicated topology under each fault of a cluster in turn, each alone so that its pause is
    its own: the DOSSIERS stream's leader killed, one NATS server (of the seed's choice) down for a
    minute, the processes leading intake's relay and deadline's watcher killed, then a replica each
    of the other services, and last the PostgreSQL primary lost and its standby promoted, with half a
    minute of load after it."""
    rng = random.Random(seed)
    schedule = (
        Fault(10.0, "stream_leader_kill", "nats", 10.0),
        Fault(30.0, "nats_server_down", f"nats-{rng.randrange(3)}", 60.0),
        Fault(100.0, "leader_kill", "intake/relay", 1.0),
        Fault(106.0, "leader_kill", "deadline/watcher", 1.0),
        *(
            Fault(112.0 + 6 * i, "service_kill", f"{service}-{rng.randint(1, 2)}", 1.0)
            for i, service in enumerate(("routing", "survey", "reporting"))
        ),
        Fault(135.0, "postgres_failover", "postgres", 2.0),
    )
    return SoakPlan(
        minutes=2.75,
        seed=seed,
        service_kills=0,
        nats_restarts=0,
        postgres_restarts=0,
        topology="replicated",
        schedule=schedule,
    )


def seed_from_env() -> int:
    """`SOAK_SEED` replays a run; otherwise a fresh seed, which the run prints."""
    given = os.environ.get("SOAK_SEED")
    return int(given) if given else secrets.randbelow(10**9)


def _restart_one_service_during_an_outage(faults: list[Fault]) -> list[Fault]:
    """Chance alone seldom restarts a service while PostgreSQL is down, yet it is what happens when
    both go down together (a node lost): the first service kill is moved into the first PostgreSQL
    outage, killed and started again before the database is back."""
    outage = next((f for f in faults if f.kind == "postgres_restart"), None)
    kill = next((f for f in faults if f.kind == "service_kill"), None)
    if outage is None or kill is None:
        return faults
    longer = Fault(outage.at, outage.kind, outage.target, max(outage.down, 4.0))
    inside = Fault(outage.at + 0.3, kill.kind, kill.target, 1.0)
    moved = [longer if f is outage else inside if f is kill else f for f in faults]
    return sorted(moved, key=lambda f: f.at)
