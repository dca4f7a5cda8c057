"""`python -m tools.clientgen intake ./clients`: intake's client as the package `motcua_intake` under
./clients; run code using it with `.venv/clientgen/bin/python` (or install httpx, attrs and
python-dateutil beside it)."""

import argparse
from pathlib import Path

from shared.services import SERVICES
from tools.clientgen import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", choices=SERVICES)
    parser.add_argument("out", type=Path)
    parser.add_argument("--package", help="the package's name (default: motcua_<service>)")
    args = parser.parse_args()
    print(generate(args.service, args.package or f"motcua_{args.service}", args.out))


if __name__ == "__main__":
    main()
