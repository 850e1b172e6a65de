/*
 * test-follows: a member's Mastodon follows-import file.  The tokens
 * (shape, hash), the store's queries on a store of its own, then the
 * daemon's GET|HEAD /f/<token> with curl, as a member's browser would:
 * the exact CSV bytes and headers, 404 for unknown and malformed links
 * alike, 410 once expired, and the token never in the daemon's log.
 * Members and suggestions are written into the store the daemon runs
 * on (WAL lets a second connection in); the link is made by
 * follows_link() on that second connection.
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quitx/follows.h"
#include "quitx/store.h"
#include "quitx/token.h"
#include "quitx/xmalloc.h"

#define PUBLIC	"https://quitx.example.org"
#define CSV_HEAD "Account address,Show boosts,Notify on new posts,Languages\n"

/* marie (101) was suggested dan, bob (Bluesky), ann, carl (hidden), gone. */
static const char members_sql[] =
    "INSERT INTO member (id, network, account, registered_at, discoverable)"
    " VALUES (101, 'mastodon', 'marie@piaille.example', 1, 1),"
    " (102, 'mastodon', 'ann@a.example', 1, 1),"
    " (103, 'bluesky', 'did:plc:bob', 1, 1),"
    " (104, 'mastodon', 'carl@c.example', 1, 0),"
    " (105, 'mastodon', 'dan@d.example', 1, 1),"
    " (106, 'mastodon', 'eve@e.example', 1, 1);"
    "INSERT INTO suggestion (member_id, rank, suggested_id, mutual,"
    " followers) VALUES (101, 3, 102, 0, 1), (101, 2, 103, 0, 2),"
    " (101, 1, 105, 1, 3), (101, 4, 104, 0, 1), (101, 5, 999, 0, 1),"
    " (102, 1, 101, 0, 1);";

static const char marie_csv[] = CSV_HEAD
    "dan@d.example,true,false,\n"
    "ann@a.example,true,false,\n";

static void
hex(const unsigned char *h, size_t n, char *out)
{
	size_t	i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02X", h[i]);
}

/* ---- without a daemon ---- */

static void
test_token(void **state)
{
	char		 t1[TOKEN_CHARS + 1], t2[TOKEN_CHARS + 1];
	char		 bad[TOKEN_CHARS + 2];
	unsigned char	 h1[TOKEN_HASH_LEN], h2[TOKEN_HASH_LEN];
	int		 i;

	(void)state;
	token_new(t1, h1);
	token_new(t2, h2);
	assert_int_equal(strlen(t1), TOKEN_CHARS);
	assert_string_not_equal(t1, t2);
	assert_true(token_shape_ok(t1));
	assert_true(token_shape_ok(t2));
	token_hash(t1, h2);
	assert_memory_equal(h1, h2, TOKEN_HASH_LEN);
	/* SHA-256 of the text, as upload links: "abc" */
	token_hash("abc", h2);
	assert_int_equal(h2[0], 0xba);
	assert_int_equal(h2[31], 0xad);
	/* the last character of 256 bits is one of 16 */
	for (i = 0; i < 200; i++) {
		token_new(t2, h2);
		assert_non_null(strchr("AEIMQUYcgkosw048", t2[TOKEN_CHARS - 1]));
	}
	assert_false(token_shape_ok(NULL));
	assert_false(token_shape_ok(""));
	memcpy(bad, t1, sizeof(t1));
	bad[TOKEN_CHARS - 1] = 'B';
	assert_false(token_shape_ok(bad));
	memcpy(bad, t1, sizeof(t1));
	bad[5] = '+';
	assert_false(token_shape_ok(bad));
	memcpy(bad, t1, sizeof(t1));
	bad[5] = '=';
	assert_false(token_shape_ok(bad));
	bad[TOKEN_CHARS - 2] = '\0';
	assert_false(token_shape_ok(bad));
	memcpy(bad, t1, sizeof(t1));
	bad[TOKEN_CHARS] = 'A';
	bad[TOKEN_CHARS + 1] = '\0';
	assert_false(token_shape_ok(bad));
	explicit_bzero(t1, sizeof(t1));
}

static void
test_store(void **state)
{
	struct fixture	 fx;
	struct store	*st;
	char		*dir = tu_tmpdir(), *db, err[256], **a, *link;
	unsigned char	 h[TOKEN_HASH_LEN];
	int64_t		 id = 0;
	size_t		 n;

	(void)state;
	db = xasprintf("%s/quitx.db", dir);
	assert_int_equal(store_open(db, &st, err, sizeof(err)), 0);
	memset(&fx, 0, sizeof(fx));
	fx.db = db;
	fx_db_exec(&fx, members_sql);
	assert_int_equal(store_follows_accounts(st, 101, &a, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(a[0], "dan@d.example");
	assert_string_equal(a[1], "ann@a.example");
	free(a[0]);
	free(a[1]);
	free(a);
	/* no suggestion on Mastodon, or none at all */
	assert_int_equal(store_follows_accounts(st, 103, &a, &n), 0);
	assert_int_equal(n, 0);
	assert_null(a);

	memset(h, 7, sizeof(h));
	assert_int_equal(store_follows_token_add(st, 101, h, sizeof(h), 1000,
	    2000), 0);
	assert_int_equal(store_follows_token_find(st, h, sizeof(h), 1999, &id),
	    1);
	assert_int_equal(id, 101);
	id = 0;
	assert_int_equal(store_follows_token_find(st, h, sizeof(h), 2000, &id),
	    2);
	assert_int_equal(id, 0);
	h[0] = 8;
	assert_int_equal(store_follows_token_find(st, h, sizeof(h), 1000, &id),
	    0);
	/* a new link: valid 180 days, only the hash kept */
	link = follows_link(st, PUBLIC, 102, 5000);
	assert_non_null(link);
	assert_int_equal(strlen(link), strlen(PUBLIC "/f/") + TOKEN_CHARS);
	assert_memory_equal(link, PUBLIC "/f/", strlen(PUBLIC "/f/"));
	assert_true(token_shape_ok(link + strlen(PUBLIC "/f/")));
	token_hash(link + strlen(PUBLIC "/f/"), h);
	assert_int_equal(store_follows_token_find(st, h, sizeof(h),
	    5000 + 180 * 86400 - 1, &id), 1);
	assert_int_equal(id, 102);
	assert_int_equal(store_follows_token_find(st, h, sizeof(h),
	    5000 + 180 * 86400, &id), 2);
	/* forgetting a member takes their links */
	assert_int_equal(store_member_forget(st, 102, NETWORK_MASTODON,
	    "ann@a.example", NULL, 0, 0), 0);
	assert_int_equal(store_follows_token_find(st, h, sizeof(h), 5000, &id),
	    0);
	free(link);
	store_close(st);
	tu_rmtree(dir);
	free(db);
	free(dir);
}

/* ---- the daemon ---- */

struct ffx {
	struct fixture	*fx;
	char		*token;		/* marie's */
	char		*url;		/* her link, on the daemon's port */
};

/* A new link for member_id, made through the store's API. */
static char *
new_token(struct fixture *fx, int64_t member_id)
{
	struct store	*st;
	char		 err[256], *link, *token;

	assert_int_equal(store_open(fx->db, &st, err, sizeof(err)), 0);
	link = follows_link(st, PUBLIC, member_id, (int64_t)time(NULL));
	assert_non_null(link);
	store_close(st);
	token = xstrdup(link + strlen(PUBLIC "/f/"));
	free(link);
	return token;
}

static int
setup(void **state)
{
	struct ffx	*f = xcalloc(1, sizeof(*f));

	f->fx = fx_start_mastodon(NULL);
	fx_db_exec(f->fx, members_sql);
	f->token = new_token(f->fx, 101);
	f->url = xasprintf("http://127.0.0.1:%d/f/%s", f->fx->port, f->token);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct ffx	*f = *state;

	fx_destroy(f->fx);
	free(f->token);
	free(f->url);
	free(f);
	return 0;
}

/*
 * curl method url: the status, the header block in *headers and the
 * body in *body (free both).
 */
static int
request(const char *method, const char *url, char **headers, char **body)
{
	const char	*argv[12];
	char		*out = NULL, *err = NULL, *sep;
	int		 n = 0, code = 0;

	argv[n++] = "curl";
	argv[n++] = "-sS";
	argv[n++] = "-D";
	argv[n++] = "-";
	if (strcmp(method, "HEAD") == 0)
		argv[n++] = "-I";
	else if (strcmp(method, "GET") != 0) {
		argv[n++] = "-X";
		argv[n++] = method;
	}
	argv[n++] = url;
	argv[n] = NULL;
	if (tu_run(&out, &err, argv) != 0 || out == NULL)
		fail_msg("curl %s failed: %s", url, err != NULL ? err : "");
	free(err);
	/* -I prints the headers twice with -D -: keep the first block */
	if ((sep = strstr(out, "\r\n\r\n")) == NULL)
		fail_msg("no header block in:\n%s", out);
	*sep = '\0';
	*headers = xstrdup(out);
	*body = xstrdup(strcmp(method, "HEAD") == 0 ? "" : sep + 4);
	assert_int_equal(sscanf(*headers, "HTTP/%*s %d", &code), 1);
	free(out);
	return code;
}

static void
assert_header(const char *headers, const char *name, const char *want)
{
	char	*v = tu_header(headers, name);

	if (v == NULL || strcmp(v, want) != 0)
		fail_msg("%s: want \"%s\", got \"%s\" in:\n%s", name, want,
		    v != NULL ? v : "(none)", headers);
	free(v);
}

static void
test_download(void **state)
{
	struct ffx	*f = *state;
	char		*h, *b, len[16];

	assert_int_equal(request("GET", f->url, &h, &b), 200);
	assert_string_equal(b, marie_csv);
	snprintf(len, sizeof(len), "%zu", strlen(marie_csv));
	assert_header(h, "content-type", "text/csv; charset=utf-8");
	assert_header(h, "content-length", len);
	assert_header(h, "content-disposition",
	    "attachment; filename=\"following_accounts.csv\"");
	assert_header(h, "cache-control", "no-store");
	assert_header(h, "x-robots-tag", "noindex");
	assert_header(h, "referrer-policy", "no-referrer");
	assert_header(h, "x-content-type-options", "nosniff");
	free(h);
	free(b);

	/* HEAD: the same headers, no body */
	assert_int_equal(request("HEAD", f->url, &h, &b), 200);
	assert_header(h, "content-length", len);
	assert_header(h, "content-disposition",
	    "attachment; filename=\"following_accounts.csv\"");
	assert_header(h, "content-type", "text/csv; charset=utf-8");
	free(h);
	free(b);

	/* the file follows the store: a suggestion hidden since */
	fx_db_exec(f->fx, "UPDATE member SET discoverable = 0 WHERE id = 105");
	assert_int_equal(request("GET", f->url, &h, &b), 200);
	assert_string_equal(b, CSV_HEAD "ann@a.example,true,false,\n");
	free(h);
	free(b);
	fx_db_exec(f->fx, "UPDATE member SET discoverable = 1 WHERE id = 105");

	/* someone with no suggestion on Mastodon: the header line alone */
	{
		char	*tok = new_token(f->fx, 106), *url;

		url = xasprintf("http://127.0.0.1:%d/f/%s", f->fx->port, tok);
		assert_int_equal(request("GET", url, &h, &b), 200);
		assert_string_equal(b, CSV_HEAD);
		free(h);
		free(b);
		free(url);
		free(tok);
	}
	/* the daemon is still well */
	fx_wait_log(f->fx, "follows file for member 101: 2 accounts", 5);
}

static void
test_not_found(void **state)
{
	struct ffx	*f = *state;
	char		*h, *b, *url, *want = NULL, tok[TOKEN_CHARS + 2];
	unsigned char	 hash[TOKEN_HASH_LEN];
	const char	*bad[] = {
		"", "x", "short", "upload.js",
		/* 42 and 44 characters */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		/* a last character 256 bits cannot end with */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",
		"AAAAAAAAAAAAAAAAAAAAA%2BAAAAAAAAAAAAAAAAAAAA",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/x",
		NULL,
	};
	size_t		 i;

	/* a token of the right shape that was never given */
	token_new(tok, hash);
	url = xasprintf("http://127.0.0.1:%d/f/%s", f->fx->port, tok);
	assert_int_equal(request("GET", url, &h, &b), 404);
	assert_header(h, "content-type", "text/plain; charset=utf-8");
	assert_header(h, "cache-control", "no-store");
	assert_null(tu_header(h, "content-disposition"));
	assert_non_null(strstr(b, "Unknown link"));
	want = b;
	free(h);
	free(url);
	/* malformed ones: the same answer */
	for (i = 0; bad[i] != NULL; i++) {
		url = xasprintf("http://127.0.0.1:%d/f/%s", f->fx->port,
		    bad[i]);
		assert_int_equal(request("GET", url, &h, &b), 404);
		assert_string_equal(b, want);
		free(h);
		free(b);
		free(url);
	}
	/* a link of one member is no link to another's (case matters) */
	snprintf(tok, sizeof(tok), "%s", f->token);
	tok[0] = tok[0] == 'a' ? 'A' : 'a';
	url = xasprintf("http://127.0.0.1:%d/f/%s", f->fx->port, tok);
	assert_int_equal(request("HEAD", url, &h, &b), 404);
	free(h);
	free(b);
	free(url);
	/* only GET and HEAD */
	assert_int_equal(request("POST", f->url, &h, &b), 405);
	free(h);
	free(b);
	free(want);
}

static void
test_expired_and_forgotten(void **state)
{
	struct ffx	*f = *state;
	char		*h, *b, *sql, hx[2 * TOKEN_HASH_LEN + 1];
	unsigned char	 hash[TOKEN_HASH_LEN];

	token_hash(f->token, hash);
	hex(hash, sizeof(hash), hx);
	/* stored hashed, valid 180 days */
	sql = xasprintf("SELECT (expires_at - created_at) / 86400 FROM"
	    " follows_token WHERE hex(token_hash) = '%s'", hx);
	assert_int_equal(fx_db_int(f->fx, sql), FOLLOWS_LINK_DAYS);
	free(sql);
	sql = xasprintf("UPDATE follows_token SET expires_at = %lld"
	    " WHERE hex(token_hash) = '%s'", (long long)time(NULL) - 1, hx);
	fx_db_exec(f->fx, sql);
	free(sql);
	assert_int_equal(request("GET", f->url, &h, &b), 410);
	assert_header(h, "content-type", "text/plain; charset=utf-8");
	assert_null(tu_header(h, "content-disposition"));
	assert_non_null(strstr(b, "expired"));
	assert_non_null(strstr(b, "expiré"));
	assert_null(strstr(b, "dan@"));
	free(h);
	free(b);
	assert_int_equal(request("HEAD", f->url, &h, &b), 410);
	free(h);
	free(b);
	/* a member forgotten: their links go with them */
	sql = xasprintf("UPDATE follows_token SET expires_at = %lld"
	    " WHERE hex(token_hash) = '%s'", (long long)time(NULL) + 3600, hx);
	fx_db_exec(f->fx, sql);
	free(sql);
	assert_int_equal(request("GET", f->url, &h, &b), 200);
	free(h);
	free(b);
	fx_db_exec(f->fx, "PRAGMA foreign_keys = ON;"
	    " DELETE FROM member WHERE id = 101");
	assert_int_equal(request("GET", f->url, &h, &b), 404);
	free(h);
	free(b);
}

/* The token is a secret: never in the log, even at debug level. */
static void
test_log(void **state)
{
	struct ffx	*f = *state;
	char		*h, *b, *log, *part;

	assert_int_equal(request("GET", f->url, &h, &b), 200);
	free(h);
	free(b);
	assert_int_equal(request("HEAD", f->url, &h, &b), 200);
	free(h);
	free(b);
	fx_wait_log(f->fx, "follows file for member 101", 5);
	log = tu_slurp(f->fx->log);
	assert_non_null(log);
	assert_null(strstr(log, f->token));
	/* libwebsockets' debug lines name the path: redacted */
	assert_non_null(strstr(log, "/f/<link>"));
	/* nor a good part of it */
	part = xasprintf("%.20s", f->token + 10);
	assert_null(strstr(log, part));
	free(part);
	free(log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_store),
		cmocka_unit_test_setup_teardown(test_download, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_expired_and_forgotten,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_log, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
