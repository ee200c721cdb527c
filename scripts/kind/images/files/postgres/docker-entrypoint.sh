#!/bin/bash
# The official postgres image's documented start-up behaviour, written for this stand-in:
#  - as root: create PGDATA and the socket folder, give them to `postgres`, drop to that user;
#  - on an empty PGDATA: initdb with POSTGRES_USER/POSTGRES_PASSWORD, allow password logins from
#    any host, create POSTGRES_DB, run /docker-entrypoint-initdb.d/*, all on a socket-only server;
#  - then exec the real server in the foreground (PID 1, so it gets SIGINT/SIGTERM itself).
set -Eeo pipefail

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# VAR or VAR_FILE (a mounted secret), never both.
file_env() {
	local var="$1" def="${2:-}" fileVar="${1}_FILE"
	if [ -n "${!var:-}" ] && [ -n "${!fileVar:-}" ]; then
		die "both $var and $fileVar are set; set only one of them"
	fi
	local val="$def"
	if [ -n "${!var:-}" ]; then val="${!var}"; elif [ -n "${!fileVar:-}" ]; then val="$(< "${!fileVar}")"; fi
	export "$var"="$val"
	unset "$fileVar"
}

# From 18 the data lives in a major-version folder (PGDATA=/var/lib/postgresql/18/docker) and the
# volume belongs at /var/lib/postgresql. A volume still mounted at the pre-18 path would silently
# keep nothing, so refuse to start, as the official 18 images do.
check_old_data_path() {
	local old=/var/lib/postgresql/data
	[ "${PG_MAJOR}" -ge 18 ] || return 0
	case "$PGDATA" in "$old"|"$old"/*) return 0 ;; esac
	if mountpoint -q "$old" 2>/dev/null; then
		cat >&2 <<-MSG
		error: PostgreSQL ${PG_MAJOR} keeps its data in PGDATA=$PGDATA, but there appears to be PostgreSQL data in:
		         $old (unused mount/volume)
		       Nothing written by this server would land on that volume. From 18 on, mount the volume at
		       /var/lib/postgresql (the data goes to ${PG_MAJOR}/docker inside it), or set PGDATA to a folder
		       inside the mount.
		MSG
		exit 1
	fi
}

create_dirs() {
	mkdir -p "$PGDATA"
	chmod 00700 "$PGDATA" || :
	mkdir -p /var/run/postgresql || :
	chmod 03775 /var/run/postgresql || :
	if [ "$(id -u)" = 0 ]; then
		find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
		find /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
	fi
}

verify_env() {
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		cat >&2 <<-MSG
		error: the database is uninitialized and no superuser password was given.
		       Set POSTGRES_PASSWORD (for example with -e POSTGRES_PASSWORD=... or a Secret), or set
		       POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without a password (never do
		       that outside a throwaway test).
		MSG
		exit 1
	fi
}

init_db() {
	# eval: POSTGRES_INITDB_ARGS is documented as extra words for initdb, quoted like a shell line.
	eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"${POSTGRES_INITDB_ARGS:-}"
	# Remote hosts log in with a password; local socket and loopback stay trust (initdb's default).
	local method="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
	printf '\nhost all all all %s\n' "$method" >> "$PGDATA/pg_hba.conf"
	# This server was compiled with /tmp as its socket folder, and initdb writes that default into
	# postgresql.conf; the official image (and psql, pg_isready) use /var/run/postgresql.
	printf "\nunix_socket_directories = '/var/run/postgresql'\n" >> "$PGDATA/postgresql.conf"
}

psql_local() { psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"; }

setup_db() {
	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start
	if [ "$POSTGRES_DB" != postgres ]; then
		local exists
		exists="$(psql_local --dbname postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '${POSTGRES_DB//\'/\'\'}'")"
		if [ -z "$exists" ]; then
			psql_local --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
		fi
	fi
	local f
	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
			*.sh) if [ -x "$f" ]; then echo "running $f"; "$f"; else echo "sourcing $f"; . "$f"; fi ;;
			*.sql) echo "running $f"; psql_local --dbname "$POSTGRES_DB" -f "$f" ;;
			*.sql.gz) echo "running $f"; gunzip -c "$f" | psql_local --dbname "$POSTGRES_DB" ;;
			*) [ -e "$f" ] && echo "ignoring $f" ;;
		esac
	done
	pg_ctl -D "$PGDATA" -m fast -w stop
}

# `docker run IMAGE -c shared_buffers=256MB`: flags alone mean the server with those flags.
if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" = postgres ]; then
	check_old_data_path
	create_dirs
	if [ "$(id -u)" = 0 ]; then
		exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
	fi
	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		file_env POSTGRES_PASSWORD
		file_env POSTGRES_USER postgres
		file_env POSTGRES_DB "$POSTGRES_USER"
		file_env POSTGRES_INITDB_ARGS
		: "${POSTGRES_HOST_AUTH_METHOD:=}"
		verify_env
		init_db
		setup_db
		echo 'PostgreSQL init process complete; ready for start up.'
	else
		echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
	fi
fi

exec "$@"
