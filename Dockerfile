# syntax=docker/dockerfile:1
# One image for all five motcua services. The command picks the service:
#   python -m shared.serve intake|routing|deadline|survey|reporting
# and the one-shot database steps: python -m shared.db.provision, python -m shared.db.migrate.

# The base image by tag, not yet by digest: the registry was out of reach where this was written.
# Pin both FROMs from a machine that reaches it (python:3.11-slim@sha256:<the manifest list's
# Docker-Content-Digest>). The Python packages are pinned by requirements/runtime.lock.

# --- build: a virtualenv holding the project and its runtime dependencies -------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/venv
WORKDIR /src
# Runtime dependencies only, the versions the suite tested, every file's hash checked (pip and the
# build backend included; `make lock` writes the file). Not the `embedded` extra: in a container
# PostgreSQL and NATS are their own containers. Not `dev`: tests and linters stay out of the image.
# Before the sources, so that a code change reuses this layer.
COPY requirements/runtime.lock ./requirements/
RUN /opt/venv/bin/pip install --require-hashes -r requirements/runtime.lock
# `README.md*`: pyproject.toml names a readme; the glob lets the build work with or without it.
COPY pyproject.toml README.md* ./
COPY shared ./shared
COPY services ./services
# The project itself: its dependencies are all there, and the locked setuptools builds it.
RUN /opt/venv/bin/pip install --no-deps --no-build-isolation .

# --- runtime: the virtualenv on a clean base, run as an unprivileged user -------------------
FROM python:3.11-slim

# MOTCUA_HOST: inside a container the service must listen beyond loopback.
# MOTCUA_DATA_DIR: a directory the unprivileged user can write (intake's attachments).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MOTCUA_HOST=0.0.0.0 \
    MOTCUA_DATA_DIR=/data

# A fixed numeric uid/gid, so Kubernetes can enforce runAsNonRoot without resolving a name.
# /data is created owned by that user: a named volume mounted there starts with this ownership.
RUN groupadd --system --gid 10001 motcua \
 && useradd --system --uid 10001 --gid motcua --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin motcua \
 && mkdir /data \
 && chown motcua:motcua /data

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
USER 10001:10001

# intake, routing, deadline, survey, reporting
EXPOSE 8001 8002 8003 8004 8005

CMD ["python", "-m", "shared.serve", "intake"]
