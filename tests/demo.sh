#!/bin/sh
# demo.sh — what quitx does today, end to end, in a throw-away directory.
#
#   make demo            (or: sh tests/demo.sh /abs/path/to/build/quitx)
#
# Writes a config with two Mastodon and two Bluesky bot accounts (dummy
# secrets), validates it, runs the daemon on a free local port, queries
# /healthz and /metrics, reloads it with SIGHUP, reads `quitx stats`, and
# stops it with SIGTERM.  Nothing is contacted outside 127.0.0.1.
set -eu

QUITX=${1:-}
if [ -z "$QUITX" ] || [ ! -x "$QUITX" ]; then
	echo "usage: sh tests/demo.sh /abs/path/to/build/quitx" >&2
	exit 2
fi
command -v curl >/dev/null 2>&1 || { echo "demo: FAILED: curl is needed" >&2; exit 1; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/quitx-demo.XXXXXX")
PID=""

cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null || true
		i=0
		while kill -0 "$PID" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -KILL "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	PID=""
}
trap cleanup EXIT
trap 'cleanup; echo "demo: interrupted" >&2; exit 130' INT
trap 'cleanup; exit 143' TERM

fail() {
	echo "demo: FAILED: $*" >&2
	if [ -f "$DIR/quitx.log" ]; then
		echo "demo: last lines of $DIR/quitx.log:" >&2
		tail -n 20 "$DIR/quitx.log" >&2
	fi
	exit 1
}

step() { printf '\n== %s\n' "$*"; }

# A free port: the first from 18000 up that nothing listens on.
port_busy() {
	if command -v ss >/dev/null 2>&1; then
		ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
	else
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" 2>/dev/null
	fi
}
PORT=""
p=18000
while [ $p -lt 18100 ]; do
	if ! port_busy $p; then PORT=$p; break; fi
	p=$((p + 1))
done
[ -n "$PORT" ] || fail "no free port between 18000 and 18099"
BASE="http://127.0.0.1:$PORT"

step "config in $DIR (secrets are dummy files, chmod 600)"
mkdir "$DIR/secrets"
for s in mastodon-en.token mastodon-fr.token bluesky-en.password bluesky-fr.password; do
	printf 'dummy-%s-not-a-real-secret\n' "$s" > "$DIR/secrets/$s"
	chmod 600 "$DIR/secrets/$s"
done
# Relative paths resolve against the directory of the config file.
cat > "$DIR/quitx.conf" <<EOF
store = "quitx.db";
listen = "127.0.0.1:$PORT";
log_level = "info";
campaign = {
  day = "2027-01-20";
  time = "12:00";
  timezone = "Europe/Paris";
  languages = [ "en", "fr" ];
};
accounts = (
  { network = "mastodon"; server = "https://mastodon.example";
    handle = "HelloQuitX"; language = "en";
    token_file = "secrets/mastodon-en.token"; },
  { network = "mastodon"; server = "https://mastodon.example";
    handle = "HelloQuitteX"; language = "fr";
    token_file = "secrets/mastodon-fr.token"; },
  { network = "bluesky"; server = "https://bsky.example";
    handle = "helloquitx.bsky.example"; language = "en";
    password_file = "secrets/bluesky-en.password"; },
  { network = "bluesky"; server = "https://bsky.example";
    handle = "helloquittex.bsky.example"; language = "fr";
    password_file = "secrets/bluesky-fr.password"; }
);
EOF

step "quitx check-config -c $DIR/quitx.conf"
"$QUITX" check-config -c "$DIR/quitx.conf" || fail "check-config rejected the demo config"

step "quitx run -c $DIR/quitx.conf (background, log in $DIR/quitx.log)"
"$QUITX" run -c "$DIR/quitx.conf" > "$DIR/quitx.log" 2>&1 &
PID=$!
i=0
until curl -fsS --max-time 1 "$BASE/healthz" > "$DIR/healthz" 2>/dev/null; do
	kill -0 "$PID" 2>/dev/null || { PID=""; fail "the daemon exited at start"; }
	i=$((i + 1))
	[ $i -lt 50 ] || fail "no answer from $BASE/healthz within 5 s"
	sleep 0.1
done
grep -qx ok "$DIR/healthz" || fail "/healthz answered '$(cat "$DIR/healthz")', not 'ok'"
echo "pid $PID; GET $BASE/healthz -> $(cat "$DIR/healthz")"

step "GET $BASE/metrics (samples, without the # HELP/# TYPE lines)"
curl -fsS --max-time 2 "$BASE/metrics" > "$DIR/metrics" || fail "GET /metrics failed"
grep -v '^#' "$DIR/metrics" || fail "/metrics has no samples"
grep -q '^quitx_bot_accounts{network="mastodon"} 2$' "$DIR/metrics" \
	|| fail "/metrics does not count the 2 Mastodon bot accounts"

step "SIGHUP: reload the configuration"
kill -HUP "$PID"
i=0
until grep -q 'configuration reloaded' "$DIR/quitx.log"; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "no 'configuration reloaded' log line within 5 s"
	sleep 0.1
done
grep -E 'reloading|configuration reloaded' "$DIR/quitx.log"
curl -fsS --max-time 2 "$BASE/metrics" | grep '^quitx_config_reloads_total' \
	|| fail "GET /metrics failed after the reload"

step "quitx stats -c $DIR/quitx.conf"
"$QUITX" stats -c "$DIR/quitx.conf" || fail "quitx stats failed"

step "SIGTERM: drain and stop"
kill -TERM "$PID"
i=0
while kill -0 "$PID" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "the daemon did not stop within 10 s of SIGTERM"
	sleep 0.1
done
rc=0
wait "$PID" || rc=$?
PID=""
tail -n 2 "$DIR/quitx.log"
[ "$rc" -eq 0 ] || fail "the daemon exited with status $rc, not 0"
echo "exit status 0"

step "done"
echo "store: $DIR/quitx.db"
echo "log:   $DIR/quitx.log"
echo "(remove with: rm -rf $DIR)"
cat <<'EOF'

Not in this demo yet (the daemon does not do it yet):
  - no Mastodon/Bluesky connection: the accounts above are never contacted;
  - no registration by reply, upload page, archive ingest or matching;
  - no countdown posts and no campaign day (introductions, private messages).
The campaign rehearsal against local Mastodon/Bluesky peers comes with the
connector issues.
EOF
