#!/bin/sh
# The official redis image's start-up behaviour, written for this stand-in.
set -e

# `docker run IMAGE --appendonly yes` or `docker run IMAGE /etc/redis.conf`: run redis-server.
case "$1" in
  -*|*.conf) set -- redis-server "$@" ;;
esac

if [ "$1" = redis-server ]; then
  if [ "$(id -u)" = 0 ]; then
    # /data may be a fresh volume owned by root: give it to redis, then drop to that user.
    find . \! -user redis -exec chown redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
  fi
  # The official image builds Redis with protected mode off by default, so other pods (no
  # password) can connect; Debian's build has it on. Turn it off the same way, as the first flag,
  # so a later `--protected-mode yes` still wins. A config file must come first, so with one the
  # file's own setting (or Debian's default, on) applies. (After the drop to redis, so it is added once.)
  case "$2" in
    *.conf) ;;
    *) shift; set -- redis-server --protected-mode no "$@" ;;
  esac
  # Files Redis writes (the append-only file, the snapshot) are for its own user only.
  if [ "$(umask)" = 0022 ]; then umask 0077; fi
fi

exec "$@"
