#!/bin/sh
# Like the official image: `docker run IMAGE --version` or `docker run IMAGE app.js` runs node.
set -e
case "$1" in
  -*) set -- node "$@" ;;
  *)
    if [ -n "$1" ] && { ! command -v "$1" >/dev/null 2>&1 || { [ -f "$1" ] && [ ! -x "$1" ]; }; }; then
      set -- node "$@"
    fi
    ;;
esac
exec "$@"
