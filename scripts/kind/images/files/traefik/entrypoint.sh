#!/bin/sh
# Like the official image: `IMAGE --entryPoints.web.address=:8000 …` (flags only, as the ingress
# add-on runs it) and `IMAGE version` both run traefik; anything else runs as a command.
set -e
case "$1" in
  -*) set -- traefik "$@" ;;
  healthcheck|version) set -- traefik "$@" ;;
esac
exec "$@"
