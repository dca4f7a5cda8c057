"""A PostgreSQL primary with a synchronous streaming standby, for `make run-cluster` and fault tests:
on one machine, what CloudNativePG runs as a primary and a synchronous replica (deploy/k8s/postgres).

Clients get both hosts in one URL with `target_session_attrs=read-write` (`database_url`): the driver
tries them in turn and keeps the one that accepts writes, so after `failover()` a reconnection finds
the promoted standby.
"""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, make_url

from tools.devstack.ports import free_port
from tools.devstack.postgres import EmbeddedPostgres

STANDBY_NAME = "standby"


@dataclass
class PostgresPair:
    primary: EmbeddedPostgres
    standby: EmbeddedPostgres

    @classmethod
    def start(cls, root: Path) -> "PostgresPair":
        """A new primary under `root`, then its standby cloned from it, streaming synchronously."""
        primary = EmbeddedPostgres(root / "primary", free_port())
        primary.start(log_file=log_file(primary))
        try:
            standby = primary.clone_standby(root / "standby", free_port(), name=STANDBY_NAME)
            # Before the standby connects, so that its first connection is already the synchronous one.
            primary.require_synchronous(STANDBY_NAME)
            standby.start(log_file=log_file(standby))
        except BaseException:
            primary.stop()
            raise
        return cls(primary, standby)

    def stop(self) -> None:
        self.standby.stop()
        self.primary.stop()

    def failover(self) -> None:
        """The primary crashes (no checkpoint, its clients cut off) and the standby is promoted."""
        self.primary.crash()
        self.standby.promote()

    def database_url(self, url: str) -> str:
        """`url` (the primary's, any login) with both servers as hosts, keeping only one that accepts
        writes. Hosts and ports as two comma-separated lists: the one form that both SQLAlchemy's
        asyncpg dialect and asyncpg's own DSN parser (the relay's and the deadline watcher's
        connections, `shared.db.engine.asyncpg_dsn`) read; of a repeated `host=h:p`, SQLAlchemy's
        other form, asyncpg keeps the last host only."""
        one = make_url(url)
        servers = (self.primary, self.standby)
        both = URL.create(
            one.drivername,
            one.username,
            one.password,
            database=one.database,
            query={
                "host": ",".join("127.0.0.1" for _ in servers),
                "port": ",".join(str(server.port) for server in servers),
                "target_session_attrs": "read-write",
            },
        )
        return both.render_as_string(hide_password=False)


def log_file(server: EmbeddedPostgres) -> Path:
    """Where a server of the pair logs: beside its data folder, named like it."""
    return server.data_dir.with_name(f"{server.data_dir.name}.log")
