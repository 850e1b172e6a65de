/*
 * test-archive: X archive data files as X writes them, fed whole, a byte
 * at a time and in random chunks, and every kind of bad file the parser
 * must refuse with a reason.
 *
 * The files come from a small generator below that writes the real
 * layout (the prefix line, one entry over several lines, X's key order
 * and its " : " spacing), so the tests see what members upload.
 */
#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/archive.h"
#include "quitx/xmalloc.h"

struct gen {
	char	*buf;
	size_t	 len, cap;
};

static void	gen_add(struct gen *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
gen_add(struct gen *g, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(g->buf + g->len, g->cap - g->len, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if ((size_t)n < g->cap - g->len)
			break;
		g->cap = g->cap * 2 + (size_t)n + 64;
		g->buf = xreallocarray(g->buf, g->cap, 1);
	}
	g->len += (size_t)n;
}

/* The i-th id of a generated file: small, large and 19-digit ids. */
static int64_t
gen_id(size_t i)
{
	return (int64_t)(100000 + i * 7919) +
	    (i % 3 == 0 ? INT64_C(1500000000000000000) : 0);
}

/* A follower or following file of n entries, as X writes it. */
static char *
gen_edges(const char *type, int part, size_t n, size_t *lenp)
{
	struct gen	g = { xmalloc(64), 0, 64 };
	size_t		i;

	gen_add(&g, "window.YTD.%s.part%d = [\n", type, part);
	for (i = 0; i < n; i++)
		gen_add(&g, "{\n  \"%s\" : {\n    \"accountId\" : \"%" PRId64
		    "\",\n    \"userLink\" : \"https://twitter.com/intent/user"
		    "?user_id=%" PRId64 "\"\n  }\n}%s\n", type, gen_id(i),
		    gen_id(i), i + 1 < n ? "," : "");
	gen_add(&g, "]");
	*lenp = g.len;
	return g.buf;
}

static char *
gen_account(const char *id, const char *username, size_t *lenp)
{
	struct gen	g = { xmalloc(64), 0, 64 };

	gen_add(&g, "window.YTD.account.part0 = [\n{\n  \"account\" : {\n"
	    "    \"email\" : \"%s@mail.example\",\n"
	    "    \"createdVia\" : \"web\",\n"
	    "    \"username\" : \"%s\",\n"
	    "    \"accountId\" : \"%s\",\n"
	    "    \"createdAt\" : \"2012-03-04T05:06:07.000Z\",\n"
	    "    \"accountDisplayName\" : \"User \\u00e9\"\n  }\n}\n]",
	    username, username, id);
	*lenp = g.len;
	return g.buf;
}

struct ids {
	int64_t	*v;
	size_t	 n, cap;
	size_t	 stop_at;	/* refuse the id at this index (0: never) */
};

static int
collect(int64_t id, void *arg)
{
	struct ids	*ids = arg;

	if (ids->stop_at != 0 && ids->n == ids->stop_at)
		return -1;
	if (ids->n == ids->cap) {
		ids->cap = ids->cap * 2 + 16;
		ids->v = xreallocarray(ids->v, ids->cap, sizeof(*ids->v));
	}
	ids->v[ids->n++] = id;
	return 0;
}

static void
check_ids(const struct ids *ids, size_t n)
{
	size_t	i;

	assert_int_equal(ids->n, n);
	for (i = 0; i < n; i++)
		assert_true(ids->v[i] == gen_id(i));
}

/* Feed buf in chunks of the sizes sizer gives; returns finish's result. */
static int
feed_chunks(struct archive_parser *p, const char *buf, size_t len,
    size_t chunk, unsigned seed)
{
	size_t	off = 0, n;

	srand(seed);
	while (off < len) {
		n = chunk != 0 ? chunk : 1 + (size_t)rand() % 700;
		if (n > len - off)
			n = len - off;
		if (archive_parser_feed(p, buf + off, n) == -1)
			return -1;
		off += n;
	}
	return archive_parser_finish(p);
}

/* Parse s (any kind expected); the error, or "" if it parsed. */
static char *
parse_err(enum archive_kind expect, const char *s, size_t len)
{
	static char	err[512];
	struct ids	ids = { 0 };
	int		r;

	r = archive_parse_buffer(expect, s, len, collect, &ids, NULL, err,
	    sizeof(err));
	free(ids.v);
	assert_true(r == 0 ? err[0] == '\0' : err[0] != '\0');
	return err;
}

static void
assert_refused(enum archive_kind expect, const char *s, const char *want)
{
	const char	*err = parse_err(expect, s, strlen(s));

	if (strstr(err, want) == NULL)
		fail_msg("input \"%.60s\": error \"%s\", wanted \"%s\"", s, err,
		    want);
	assert_true(strncmp(err, "byte ", 5) == 0);
}

static void
test_follower_one_chunk(void **state)
{
	struct ids		 ids = { 0 };
	struct archive_account	 acct;
	char			*buf, err[256];
	size_t			 len;

	(void)state;
	buf = gen_edges("follower", 0, 1000, &len);
	acct.id = 42;
	assert_int_equal(archive_parse_buffer(ARCHIVE_FOLLOWER, buf, len,
	    collect, &ids, &acct, err, sizeof(err)), 0);
	check_ids(&ids, 1000);
	assert_true(acct.id == 0);
	free(ids.v);
	free(buf);
}

static void
test_follower_byte_chunks(void **state)
{
	struct archive_parser	*p;
	struct ids		 ids = { 0 };
	char			*buf;
	size_t			 len;

	(void)state;
	buf = gen_edges("follower", 0, 300, &len);
	p = archive_parser_new(ARCHIVE_FOLLOWER, collect, &ids);
	assert_int_equal(feed_chunks(p, buf, len, 1, 0), 0);
	assert_null(archive_error(p));
	assert_int_equal(archive_parser_count(p), 300);
	assert_int_equal(archive_parser_kind(p), ARCHIVE_FOLLOWER);
	assert_null(archive_parser_account(p));
	check_ids(&ids, 300);
	archive_parser_free(p);
	free(ids.v);
	free(buf);
}

static void
test_follower_random_chunks(void **state)
{
	struct archive_parser	*p;
	struct ids		 ids;
	char			*buf;
	size_t			 len;
	unsigned		 seed;

	(void)state;
	buf = gen_edges("follower", 0, 2000, &len);
	for (seed = 1; seed <= 20; seed++) {
		memset(&ids, 0, sizeof(ids));
		p = archive_parser_new(ARCHIVE_ANY, collect, &ids);
		assert_int_equal(feed_chunks(p, buf, len, 0, seed), 0);
		assert_int_equal(archive_parser_count(p), 2000);
		check_ids(&ids, 2000);
		archive_parser_free(p);
		free(ids.v);
	}
	free(buf);
}

static void
test_following(void **state)
{
	struct ids	 ids = { 0 };
	char		*buf, err[256];
	size_t		 len;

	(void)state;
	buf = gen_edges("following", 0, 50, &len);
	assert_int_equal(archive_parse_buffer(ARCHIVE_FOLLOWING, buf, len,
	    collect, &ids, NULL, err, sizeof(err)), 0);
	check_ids(&ids, 50);
	free(ids.v);
	/* the same file is not a follower file */
	assert_refused(ARCHIVE_FOLLOWER, buf,
	    "byte 11: a following file, expected a follower file");
	free(buf);
	/* and an empty one is fine */
	ids.v = NULL;
	ids.n = ids.cap = 0;
	assert_int_equal(archive_parse_buffer(ARCHIVE_FOLLOWING,
	    "window.YTD.following.part0 = [ ]", 32, collect, &ids, NULL, err,
	    sizeof(err)), 0);
	assert_int_equal(ids.n, 0);
}

static void
test_account(void **state)
{
	struct archive_parser		*p;
	const struct archive_account	*a;
	struct archive_account		 acct;
	char				*buf, err[256];
	size_t				 len;

	(void)state;
	buf = gen_account("12", "jack", &len);
	assert_int_equal(archive_parse_buffer(ARCHIVE_ACCOUNT, buf, len, NULL,
	    NULL, &acct, err, sizeof(err)), 0);
	assert_true(acct.id == 12);
	assert_string_equal(acct.username, "jack");

	p = archive_parser_new(ARCHIVE_ANY, NULL, NULL);
	assert_int_equal(feed_chunks(p, buf, len, 1, 0), 0);
	assert_int_equal(archive_parser_kind(p), ARCHIVE_ACCOUNT);
	assert_int_equal(archive_parser_count(p), 1);
	assert_non_null(a = archive_parser_account(p));
	assert_true(a->id == 12);
	assert_string_equal(a->username, "jack");
	archive_parser_free(p);
	free(buf);

	buf = gen_account("9223372036854775807", "abcdefghijklmn_", &len);
	assert_int_equal(archive_parse_buffer(ARCHIVE_ACCOUNT, buf, len, NULL,
	    NULL, &acct, err, sizeof(err)), 0);
	assert_true(acct.id == INT64_MAX);
	assert_string_equal(acct.username, "abcdefghijklmn_");
	free(buf);

	buf = gen_account("12", "abcdefghijklmnop", &len);
	assert_refused(ARCHIVE_ACCOUNT, buf, "username \"abcdefghijklmnop\" is "
	    "not an X handle");
	free(buf);
	buf = gen_account("12", "ja ck", &len);
	assert_refused(ARCHIVE_ACCOUNT, buf, "is not an X handle");
	free(buf);
	assert_refused(ARCHIVE_ACCOUNT, "window.YTD.account.part0 = []",
	    "account file without an account entry");
	assert_refused(ARCHIVE_ACCOUNT, "window.YTD.account.part0 = [{"
	    "\"account\":{\"accountId\":\"1\"}}]", "without username");
	assert_refused(ARCHIVE_ACCOUNT, "window.YTD.account.part0 = [{"
	    "\"account\":{\"accountId\":\"1\",\"username\":\"a\"}},{\"account"
	    "\":{\"accountId\":\"2\",\"username\":\"b\"}}]",
	    "more than one account entry");
}

static void
test_parts(void **state)
{
	struct archive_parser	*p;
	struct ids		 ids = { 0 };
	char			*buf;
	size_t			 len;

	(void)state;
	buf = gen_edges("follower", 3, 10, &len);
	assert_string_equal(parse_err(ARCHIVE_FOLLOWER, buf, len), "");
	free(buf);
	buf = gen_edges("following", 12, 10, &len);
	p = archive_parser_new(ARCHIVE_ANY, collect, &ids);
	assert_int_equal(feed_chunks(p, buf, len, 7, 0), 0);
	assert_int_equal(archive_parser_kind(p), ARCHIVE_FOLLOWING);
	check_ids(&ids, 10);
	archive_parser_free(p);
	free(ids.v);
	free(buf);
}

static void
test_id_limits(void **state)
{
	struct ids	 ids = { 0 };
	char		 err[256];
	static const char s[] = "window.YTD.follower.part0 = [\n"
	    "{\"follower\":{\"accountId\":\"9223372036854775807\"}},\n"
	    "{\"follower\":{\"accountId\":\"1234567890123456789\"}},\n"
	    "{\"follower\":{\"accountId\":\"0000000000000000001\"}},\n"
	    "{\"follower\":{\"accountId\":\"9007199254740993\"}},\n"
	    "{\"follower\":{\"accountId\":\"7\"}}\n]";

	(void)state;
	assert_int_equal(archive_parse_buffer(ARCHIVE_FOLLOWER, s, strlen(s),
	    collect, &ids, NULL, err, sizeof(err)), 0);
	assert_int_equal(ids.n, 5);
	assert_true(ids.v[0] == INT64_MAX);
	assert_true(ids.v[1] == INT64_C(1234567890123456789));
	assert_true(ids.v[2] == 1);
	/* 2^53 + 1: a double would have made it 2^53 */
	assert_true(ids.v[3] == INT64_C(9007199254740993));
	assert_true(ids.v[4] == 7);
	free(ids.v);
}

#define F(body)	"window.YTD.follower.part0 = [ " body " ]"
#define E(id)	F("{\"follower\":{\"accountId\":\"" id "\"}}")

static void
test_bad_ids(void **state)
{
	(void)state;
	assert_refused(ARCHIVE_FOLLOWER, E("12ab"),
	    "byte 55: id \"12ab\" is not a number");
	assert_refused(ARCHIVE_FOLLOWER, E(""), "id \"\" is not a number");
	assert_refused(ARCHIVE_FOLLOWER, E("+12"), "id \"+12\" is not a number");
	assert_refused(ARCHIVE_FOLLOWER, E("-12"), "id \"-12\" is not a number");
	assert_refused(ARCHIVE_FOLLOWER, E(" 12"), "is not a number");
	assert_refused(ARCHIVE_FOLLOWER, E("1.5"), "is not a number");
	assert_refused(ARCHIVE_FOLLOWER, E("12345678901234567890"),
	    "has more than 19 digits");
	assert_refused(ARCHIVE_FOLLOWER,
	    E("1234567890123456789012345678901234567890"),
	    "id \"1234567890123456789012345678901234567890\" has more");
	assert_refused(ARCHIVE_FOLLOWER, E("9223372036854775808"),
	    "id \"9223372036854775808\" is out of range");
	assert_refused(ARCHIVE_FOLLOWER, E("9999999999999999999"),
	    "is out of range");
	assert_refused(ARCHIVE_FOLLOWER,
	    F("{\"follower\":{\"accountId\":12}}"), "accountId is not a string");
	assert_refused(ARCHIVE_FOLLOWER,
	    F("{\"follower\":{\"userLink\":\"x\"}}"),
	    "follower entry without accountId");
	assert_refused(ARCHIVE_FOLLOWER,
	    F("{\"follower\":{\"accountId\":\"1\",\"accountId\":\"2\"}}"),
	    "two accountId keys");
}

static void
test_bad_files(void **state)
{
	char	deep[256], *big;
	size_t	i;

	(void)state;
	/* prefix */
	assert_refused(ARCHIVE_ANY, "[ ]", "byte 0: not an X archive file");
	assert_refused(ARCHIVE_ANY, "window.YTX.follower.part0 = []",
	    "byte 9: not an X archive file");
	assert_refused(ARCHIVE_ANY, "{\"follower\":1}", "not an X archive");
	assert_refused(ARCHIVE_ANY, "window.YTD.follower = []", "bad prefix");
	assert_refused(ARCHIVE_ANY, "window.YTD.follower.partX = []",
	    "bad prefix");
	assert_refused(ARCHIVE_ANY, "window.YTD.follower.part0 := []",
	    "bad prefix");
	assert_refused(ARCHIVE_ANY, "window.YTD.tweets.part0 = []",
	    "byte 11: unsupported archive type \"tweets\"");
	assert_refused(ARCHIVE_ACCOUNT, "window.YTD.follower.part0 = []",
	    "a follower file, expected a account file");
	assert_refused(ARCHIVE_ANY, "window.YTD.follower.part0 = ",
	    "truncated input");
	/* truncated */
	assert_refused(ARCHIVE_ANY, "", "byte 0: truncated input");
	assert_refused(ARCHIVE_FOLLOWER, "window.YTD.follower.part0 = [ {\""
	    "follower\":{\"accountId\":\"1\"", "byte 58: truncated input");
	/* entries */
	assert_refused(ARCHIVE_FOLLOWER,
	    F("{\"following\":{\"accountId\":\"1\"}}"),
	    "a \"following\" entry in a follower file");
	assert_refused(ARCHIVE_FOLLOWER, F("{\"x\":1}"),
	    "entry without a \"follower\" key");
	assert_refused(ARCHIVE_FOLLOWER, F("1"), "entry is not an object");
	assert_refused(ARCHIVE_FOLLOWER, F("{\"follower\":[]}"),
	    "\"follower\" is not an object");
	/* JSON */
	assert_refused(ARCHIVE_FOLLOWER, F("{\"follower\" {}}"),
	    "JSON syntax error: expected ':'");
	assert_refused(ARCHIVE_FOLLOWER, F("{\"x\":{},}"),
	    "JSON syntax error");
	assert_refused(ARCHIVE_FOLLOWER, F("{\"x\":tru,\"follower\":{}}"),
	    "bad literal \"tru\"");
	assert_refused(ARCHIVE_FOLLOWER, F("{\"x\":01}"), "bad number \"01\"");
	assert_refused(ARCHIVE_FOLLOWER, F("{\"x\":\"\\q\"}"), "bad escape");
	assert_refused(ARCHIVE_FOLLOWER, F("{\"x\":\"\\ud800\"}"),
	    "unpaired surrogate");
	assert_refused(ARCHIVE_FOLLOWER, F("{\"x\":\"\\u0000\"}"), "\\u0000");
	assert_refused(ARCHIVE_FOLLOWER, F("{\"x\":\"a\tb\"}"),
	    "control character 0x09");
	assert_refused(ARCHIVE_FOLLOWER, "window.YTD.follower.part0 = [] x",
	    "byte 31: \"x\" after the end of the array");
	assert_refused(ARCHIVE_FOLLOWER, "window.YTD.follower.part0 = [];;",
	    "after the end");
	/* UTF-8 */
	assert_refused(ARCHIVE_FOLLOWER, F("{\"x\":\"\xff\"}"),
	    "byte 36: invalid UTF-8 in a string");
	assert_refused(ARCHIVE_FOLLOWER, F("{\"x\":\"\xc3(\"}"), "invalid UTF-8");
	assert_refused(ARCHIVE_FOLLOWER, F("{\"x\":\"\xed\xa0\x80\"}"),
	    "invalid UTF-8");
	assert_refused(ARCHIVE_FOLLOWER, F("{\"x\":\"\xc0\xaf\"}"),
	    "invalid UTF-8");
	/* nesting: 16 levels are fine, 17 are not */
	for (i = 0; i < 14; i++)
		deep[i] = '[';
	for (; i < 28; i++)
		deep[i] = ']';
	snprintf(deep + 28, sizeof(deep) - 28, "}");
	big = xasprintf("window.YTD.follower.part0 = [{\"follower\":{\"accountId"
	    "\":\"1\"},\"x\":%.14s%s]", deep, deep + 14);
	assert_string_equal(parse_err(ARCHIVE_FOLLOWER, big, strlen(big)), "");
	free(big);
	big = xasprintf("window.YTD.follower.part0 = [{\"follower\":{\"accountId"
	    "\":\"1\"},\"x\":[%.14s]%s]", deep, deep + 14);
	assert_refused(ARCHIVE_FOLLOWER, big, "nesting deeper than 16");
	free(big);
	/* strings: 4096 bytes are fine, 4097 are not */
	big = xmalloc(5000);
	memset(big, 'a', 4097);
	big[4097] = '\0';
	deep[0] = '\0';
	{
		char	*ok, *ko;

		ok = xasprintf(F("{\"follower\":{\"accountId\":\"1\",\"u\":"
		    "\"%.4096s\"}}"), big);
		ko = xasprintf(F("{\"follower\":{\"accountId\":\"1\",\"u\":"
		    "\"%s\"}}"), big);
		assert_string_equal(parse_err(ARCHIVE_FOLLOWER, ok, strlen(ok)),
		    "");
		assert_refused(ARCHIVE_FOLLOWER, ko, "string longer than 4096");
		free(ok);
		free(ko);
	}
	free(big);
}

/* Messages quote at most 40 bytes and escape what is not printable. */
static void
test_error_quoting(void **state)
{
	const char	*err, *q;
	size_t		 i;

	(void)state;
	err = parse_err(ARCHIVE_ANY, "window.YTD.follower\x01\x7f\xff.part0 = "
	    "[]", 36);
	assert_non_null(strstr(err, "\\x01\\x7f\\xff"));
	for (i = 0; err[i] != '\0'; i++)
		assert_true(err[i] >= 0x20 && err[i] < 0x7f);
	err = parse_err(ARCHIVE_FOLLOWER, E("a\\\"bcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), strlen(E("a\\\"bcdefghijklmnopqrstuv"
	    "wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")));
	assert_non_null(q = strstr(err, "id \"a\\\"bcdefghijklmnopqrstuvwxyzA"
	    "BCDEFGHIJKLM...\" is not a number"));
}

static void
test_no_userlink_and_noise(void **state)
{
	struct ids	 ids = { 0 };
	char		 err[256];
	static const char s[] =
	    "window.YTD.follower.part0 = [\n"
	    "{ \"follower\" : { \"accountId\" : \"5\" } },\n"
	    "{ \"note\" : \"x\", \"follower\" : {\n"
	    "   \"userLink\" : \"https://x.com/intent/user?user_id=6\",\n"
	    "   \"extra\" : { \"a\" : [1, -2.5e+3, true, false, null,"
	    " {\"b\" : \"q\\\"}\\\\\\u00e9\\ud83d\\ude80]\"}], \"c\" : {} },\n"
	    "   \"more\" : [[], [[\"]\"]]], \"n\" : 0, \"f\" : 1.0E-2,\n"
	    "   \"accountId\" : \"6\", \"emoji\" : \"\xf0\x9f\x9a\x80 \xc3\xa9\"\n"
	    " }, \"after\" : [\"accountId\", {\"accountId\" : \"x\"}] }\n"
	    "];\n";

	(void)state;
	assert_int_equal(archive_parse_buffer(ARCHIVE_FOLLOWER, s, strlen(s),
	    collect, &ids, NULL, err, sizeof(err)), 0);
	assert_int_equal(ids.n, 2);
	assert_true(ids.v[0] == 5 && ids.v[1] == 6);
	free(ids.v);
}

static void
test_bom_crlf(void **state)
{
	struct archive_parser	*p;
	struct ids		 ids = { 0 };
	char			*buf, *crlf;
	size_t			 len, i, n = 0;

	(void)state;
	buf = gen_edges("follower", 0, 100, &len);
	crlf = xmalloc(3 + len * 2 + 4);
	memcpy(crlf, "\xef\xbb\xbf", 3);
	n = 3;
	for (i = 0; i < len; i++) {
		if (buf[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = buf[i];
	}
	memcpy(crlf + n, ";\r\n", 3);
	n += 3;
	p = archive_parser_new(ARCHIVE_FOLLOWER, collect, &ids);
	assert_int_equal(feed_chunks(p, crlf, n, 1, 0), 0);
	check_ids(&ids, 100);
	archive_parser_free(p);
	free(ids.v);
	/* a BOM in the middle is not one */
	assert_refused(ARCHIVE_ANY, "\xef\xbb\xbf\xef\xbb\xbfwindow.YTD."
	    "follower.part0 = []", "byte 3: not an X archive file");
	assert_refused(ARCHIVE_ANY, "\xef\xbbXwindow.YTD.follower.part0 = []",
	    "byte 2: not an X archive file (bad byte order mark)");
	free(crlf);
	free(buf);
}

static void
test_stop(void **state)
{
	struct archive_parser	*p;
	struct ids		 ids = { 0 };
	char			*buf;
	size_t			 len;

	(void)state;
	buf = gen_edges("follower", 0, 100, &len);
	ids.stop_at = 10;
	p = archive_parser_new(ARCHIVE_FOLLOWER, collect, &ids);
	assert_int_equal(archive_parser_feed(p, buf, len), -1);
	assert_non_null(strstr(archive_error(p), "stopped by the caller"));
	assert_int_equal(ids.n, 10);
	/* a failed parser stays failed */
	assert_int_equal(archive_parser_feed(p, "x", 1), -1);
	assert_int_equal(archive_parser_finish(p), -1);
	archive_parser_free(p);
	free(ids.v);
	free(buf);
}

/* Every strict prefix of a good file is a truncated file, no more. */
static void
test_truncated_everywhere(void **state)
{
	char	*buf, *acct;
	size_t	 len, alen, i;

	(void)state;
	buf = gen_edges("follower", 0, 3, &len);
	for (i = 0; i < len; i++)
		assert_non_null(strstr(parse_err(ARCHIVE_FOLLOWER, buf, i),
		    "truncated input"));
	acct = gen_account("12", "jack", &alen);
	for (i = 0; i < alen; i++)
		assert_non_null(strstr(parse_err(ARCHIVE_ACCOUNT, acct, i),
		    "truncated input"));
	free(acct);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_follower_one_chunk),
		cmocka_unit_test(test_follower_byte_chunks),
		cmocka_unit_test(test_follower_random_chunks),
		cmocka_unit_test(test_following),
		cmocka_unit_test(test_account),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_id_limits),
		cmocka_unit_test(test_bad_ids),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_error_quoting),
		cmocka_unit_test(test_no_userlink_and_noise),
		cmocka_unit_test(test_bom_crlf),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_truncated_everywhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
