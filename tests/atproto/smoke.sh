#!/bin/sh
# Smoke test of a started stack (tests/atproto/stack.sh start RUNDIR),
# with curl, as quitx's connector talks to Bluesky: accounts, sessions,
# a mention, a reply written idempotently with putRecord, notifications,
# profiles, the chat declaration, token refresh and the errors of bad
# and expired tokens, and the rate-limit headers.
#
#   smoke.sh RUNDIR     (or, under `stack.sh run RUNDIR`, no argument)
#
# Every exchange is kept as RUNDIR/smoke/NN-name.{req,hdr,json,code}
# (of a repeated one, the last); RUNDIR/smoke/observed.txt lists the
# status, headers of note and body of each.  Ends with the line
# 'smoke: N passed, N failed'; exits non-zero when a check failed.
set -u

[ $# -le 1 ] && [ -n "${1:-${ATPROTO_RUNDIR:-}}" ] || { echo "usage: $0 RUNDIR" >&2; exit 2; }
RUN=$(cd "${1:-$ATPROTO_RUNDIR}" && pwd)
[ -f "$RUN/env" ] || { echo "smoke: no $RUN/env: is the stack started?" >&2; exit 2; }
set -a; . "$RUN/env"; set +a
OUT="$RUN/smoke"
rm -rf "$OUT"; mkdir -p "$OUT"
OBS="$OUT/observed.txt"

PASS=0 FAIL=0 N=0
ok() { PASS=$((PASS + 1)); echo "ok   - $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }
check() { # check DESCRIPTION COMMAND...
	d=$1; shift
	if "$@"; then ok "$d"; else ko "$d"; fi
}

# js FILE EXPR: EXPR over the JSON in FILE (as `b`), printed (strings
# raw); prints nothing when the file is no JSON or EXPR throws
js() {
	"$NODE" -e '
		const fs = require("fs");
		let v;
		try {
			const b = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
			v = eval(process.argv[2]);
		} catch (e) { v = undefined; }
		process.stdout.write(v === undefined || v === null ? "" :
			typeof v === "string" ? v : JSON.stringify(v));' "$1" "$2" || true
}

# call NAME METHOD PATH TOKEN [BODY]: one XRPC exchange with the PDS (or
# the URL in $BASE); sets ST to the HTTP status and LAST to the files'
# prefix, keeps everything in $OUT
BASE=$PDS_URL
call() {
	name=$1 method=$2 path=$3 token=$4 body=${5:-}
	N=$((N + 1))
	f="$OUT/$(printf %02d $N)-$name"
	LAST=$f
	set -- -sS -o "$f.json" -D "$f.hdr" -w '%{http_code}' -X "$method"
	[ -n "$token" ] && set -- "$@" -H "authorization: Bearer $token"
	if [ -n "$body" ]; then
		printf '%s' "$body" >"$f.req"
		set -- "$@" -H 'content-type: application/json' --data-binary "@$f.req"
	fi
	code=$(curl "$@" "$BASE$path") || code=000
	echo "$code" >"$f.code"
	ST=$code
	{
		echo "== $N $name: $method $path -> $code"
		grep -i -E '^(ratelimit-|retry-after|www-authenticate|content-type|atproto-)' "$f.hdr" \
			| tr -d '\r' | sed 's/^/   /'
		# tokens shortened so that the shapes stay readable
		sed -E 's/"(eyJ[A-Za-z0-9_-]{8})[A-Za-z0-9._-]*"/"\1…"/g' "$f.json" | cut -c1-1500
		echo
	} >"$f.obs"
}
hdr() { grep -i "^$1:" "$LAST.hdr" | tr -d '\r' | sed 's/^[^:]*: *//' | tail -n 1; }
now_ms() { date +%s%3N; }

PW=quitx-smoke-pass

# ---- accounts
# (bot.test itself is refused: 400 HandleNotAvailable "Reserved handle")
call createAccount-reserved POST /xrpc/com.atproto.server.createAccount "" \
	"{\"handle\":\"bot.test\",\"email\":\"bot@quitx.test\",\"password\":\"$PW\"}"; st=$ST
check "createAccount bot.test: 400 HandleNotAvailable (reserved)" \
	[ "$st" = 400 -a "$(js "$LAST.json" b.error)" = HandleNotAvailable ]
for h in quitxbot alice; do
	call "createAccount-$h" POST /xrpc/com.atproto.server.createAccount "" \
		"{\"handle\":\"$h.test\",\"email\":\"$h@quitx.test\",\"password\":\"$PW\"}"; st=$ST
	check "createAccount $h.test: 200 with did, handle, accessJwt, refreshJwt" \
		[ "$st" = 200 -a -n "$(js "$LAST.json" 'b.did && b.handle && b.accessJwt && b.refreshJwt && b.did')" ]
	case $h in quitxbot) BOT_DID=$(js "$LAST.json" b.did) ;; alice) ALICE_DID=$(js "$LAST.json" b.did) ;; esac
done
call createAccount-taken POST /xrpc/com.atproto.server.createAccount "" \
	"{\"handle\":\"quitxbot.test\",\"email\":\"bot2@quitx.test\",\"password\":\"$PW\"}"; st=$ST
check "createAccount with a taken handle: 400 InvalidRequest 'Handle already taken: …'" \
	[ "$st" = 400 -a "$(js "$LAST.json" b.error)" = InvalidRequest ]

# ---- sessions
call createSession-bot POST /xrpc/com.atproto.server.createSession "" \
	"{\"identifier\":\"quitxbot.test\",\"password\":\"$PW\"}"; st=$ST
check "createSession quitxbot.test: 200, did matches" [ "$st" = 200 -a "$(js "$LAST.json" b.did)" = "$BOT_DID" ]
BOT_AT=$(js "$LAST.json" b.accessJwt); BOT_RT=$(js "$LAST.json" b.refreshJwt)
RL_LIMIT=$(hdr ratelimit-limit); RL_POLICY=$(hdr ratelimit-policy)
check "createSession: ratelimit-limit/remaining/reset/policy headers ($RL_LIMIT; $RL_POLICY)" \
	[ -n "$RL_LIMIT" -a -n "$(hdr ratelimit-remaining)" -a -n "$(hdr ratelimit-reset)" -a -n "$RL_POLICY" ]
call createSession-alice POST /xrpc/com.atproto.server.createSession "" \
	"{\"identifier\":\"alice.test\",\"password\":\"$PW\"}"; st=$ST
ALICE_AT=$(js "$LAST.json" b.accessJwt)
check "createSession alice.test: 200" [ "$st" = 200 ]
call createSession-badpass POST /xrpc/com.atproto.server.createSession "" \
	"{\"identifier\":\"quitxbot.test\",\"password\":\"wrong\"}"; st=$ST
check "createSession with a wrong password: 401 AuthenticationRequired" \
	[ "$st" = 401 -a "$(js "$LAST.json" b.error)" = AuthenticationRequired ]

call getSession GET /xrpc/com.atproto.server.getSession "$BOT_AT"; st=$ST
check "getSession: 200 quitxbot.test" [ "$st" = 200 -a "$(js "$LAST.json" b.handle)" = quitxbot.test ]
check "getSession: ratelimit headers (global limit $(hdr ratelimit-limit))" [ -n "$(hdr ratelimit-policy)" ]

# ---- identity
call resolveHandle GET "/xrpc/com.atproto.identity.resolveHandle?handle=alice.test" ""; st=$ST
check "resolveHandle alice.test: 200, her did" [ "$st" = 200 -a "$(js "$LAST.json" b.did)" = "$ALICE_DID" ]
call resolveHandle-unknown GET "/xrpc/com.atproto.identity.resolveHandle?handle=nobody.test" ""; st=$ST
check "resolveHandle of an unknown handle: 400 (error $(js "$LAST.json" b.error))" [ "$st" = 400 ]

# ---- alice mentions the bot: facet offsets in UTF-8 bytes
POST=$("$NODE" -e '
	const [did] = process.argv.slice(1);
	const text = "héllo ✨ @quitxbot.test, ping";
	const at = "@quitxbot.test";
	const byteStart = Buffer.byteLength(text.slice(0, text.indexOf(at)));
	const byteEnd = byteStart + Buffer.byteLength(at);
	console.log(JSON.stringify({ repo: "alice.test", collection: "app.bsky.feed.post",
		record: { $type: "app.bsky.feed.post", text, createdAt: new Date().toISOString(),
			facets: [{ index: { byteStart, byteEnd },
				features: [{ $type: "app.bsky.richtext.facet#mention", did }] }] } }));' "$BOT_DID")
# the bot has polled once already (the first proxied call is slow)
call listNotifications-empty GET "/xrpc/app.bsky.notification.listNotifications?limit=10" "$BOT_AT"; st=$ST
check "listNotifications for bot before any: 200, none" [ "$st" = 200 -a "$(js "$LAST.json" b.notifications.length)" = 0 ]
call createRecord-mention POST /xrpc/com.atproto.repo.createRecord "$ALICE_AT" "$POST"; M_ST=$ST
T_MENTION=$(now_ms)
MENTION=$LAST
M_URI=$(sed -n 's/^{"uri":"\([^"]*\)".*/\1/p' "$LAST.json")

# ---- the bot's notification of the mention (AppView through the PDS):
# polled every 20 ms for up to 5 s; ms counted from the createRecord's
# answer to the first listNotifications answer that has it
seen=""; i=0
N0=$N
while [ -n "$M_URI" ] && [ $i -lt 250 ]; do
	N=$N0
	call listNotifications-bot GET "/xrpc/app.bsky.notification.listNotifications?limit=10" "$BOT_AT"; st=$ST
	if [ "$st" = 200 ] && grep -q "\"uri\":\"$M_URI\"" "$LAST.json" && grep -q '"reason":"mention"' "$LAST.json"; then
		seen=$(( $(now_ms) - T_MENTION )); break
	fi
	i=$((i + 1)); sleep 0.02
done
NOTIF=$LAST

LAST=$MENTION
check "createRecord (alice's post mentioning bot, facet bytes $(js "$LAST.req" 'Object.values(b.record.facets[0].index).join("-")')): 200 uri, cid" \
	[ "$M_ST" = 200 -a -n "$(js "$LAST.json" 'b.uri && b.cid')" ]
M_URI=$(js "$LAST.json" b.uri); M_CID=$(js "$LAST.json" b.cid)
M_RKEY=${M_URI##*/}
LAST=$NOTIF
check "listNotifications for bot shows the mention (after ${seen:-?} ms, $((i + 1)) polls)" \
	[ -n "$seen" -a "$(js "$LAST.json" 'b.notifications.find(n => n.reason === "mention").author.handle')" = alice.test ]

call getRecord GET "/xrpc/com.atproto.repo.getRecord?repo=$ALICE_DID&collection=app.bsky.feed.post&rkey=$M_RKEY" ""; st=$ST
check "getRecord: 200, same uri and cid, value.text" \
	[ "$st" = 200 -a "$(js "$LAST.json" b.cid)" = "$M_CID" -a "$(js "$LAST.json" b.uri)" = "$M_URI" ]
call getRecord-missing GET "/xrpc/com.atproto.repo.getRecord?repo=$ALICE_DID&collection=app.bsky.feed.post&rkey=3zzzzzzzzzzzz" ""; st=$ST
check "getRecord of a missing rkey: 400 RecordNotFound" [ "$st" = 400 -a "$(js "$LAST.json" b.error)" = RecordNotFound ]

# ---- the bot replies: putRecord with a TID rkey chosen once, twice
RKEY=$("$NODE" -e '
	const A = "234567abcdefghijklmnopqrstuvwxyz";
	let v = (BigInt(Date.now()) * 1000n << 10n) | BigInt(Math.floor(Math.random() * 1024));
	let s = ""; for (let i = 0; i < 13; i++) { s = A[Number(v & 31n)] + s; v >>= 5n; }
	process.stdout.write(s);')
REPLY=$("$NODE" -e '
	const [uri, cid, rkey] = process.argv.slice(1);
	console.log(JSON.stringify({ repo: "quitxbot.test", collection: "app.bsky.feed.post", rkey,
		record: { $type: "app.bsky.feed.post", text: "pong", createdAt: "2026-01-01T00:00:00.000Z",
			reply: { root: { uri, cid }, parent: { uri, cid } } } }));' "$M_URI" "$M_CID" "$RKEY")
call putRecord-reply POST /xrpc/com.atproto.repo.putRecord "$BOT_AT" "$REPLY"; st=$ST
R_CID=$(js "$LAST.json" b.cid); R_URI=$(js "$LAST.json" b.uri)
check "putRecord reply (rkey $RKEY): 200, uri ends in the rkey" \
	[ "$st" = 200 -a "${R_URI##*/}" = "$RKEY" -a -n "$R_CID" ]
call putRecord-reply-again POST /xrpc/com.atproto.repo.putRecord "$BOT_AT" "$REPLY"; st=$ST
check "the same putRecord again: 200, same cid (a no-op)" [ "$st" = 200 -a "$(js "$LAST.json" b.cid)" = "$R_CID" ]
CREATE=$("$NODE" -e 'const b = JSON.parse(process.argv[1]); console.log(JSON.stringify(b));' "$REPLY")
call createRecord-same-rkey POST /xrpc/com.atproto.repo.createRecord "$BOT_AT" "$CREATE"; st=$ST
check "createRecord with the same rkey: fails (status $st, error $(js "$LAST.json" b.error))" [ "$st" != 200 ]
call getPostThread GET "/xrpc/app.bsky.feed.getPostThread?uri=$M_URI&depth=1" "$ALICE_AT"; st=$ST
check "getPostThread of the mention: 200 (replies seen: $(js "$LAST.json" '(b.thread && b.thread.replies || []).length'))" [ "$st" = 200 ]

# ---- profiles and the chat declaration
call getProfile GET "/xrpc/app.bsky.actor.getProfile?actor=alice.test" "$BOT_AT"; st=$ST
check "getProfile alice.test: 200, did and handle" \
	[ "$st" = 200 -a "$(js "$LAST.json" b.did)" = "$ALICE_DID" -a "$(js "$LAST.json" b.handle)" = alice.test ]
call putRecord-chat-declaration POST /xrpc/com.atproto.repo.putRecord "$BOT_AT" \
	'{"repo":"quitxbot.test","collection":"chat.bsky.actor.declaration","rkey":"self","record":{"$type":"chat.bsky.actor.declaration","allowIncoming":"all"}}'; st=$ST
check "putRecord chat.bsky.actor.declaration/self: 200 (validationStatus $(js "$LAST.json" b.validationStatus))" [ "$st" = 200 ]
call getProfile-bot GET "/xrpc/app.bsky.actor.getProfile?actor=quitxbot.test" "$ALICE_AT"; st=$ST
check "getProfile quitxbot.test: 200 (associated.chat $(js "$LAST.json" 'b.associated && b.associated.chat'))" [ "$st" = 200 ]

# ---- tokens: refresh, invalid, expired
call refreshSession POST /xrpc/com.atproto.server.refreshSession "$BOT_RT"; st=$ST
check "refreshSession: 200, new accessJwt and refreshJwt" \
	[ "$st" = 200 -a -n "$(js "$LAST.json" 'b.accessJwt && b.refreshJwt')" ]
NEW_AT=$(js "$LAST.json" b.accessJwt); NEW_RT=$(js "$LAST.json" b.refreshJwt)
call refreshSession-reused POST /xrpc/com.atproto.server.refreshSession "$BOT_RT"; st=$ST
# the PDS accepts a used refresh token again for a grace period (2 h),
# and answers with the same next refresh token (same jti; the bytes differ
# when a second has passed: iat)
jti() { js "$1" 'JSON.parse(Buffer.from(b.refreshJwt.split(".")[1], "base64url")).jti'; }
check "refreshSession with the just-used refresh token (grace period): 200, the same next refresh token (jti)" \
	[ "$st" = 200 -a "$(jti "$LAST.json")" = "$(jti "$OUT/$(printf %02d $((N - 1)))-refreshSession.json")" ]
call getSession-refreshed GET /xrpc/com.atproto.server.getSession "$NEW_AT"; st=$ST
check "getSession with the refreshed access token: 200" [ "$st" = 200 ]
call getSession-with-refreshJwt GET /xrpc/com.atproto.server.getSession "$BOT_RT"; st=$ST
check "getSession with a refresh token as access token: 400 InvalidToken" [ "$st" = 400 -a "$(js "$LAST.json" b.error)" = InvalidToken ]
call getSession-garbage GET /xrpc/com.atproto.server.getSession "not-a-jwt"; st=$ST
check "getSession with a garbage token: status $st, error $(js "$LAST.json" b.error)" [ "$st" = 400 -o "$st" = 401 ]
call getSession-none GET /xrpc/com.atproto.server.getSession ""; st=$ST
check "getSession without a token: 401 AuthMissing" [ "$st" = 401 -a "$(js "$LAST.json" b.error)" = AuthMissing ]
# an expired access token: the real one, re-signed with exp in the past
# (dev-env's PDS signs with HS256 and the secret 'jwt-secret')
EXPIRED=$("$NODE" -e '
	const c = require("crypto"); const [h, p] = process.argv[1].split(".");
	const pl = JSON.parse(Buffer.from(p, "base64url"));
	const now = Math.floor(Date.now() / 1000); pl.iat = now - 7300; pl.exp = now - 100;
	const body = h + "." + Buffer.from(JSON.stringify(pl)).toString("base64url");
	process.stdout.write(body + "." + c.createHmac("sha256", "jwt-secret").update(body).digest("base64url"));' "$NEW_AT")
call getSession-expired GET /xrpc/com.atproto.server.getSession "$EXPIRED"; st=$ST
check "getSession with an expired access token: 400 ExpiredToken" [ "$st" = 400 -a "$(js "$LAST.json" b.error)" = ExpiredToken ]
call listNotifications-expired GET "/xrpc/app.bsky.notification.listNotifications" "$EXPIRED"; st=$ST
check "listNotifications (proxied) with an expired token: 400 ExpiredToken" [ "$st" = 400 -a "$(js "$LAST.json" b.error)" = ExpiredToken ]
call deleteSession POST /xrpc/com.atproto.server.deleteSession "$NEW_RT"; st=$ST
check "deleteSession: 200" [ "$st" = 200 ]
call refreshSession-revoked POST /xrpc/com.atproto.server.refreshSession "$NEW_RT"; st=$ST
check "refreshSession with the deleted session's token: status $st, error $(js "$LAST.json" b.error)" [ "$st" = 400 -o "$st" = 401 ]

# ---- rate limits: createSession allows 30 per 5 minutes per
# identifier and address; the 31st answers 429
i=0
N0=$N
while [ $i -lt 31 ]; do
	N=$N0
	call createSession-ratelimit POST /xrpc/com.atproto.server.createSession "" \
		'{"identifier":"nobody.test","password":"x"}'; st=$ST
	[ "$st" = 429 ] && break
	i=$((i + 1))
done
check "createSession the 31st time: 429 RateLimitExceeded, ratelimit-remaining 0 (after $i)" \
	[ "$st" = 429 -a "$(js "$LAST.json" b.error)" = RateLimitExceeded -a "$(hdr ratelimit-remaining)" = 0 ]
N=$((N + 1)); LAST="$OUT/$(printf %02d $N)-createSession-bypass"
code=$(curl -sS -o "$LAST.json" -D "$LAST.hdr" -w '%{http_code}' -H 'content-type: application/json' \
	-H "x-ratelimit-bypass: $PDS_RATELIMIT_BYPASS_KEY" \
	--data-binary '{"identifier":"nobody.test","password":"x"}' "$PDS_URL/xrpc/com.atproto.server.createSession")
{ echo "== $N createSession-bypass (x-ratelimit-bypass): -> $code"; grep -i '^ratelimit-' "$LAST.hdr" | tr -d '\r' | sed 's/^/   /'; cat "$LAST.json"; echo; echo; } >"$LAST.obs"
check "the same with x-ratelimit-bypass: 401 again, no ratelimit headers" [ "$code" = 401 -a -z "$(hdr ratelimit-limit)" ]

# ---- the AppView directly (public reads, no token)
BASE=$BSKY_URL
call appview-getProfile GET "/xrpc/app.bsky.actor.getProfile?actor=quitxbot.test" ""; st=$ST
check "AppView getProfile quitxbot.test without a token: 200" [ "$st" = 200 ]
BASE=$PDS_URL

cat "$OUT"/*.obs >"$OBS"
echo "observed exchanges: $OBS"
echo "smoke: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
