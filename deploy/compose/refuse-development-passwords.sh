#!/bin/sh
# The entrypoint of docker-compose.yml's postgres and nats containers, run before the image's own:
# unless MOTCUA_ENVIRONMENT is `development`, it refuses to start while a variable still holds one of
# the development passwords docker-compose.yml falls back to (motcua-<name>-dev), and names the
# variable of `.env` that sets it. The services refuse them in their own URLs (shared/settings.py).
#   sh refuse-development-passwords.sh <the command to run when nothing is refused>...
set -eu

environment=${MOTCUA_ENVIRONMENT:-production}
if [ "$environment" != development ]; then
    # Names only, never values; each mapped to the .env variable docker-compose.yml reads for it.
    refused=$(env \
        | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=motcua-[a-z0-9_-][a-z0-9_-]*-dev$/\1/p' \
        | sed -e 's/^POSTGRES_PASSWORD$/MOTCUA_POSTGRES_PASSWORD/' \
              -e 's/^NATS_SERVICE_PASSWORD_\(.*\)$/MOTCUA_\1_NATS_PASSWORD/' \
              -e 's/^NATS_PASSWORD_\(.*\)$/MOTCUA_NATS_PASSWORD_\1/' \
        | sort | tr '\n' ' ')
    if [ -n "$refused" ]; then
        echo "refusing to start with MOTCUA_ENVIRONMENT=$environment: development passwords of" \
            "docker-compose.yml in use; set each of these to a random value (openssl rand -hex 24)" \
            "in the .env beside docker-compose.yml: ${refused% } (docs/deploy.md)" >&2
        exit 1
    fi
fi
exec "$@"
