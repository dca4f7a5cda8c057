"""`python -m shared.serve <service>`: run one service under uvicorn (the command of every container)."""

import argparse

import uvicorn

from shared.observability.workers import metrics_directory
from shared.services import SERVICE_PORTS, SERVICES
from shared.settings import ServiceSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", choices=SERVICES)
    args = parser.parse_args()
    settings = ServiceSettings()
    # Several workers write their metrics to a directory of this start, so that a scrape, which
    # reaches one of them, reports them all (shared/observability/workers.py).
    with metrics_directory(settings.workers):
        # A factory, so that each worker process builds its own app (and reads its own settings class);
        # the relays of the workers elect one leader, their consumers share the durable consumer.
        uvicorn.run(
            f"services.{args.service}.app:create_app",
            factory=True,
            workers=settings.workers,
            host=settings.host,
            port=settings.port or SERVICE_PORTS[args.service],
            log_config=None,  # our JSON logging, configured by the app
            # X-Forwarded-For is believed only from the proxies named: believed from anyone, a client
            # rotates it to slip past the rate limits; from none, every citizen behind the proxy shares
            # one limit.
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=settings.trusted_proxies or None,
            timeout_graceful_shutdown=10,
        )


if __name__ == "__main__":
    main()
