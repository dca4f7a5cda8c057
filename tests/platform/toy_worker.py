"""Runs the toy's relay or consumer as a real process, so a test can SIGKILL it at a crash point.

python -m tests.platform.toy_worker relay|consume SCHEMA_SUFFIX --db URL --nats URL [--ack-wait S]
"""

import argparse
import asyncio

from tests.platform.toy import connected, new_toy, toy_consumer, toy_relay


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["relay", "consume"])
    parser.add_argument("suffix")
    parser.add_argument("--db", required=True)
    parser.add_argument("--nats", required=True)
    parser.add_argument("--ack-wait", type=float, default=30.0)
    args = parser.parse_args()
    toy = new_toy(args.suffix)
    async with connected(args.db, args.nats) as (sessions, link):
        if args.role == "relay":
            await toy_relay(toy, args.db, sessions, link).publish_pending()
        else:
            await toy_consumer(toy, sessions, link, ack_wait=args.ack_wait).run()


if __name__ == "__main__":
    asyncio.run(main())
