"""Only the NATS servers themselves can join the cluster's routes: proven on real servers.

Issue #13: with the old Kubernetes config, a second nats-server with no credentials joined the route
port, received `dossier.*` events and forged one that an agency's subscription delivered. Here the
committed config (nats-config.yaml with the environment nats-statefulset.yaml composes, certificates
made like cert-manager's from cert-manager/nats-route-certificate.yaml) runs as a cluster on
loopback (tools/devstack/nats_cluster.py). Intruders then dial nats-0's route port, each lacking one thing
a server of the cluster has: the route password or a certificate from the routes' CA. Each is
refused, never appears in any server's /routez, receives none of the cluster's messages and
delivers none of its own. The same checks run on an intruder that has both, which does get in:
proof that they would see a server that got in.
"""

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import nats
import pytest
from nats.aio.client import Client
from nats.aio.subscription import Subscription

from shared.messaging.subjects import dossier_subject
from tools.devstack.nats_cluster import (
    CA,
    LOOPBACK,
    Cluster,
    Ports,
    Server,
    k8s_object,
    nats_container,
    route_certificate,
    route_count,
    start_server,
)
from tools.nats_permissions import AgencyAccess

TIMEOUT = 2  # a client's wait on a server
FORMED = 30.0  # the cluster's routes, and JetStream's meta leader, on a loaded 2-core machine
# After a message has reached the cluster's own subscriber, how long one that crossed to (or from)
# an intruder's route would still take to show up: routes deliver in well under this on loopback.
GRACE = 0.5
# Refusals of the intruder's route connections seen in nats-0's log before judging: the intruder
# retries every second over several connections, so these come within a few seconds.
REFUSALS = 3
REFUSED = re.compile(r"TLS route handshake error|authentication error")

SUBJECT = dossier_subject("VPDK", "received")
AGENCY = AgencyAccess.of("VPDK")


async def eventually(condition: Callable[[], bool], *, within: float) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    started = Cluster.start(tmp_path_factory.mktemp("nats-cluster"))
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
async def routed(cluster: Cluster) -> Cluster:
    """The cluster once every server has a route to every other."""
    names = {server.name for server in cluster.servers}
    formed = await eventually(
        lambda: all(s.routed_to() == names - {s.name} for s in cluster.servers), within=FORMED
    )
    assert formed, "\n\n".join(f"{s.name}:\n{s.log_text()[-3000:]}" for s in cluster.servers)
    return cluster


async def connect(url: str, **options: str) -> Client:
    return await nats.connect(url, allow_reconnect=False, connect_timeout=TIMEOUT, **options)


async def as_user(cluster: Cluster, server: Server, user: str) -> Client:
    options = {"inbox_prefix": AGENCY.inbox_prefix} if user == AGENCY.user else {}
    return await connect(server.url, user=user, password=cluster.password(user), **options)


# --- the committed files -----------------------------------------------------------------------


def test_every_route_dials_a_server_of_the_statefulset_with_the_route_password() -> None:
    env = {item["name"]: item for item in nats_container()["env"]}
    assert env["NATS_ROUTE_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "motcua-secrets",
        "key": "MOTCUA_NATS_ROUTE_PASSWORD",
    }
    replicas = k8s_object("StatefulSet", "nats")["spec"]["replicas"]
    assert route_count() == replicas
    for index in range(replicas):
        url = env[f"NATS_ROUTE_{index}"]["value"]
        assert url == f"nats-route://route:$(NATS_ROUTE_PASSWORD)@nats-{index}.nats-headless:6222"
    assert env["NATS_CLUSTER_ADVERTISE"]["value"] == "$(SERVER_NAME).nats-headless:6222"
    # Kubernetes expands $(VAR) only from variables defined before it.
    names = list(env)
    assert names.index("NATS_ROUTE_PASSWORD") < names.index("NATS_ROUTE_0")
    assert names.index("SERVER_NAME") < names.index("NATS_CLUSTER_ADVERTISE")


def test_the_route_certificate_names_every_server_and_serves_both_ends() -> None:
    spec = route_certificate()["spec"]
    replicas = k8s_object("StatefulSet", "nats")["spec"]["replicas"]
    assert {f"nats-{i}.nats-headless" for i in range(replicas)} <= set(spec["dnsNames"])
    assert {"server auth", "client auth"} <= set(spec["usages"])
    # Issued by the routes' own CA, never a shared one: whatever it signs is accepted as a route.
    issuer = k8s_object("Issuer", spec["issuerRef"]["name"])
    ca_certificate = k8s_object("Certificate", "nats-route-ca")
    assert issuer["spec"]["ca"]["secretName"] == ca_certificate["spec"]["secretName"]
    assert ca_certificate["spec"]["isCA"] is True
    assert k8s_object("Issuer", ca_certificate["spec"]["issuerRef"]["name"])["spec"] == {"selfSigned": {}}


# --- the cluster itself ---------------------------------------------------------------------------


async def test_the_servers_form_routes_over_tls_and_jetstream_elects_a_leader(routed: Cluster) -> None:
    for server in routed.servers:
        routez = server.monitor("routez")
        assert routez["num_routes"] >= 1
        assert {route["remote_name"] for route in routez["routes"]} == {
            s.name for s in routed.servers if s is not server
        }
    # JetStream's Raft traffic crosses the same routes: a meta leader means they carry it.
    healthz = f"http://{LOOPBACK}:{routed.servers[0].ports.monitor}/healthz"
    assert await eventually(lambda: httpx.get(healthz, timeout=5).status_code == 200, within=FORMED)
    # The monitoring port is open to Prometheus (networkpolicy.yaml): it must not show the password.
    for server in routed.servers:
        shown = json.dumps([server.monitor("varz"), server.monitor("routez")])
        assert routed.route_password not in shown


async def test_a_dossier_event_crosses_the_routes_to_an_agency_on_another_server(routed: Cluster) -> None:
    intake = await as_user(routed, routed.servers[0], "intake")
    agency = await as_user(routed, routed.servers[-1], AGENCY.user)
    try:
        subscription = await agency.subscribe(AGENCY.filter_subject)
        await agency.flush(timeout=TIMEOUT)
        # Interest reaches nats-0 over the route shortly after the subscription: publish until then.
        async with asyncio.timeout(FORMED):
            while True:
                await intake.publish(SUBJECT, b"{}")
                try:
                    message = await subscription.next_msg(timeout=0.2)
                    break
                except nats.errors.TimeoutError:
                    continue
        assert message.subject == SUBJECT
    finally:
        await intake.close()
        await agency.close()


# --- intruders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intruder:
    """A nats-server that dials nats-0's route port with some of what a server of the cluster has."""

    password: str  # "none", "wrong" or "route" (the cluster's)
    certificate: str  # "none", "route" (signed by the routes' CA) or "other-ca"
    refused_by: str | None  # the layer that stops it, None if it gets in

    @property
    def name(self) -> str:
        return f"intruder-{self.password}-password-{self.certificate}-certificate"


INTRUDERS = [
    # The issue's server: a plain nats-server pointed at the route port.
    Intruder(password="none", certificate="none", refused_by="TLS"),
    # A stolen certificate is not enough ...
    Intruder(password="none", certificate="route", refused_by="authentication"),
    Intruder(password="wrong", certificate="route", refused_by="authentication"),
    # ... nor is a leaked password.
    Intruder(password="route", certificate="none", refused_by="TLS"),
    Intruder(password="route", certificate="other-ca", refused_by="TLS"),
    # Both: it joins, and every check below sees it.
    Intruder(password="route", certificate="route", refused_by=None),
]


def intruder_config(intruder: Intruder, cluster: Cluster, ports: Ports, root: Path) -> str:
    credentials = {
        "none": "",
        "wrong": "route:wrong-password@",
        "route": f"route:{cluster.route_password}@",
    }[intruder.password]
    tls_dir = {
        "none": None,
        "route": cluster.tls_dir,
        # Its own CA's certificate; it trusts the cluster's CA, so only its own side can fail.
        "other-ca": CA.create("another CA").issue_route_certificate(root / "other-ca", trusted=cluster.ca),
    }[intruder.certificate]
    tls = (
        f'  tls {{\n    cert_file: "{tls_dir}/tls.crt"\n    key_file: "{tls_dir}/tls.key"\n'
        f'    ca_file: "{tls_dir}/ca.crt"\n  }}\n'
        if tls_dir
        else ""
    )
    # No authorization of its own: anyone may use its client port, as the issue's server allowed.
    return (
        f"server_name: {intruder.name}\n"
        f"listen: {LOOPBACK}:{ports.client}\n"
        f"http: {LOOPBACK}:{ports.monitor}\n"
        "cluster {\n"
        "  name: motcua\n"
        f"  listen: {LOOPBACK}:{ports.cluster}\n"
        f"{tls}"
        f'  routes: ["nats-route://{credentials}{cluster.servers[0].route_url}"]\n'
        "  connect_retries: 120\n"
        "}\n"
    )


@pytest.fixture
def start_intruder(routed: Cluster, tmp_path: Path) -> Iterator[Callable[[Intruder], Server]]:
    started: list[Server] = []

    def start(intruder: Intruder) -> Server:
        ports = Ports.free()
        conf = tmp_path / "intruder.conf"
        conf.write_text(intruder_config(intruder, routed, ports, tmp_path), encoding="utf-8")
        server = start_server(intruder.name, conf, {}, ports)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
async def clients() -> AsyncIterator[list[Client]]:
    opened: list[Client] = []
    yield opened
    for client in opened:
        await client.close()


async def received_within(subscription: Subscription, wait: float) -> list[bytes]:
    await asyncio.sleep(wait)
    messages = []
    while subscription.pending_msgs:
        messages.append((await subscription.next_msg(timeout=TIMEOUT)).data)
    return messages


@pytest.mark.parametrize("intruder", INTRUDERS, ids=lambda i: i.name)
async def test_a_server_without_the_route_password_and_certificate_is_refused(
    routed: Cluster,
    start_intruder: Callable[[Intruder], Server],
    clients: list[Client],
    intruder: Intruder,
) -> None:
    nats_0 = routed.servers[0]
    log_before = len(nats_0.log_text())

    def refusals() -> list[str]:
        return REFUSED.findall(nats_0.log_text()[log_before:])

    server = start_intruder(intruder)
    joins = intruder.refused_by is None
    # Judge once it is in, or once nats-0 has refused it a few times: not after an arbitrary pause.
    decided = await eventually(
        lambda: intruder.name in nats_0.routed_to() or len(refusals()) >= REFUSALS, within=FORMED
    )
    logs = f"nats-0:\n{nats_0.log_text()[log_before:][-3000:]}\n\n{server.name}:\n{server.log_text()}"
    assert decided, logs

    # A route of every server (the others learn of it from nats-0) if it got in; otherwise of
    # none, and with no route of its own.
    def routes_to_it() -> list[bool]:
        return [intruder.name in s.routed_to() for s in routed.servers]

    if joins:
        await eventually(lambda: all(routes_to_it()), within=FORMED)
    assert routes_to_it() == [joins] * len(routed.servers)
    assert bool(server.routed_to()) == joins
    if not joins:
        expected = "TLS route handshake error" if intruder.refused_by == "TLS" else "authentication error"
        assert set(refusals()) == {expected}

    # Subscribers: the agency on nats-0 (the server it dialled) and on the last server; on the
    # intruder, someone listening to everything.
    agency_here = await as_user(routed, nats_0, AGENCY.user)
    agency_there = await as_user(routed, routed.servers[-1], AGENCY.user)
    eavesdropper = await connect(server.url)
    intake = await as_user(routed, routed.servers[1], "intake")
    clients.extend([agency_here, agency_there, eavesdropper, intake])
    here = await agency_here.subscribe(AGENCY.filter_subject)
    there = await agency_there.subscribe(AGENCY.filter_subject)
    overheard = await eavesdropper.subscribe(">")
    for client in (agency_here, agency_there, eavesdropper):
        await client.flush(timeout=TIMEOUT)
    # Interest travels over routes: publish nothing until nats-1, where intake publishes, knows of
    # the subscriptions elsewhere (the intruder's too, when it is in, so that missing it means
    # something).
    await settled_interest(routed.servers[1], intake, [here, there, *([overheard] if joins else [])])

    # A genuine event, published on the cluster: both agencies get it; the intruder's listener only
    # if it got in.
    await intake.publish(SUBJECT, b"genuine")
    await intake.flush(timeout=TIMEOUT)
    assert (await here.next_msg(timeout=TIMEOUT)).data == b"genuine"
    assert (await there.next_msg(timeout=TIMEOUT)).data == b"genuine"
    leaked = [data for data in await received_within(overheard, GRACE) if data == b"genuine"]
    assert leaked == ([b"genuine"] if joins else [])

    # A forged event, published on the intruder: delivered to the agencies only if it got in.
    await eavesdropper.publish(SUBJECT, b"forged")
    await eavesdropper.flush(timeout=TIMEOUT)
    forged_here = await received_within(here, GRACE)
    forged_there = await received_within(there, 0)
    assert (forged_here, forged_there) == (([b"forged"], [b"forged"]) if joins else ([], []))


async def settled_interest(server: Server, publisher: Client, subscriptions: list[Subscription]) -> None:
    """Publish probes on `server` until every subscription has had one, then drop them all.

    `server` knows of a subscription on another server only once a route has carried it there; a
    probe that reached every subscriber proves it has.
    """
    probe = dossier_subject("VPDK", "probe")
    async with asyncio.timeout(FORMED):
        while not all(s.pending_msgs for s in subscriptions):
            await publisher.publish(probe, b"probe")
            await publisher.flush(timeout=TIMEOUT)
            await asyncio.sleep(0.1)
    await asyncio.sleep(GRACE)
    for subscription in subscriptions:
        while subscription.pending_msgs:
            await subscription.next_msg(timeout=TIMEOUT)
