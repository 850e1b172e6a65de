#!/bin/sh
# demo.sh — what quitx does today, end to end, in a throw-away directory.
#
#   make demo   (or: sh tests/demo.sh /abs/build/quitx /abs/build/tests/peers
#                /abs/conf/messages)
#
# Makes a synthetic population with X archives (the project's generator),
# starts the local Mastodon peer (tests/peers/mastodon-peer: HTTPS and WSS
# on loopback with a certificate made here), writes a config with two
# Mastodon bot accounts on it, and the local Bluesky peer (a PLC directory,
# PDS, chat service and Jetstream in one program) with two Bluesky bots;
# validates the config and runs the daemon.  Members mention the bots, one
# follows, the stream drops while a mention arrives; the demo shows each
# reaching the inbox once.  A Bluesky member follows and registers: a
# reply under her post, her upload link in a chat message.  Jeanne uploads her X archive
# through her link; the team imports its records.  Then /healthz, /metrics, a SIGHUP
# reload, `quitx stats`, and SIGTERM.  Nothing leaves 127.0.0.1.
set -eu

QUITX=${1:-}
PEERS=${2:-}
MESSAGES=${3:-}
TOOLS=${4:-}
if [ -z "$QUITX" ] || [ ! -x "$QUITX" ] || [ ! -x "$PEERS/mastodon-peer" ] || [ ! -x "$PEERS/bluesky-peer" ] ||
    [ ! -f "$MESSAGES/en.conf" ] || [ ! -x "$TOOLS/gen-archive" ]; then
	echo "usage: sh tests/demo.sh /abs/build/quitx /abs/build/tests/peers /abs/conf/messages /abs/build/tests/tools" >&2
	exit 2
fi
for tool in curl openssl; do
	command -v $tool >/dev/null 2>&1 || { echo "demo: FAILED: $tool is needed (make deps)" >&2; exit 1; }
done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/quitx-demo.XXXXXX")
PID=""
PEER_PID=""
BSKY_PID=""

cleanup() {
	for p in $PEER_PID $BSKY_PID; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	PEER_PID=""
	BSKY_PID=""
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

step "a local Mastodon instance: $PEERS/mastodon-peer"
mkdir "$DIR/secrets"
for s in mastodon-en.token mastodon-fr.token bluesky-en.password bluesky-fr.password; do
	printf 'demo-%s-%s\n' "$s" "$$" > "$DIR/secrets/$s"
	chmod 600 "$DIR/secrets/$s"
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$DIR/peer-key.pem" -out "$DIR/peer-cert.pem" 2>/dev/null \
	|| fail "openssl could not make the peer's certificate"
"$PEERS/mastodon-peer" --port 0 --cert "$DIR/peer-cert.pem" \
	--key "$DIR/peer-key.pem" --domain mastodon.test \
	--account "HelloQuitX:$(cat "$DIR/secrets/mastodon-en.token")" \
	--account "HelloQuitteX:$(cat "$DIR/secrets/mastodon-fr.token")" \
	> "$DIR/peer.out" 2> "$DIR/peer.log" &
PEER_PID=$!
i=0
until grep -q 'listening on' "$DIR/peer.out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "the Mastodon peer did not start"
	sleep 0.1
done
MASTODON=$(sed -n 's/.*listening on \(.*\)$/https:\/\/\1/p' "$DIR/peer.out")
echo "Mastodon-like instance at $MASTODON (its certificate: $DIR/peer-cert.pem)"

step "a local Bluesky (PLC, PDS, chat, Jetstream): $PEERS/bluesky-peer"
"$PEERS/bluesky-peer" --port 0 --cert "$DIR/peer-cert.pem" \
	--key "$DIR/peer-key.pem" \
	--account "helloquitx.test:$(cat "$DIR/secrets/bluesky-en.password")" \
	--account "helloquittex.test:$(cat "$DIR/secrets/bluesky-fr.password")" \
	> "$DIR/bsky.out" 2> "$DIR/bsky.log" &
BSKY_PID=$!
i=0
until grep -q 'listening on' "$DIR/bsky.out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "the Bluesky peer did not start"
	sleep 0.1
done
BSKY=$(sed -n 's/.*listening on \(.*\)$/https:\/\/\1/p' "$DIR/bsky.out")
echo "Bluesky-like network at $BSKY (Jetstream: wss://${BSKY#https://}/subscribe)"

# bsky CONTROL-PATH JSON: act on the Bluesky peer as a member would
bsky() {
	curl -fsS --max-time 5 --cacert "$DIR/peer-cert.pem" -X POST \
		-H 'Content-Type: application/json' -d "$2" "$BSKY$1" \
		|| fail "the Bluesky peer refused $1"
}
bsky_get() {
	curl -fsS --max-time 5 --cacert "$DIR/peer-cert.pem" "$BSKY$1" \
		|| fail "the Bluesky peer refused GET $1"
}

# peer CONTROL-PATH JSON: act on the instance as a member would
peer() {
	curl -fsS --max-time 5 --cacert "$DIR/peer-cert.pem" -X POST \
		-H 'Content-Type: application/json' -d "$2" "$MASTODON$1" \
		> /dev/null || fail "the peer refused $1"
}
wait_log() {
	i=0
	until [ "$(grep -c "$1" "$DIR/quitx.log")" -ge "$2" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "no '$1' (x$2) in the log within 10 s"
		sleep 0.1
	done
}

step "synthetic X archives and people: $TOOLS/gen-archive"
"$TOOLS/gen-archive" --users 200 --archives 10 --zip --seed 20 --out "$DIR/pop" \
	|| fail "gen-archive failed"
# jeanne is one of the people who kept their X archive and are not on
# Mastodon yet (as far as the campaign's records go)
JEANNE_X=$(awk -F'\t' 'NR <= 10 && $3 == "" { print $2; exit }' "$DIR/pop/population.tsv")
[ -n "$JEANNE_X" ] || fail "no archive holder off Mastodon in the population"
echo "jeanne's X handle: @$JEANNE_X"

step "config in $DIR"
# Relative paths resolve against the directory of the config file.
cat > "$DIR/quitx.conf" <<EOF
store = "quitx.db";
listen = "127.0.0.1:$PORT";
log_level = "info";
ca_file = "peer-cert.pem";
messages = "$MESSAGES";
public_url = "https://quitx.example.org";
streams = { timeout = 10; poll_interval = 2; };
bluesky = {
  plc = "$BSKY";
  jetstream = [ "wss://${BSKY#https://}/subscribe" ];
};
campaign = {
  day = "2027-01-20";
  time = "12:00";
  timezone = "Europe/Paris";
  languages = [ "en", "fr" ];
};
accounts = (
  { network = "mastodon"; server = "$MASTODON";
    handle = "HelloQuitX"; language = "en";
    token_file = "secrets/mastodon-en.token"; },
  { network = "mastodon"; server = "$MASTODON";
    handle = "HelloQuitteX"; language = "fr";
    token_file = "secrets/mastodon-fr.token"; },
  { network = "bluesky"; server = "$BSKY";
    handle = "helloquitx.test"; language = "en";
    password_file = "secrets/bluesky-en.password"; },
  { network = "bluesky"; server = "$BSKY";
    handle = "helloquittex.test"; language = "fr";
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

step "both Mastodon bots connect: token check, instance, stream"
wait_log 'stream connected' 2
grep -E 'connected as|stream connected' "$DIR/quitx.log"

step "both Bluesky bots connect: handle, DID document, session, Jetstream"
wait_log 'jetstream: connected' 1
wait_log '(bluesky): connected as' 2
grep -E '\(bluesky\): connected as|jetstream: connected' "$DIR/quitx.log"

step "members talk to the bots (English, French); a bot account is ignored"
peer /_peer/mention '{"to":"HelloQuitX","from":"marie@piaille.example","content":"<p><span class=\"h-card\"><a href=\"https://mastodon.test/@HelloQuitX\" class=\"u-url mention\">@<span>HelloQuitX</span></a></span> hi! register @marie_x please</p>"}'
peer /_peer/mention '{"to":"HelloQuitteX","from":"paul@social.example","content":"<p>@HelloQuitteX bonjour, mon compte X c&#39;est x.com/paul_x</p>","language":"fr"}'
peer /_peer/mention '{"to":"HelloQuitX","from":"robot@bots.example","content":"<p>@HelloQuitX register @robot</p>","bot":true}'
peer /_peer/mention "{\"to\":\"HelloQuitX\",\"from\":\"jeanne@piaille.example\",\"content\":\"<p>@HelloQuitX register @$JEANNE_X</p>\"}"
peer /_peer/follow '{"to":"HelloQuitX","from":"marie@piaille.example"}'
wait_log ' follows @HelloQuitX' 1
peer /_peer/mention '{"to":"HelloQuitX","from":"marie@piaille.example","content":"<p>@HelloQuitX status?</p>"}'
wait_log ' -> ' 4
grep -E ' from @| follows @| -> ' "$DIR/quitx.log"

step "the stream drops; a mention arrives meanwhile; nothing is lost"
peer /_peer/streaming '{"up":false}'
peer /_peer/mention '{"to":"HelloQuitX","from":"lea@eldritch.example","content":"<p>@HelloQuitX register @lea_x</p>"}'
wait_log 'from @lea@eldritch.example' 1
peer /_peer/streaming '{"up":true}'
wait_log 'stream connected' 4
grep -E 'stream (closed|connection failed|refused|reconnects)|polling|from @lea|catch-up' "$DIR/quitx.log" | tail -n 6

step "lea changes her mind: forget me"
peer /_peer/mention '{"to":"HelloQuitX","from":"lea@eldritch.example","content":"<p>@HelloQuitX forget me</p>"}'
wait_log 'lea@eldritch.example: forget' 1
grep 'lea@eldritch.example: ' "$DIR/quitx.log"

step "on Bluesky, chloe follows @helloquittex.test and registers, in French"
bsky /_peer/follow '{"from":"chloe.test","to":"helloquittex.test"}' >/dev/null
wait_log 'jetstream: follow' 1
bsky /_peer/post '{"from":"chloe.test","text":"@helloquittex.test bonjour ! inscription @chloe_x"}' >/dev/null
wait_log 'inscription\|register (fr)' 1
i=0
until bsky_get /_peer/messages | grep -q '/u/'; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "chloe got no upload link by chat within 10 s"
	sleep 0.1
done
echo "the bot's reply, threaded under her post:"
bsky_get "/_peer/posts?handle=helloquittex.test" | sed -e 's/},{/}\n{/g' | \
	sed -n 's/.*"text":"\([^"]*\)".*/  \1/p'
echo
echo "its chat message to her:"
bsky_get /_peer/messages | sed -n 's/.*"text":"\([^"]*\)".*/  \1/p' | \
	sed -e 's|/u/[A-Za-z0-9_-]*|/u/<personal link>|'

step "what the members read (the statuses the bots posted, as the instance has them)"
i=0
while :; do
	curl -fsS --max-time 5 --cacert "$DIR/peer-cert.pem" \
		"$MASTODON/_peer/statuses" > "$DIR/statuses.json" || fail "GET /_peer/statuses"
	grep -q 'is erased' "$DIR/statuses.json" && break
	i=$((i + 1))
	[ $i -lt 100 ] || fail "lea's confirmation was not posted within 10 s"
	sleep 0.1
done
# as members read them: without the invisible WORD JOINER quitx puts after
# an '@' that must not become a mention (X handles, the bot's name)
sed -e 's/\xe2\x81\xa0//g' "$DIR/statuses.json" > "$DIR/statuses.read"
# one status per line: [visibility] text (the JSON escapes left as they are)
sed -e 's/},{/}\n{/g' "$DIR/statuses.read" | \
	sed -n 's/.*"text":"\(.*\)","visibility":"\([a-z]*\)".*/  [\2] \1/p' | \
	sed -e 's|/u/[A-Za-z0-9_-]*|/u/<personal link>|'
grep -q 'Noted: you are @marie_x on X' "$DIR/statuses.read" || fail "marie got no confirmation"
grep -q 'vous \(ê\|\\u00ea\)tes @paul_x sur X' "$DIR/statuses.read" || fail "paul got no French confirmation"
grep -q 'everything I knew about you is erased' "$DIR/statuses.read" || fail "lea was not told she is forgotten"
grep -q '@robot' "$DIR/statuses.read" && fail "the bot account was answered"

step "jeanne opens her upload link and sends her X archive (the zip, as X gave it)"
TOKEN=$(sed -e 's/},{/}\n{/g' "$DIR/statuses.read" | grep 'jeanne@piaille' | \
	grep -o '/u/[A-Za-z0-9_-]*' | head -n 1)
[ -n "$TOKEN" ] || fail "jeanne got no upload link"
curl -fsS --max-time 5 "$BASE$TOKEN" > "$DIR/page.html" || fail "GET her upload page"
echo "GET $BASE/u/<her link> -> $(sed -n 's/.*<title>\(.*\)<\/title>.*/\1/p' "$DIR/page.html")"
curl -sS --max-time 60 -F "file=@$DIR/pop/archives/$JEANNE_X.zip" "$BASE$TOKEN" \
	> "$DIR/upload.html" || fail "POST her archive"
sed -n 's/^<p>\(.*\)<\/p>$/  \1/p' "$DIR/upload.html"
grep -q "Your X archive is in: @$JEANNE_X" "$DIR/upload.html" || fail "her archive was not taken"
grep -E 'upload for member' "$DIR/quitx.log"
echo "a link nobody has: $(curl -s -o /dev/null -w '%{http_code}' "$BASE/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")"

step "the team loads the people and archives it collected elsewhere (quitx import)"
"$QUITX" import population -c "$DIR/quitx.conf" "$DIR/pop/population.tsv" \
	|| fail "import population failed"
set -- $(awk -F'\t' 'NR <= 10 && $3 != "" { print $2, $3; exit }' "$DIR/pop/population.tsv")
[ $# -eq 2 ] || fail "no archive holder on Mastodon in the population"
"$QUITX" import archive -c "$DIR/quitx.conf" --member "$2" "$DIR/pop/archives/$1" \
	|| fail "import archive failed"

step "GET $BASE/metrics (samples, without the # HELP/# TYPE lines)"
curl -fsS --max-time 2 "$BASE/metrics" > "$DIR/metrics" || fail "GET /metrics failed"
grep -v '^#' "$DIR/metrics" || fail "/metrics has no samples"
grep -q '^quitx_bot_accounts{network="mastodon"} 2$' "$DIR/metrics" \
	|| fail "/metrics does not count the 2 Mastodon bot accounts"
grep -q '^quitx_bluesky_account_state{account="helloquittex.test",state="streaming"} 1$' \
	"$DIR/metrics" || fail "/metrics does not show @helloquittex.test streaming"

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

step "quitx stats -c $DIR/quitx.conf (marie, paul, jeanne and the imported; lea is gone)"
"$QUITX" stats -c "$DIR/quitx.conf" > "$DIR/stats" || fail "quitx stats failed"
cat "$DIR/stats"
"$QUITX" stats --json -c "$DIR/quitx.conf" | tr -d ' \n' | \
	grep -q '"uploads":2[,}]' || fail "not 2 uploads (jeanne's and the import) in the store"

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
  - no matching yet: archives are in, suggestions are not computed;
  - no countdown posts and no campaign day (introductions, private messages).
EOF
