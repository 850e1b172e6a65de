/*
 * test-http-headers: rate-limit headers (Mastodon's and Bluesky's),
 * RFC 8288 Link headers for paging, ISO 8601 timestamps.  Inputs are
 * passed with their length and often without a terminating NUL where it
 * matters, as libcurl hands them over.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "quitx/http-headers.h"

/* 2026-07-02T10:05:00Z */
#define T_RESET		1782986700

static int
rl_line(struct http_ratelimit *rl, const char *line)
{
	return http_ratelimit_header(rl, line, strlen(line));
}

static void
test_ratelimit_mastodon(void **state)
{
	struct http_ratelimit	rl = { 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(rl_line(&rl, "HTTP/1.1 200 OK\r\n"), 0);
	assert_int_equal(rl_line(&rl, "Content-Type: application/json; "
	    "charset=utf-8\r\n"), 0);
	assert_int_equal(rl.present, 0);
	assert_int_equal(rl_line(&rl, "X-RateLimit-Limit: 300\r\n"), 1);
	assert_int_equal(rl_line(&rl, "X-RateLimit-Remaining: 299\r\n"), 1);
	assert_int_equal(rl_line(&rl, "X-RateLimit-Reset: "
	    "2026-07-02T10:05:00.000000Z\r\n"), 1);
	assert_int_equal(rl.present, 1);
	assert_int_equal(rl.limit, 300);
	assert_int_equal(rl.remaining, 299);
	assert_int_equal(rl.reset, T_RESET);
	assert_int_equal(rl_line(&rl, "\r\n"), 0);
}

static void
test_ratelimit_spelling(void **state)
{
	struct http_ratelimit	rl = { 0, 0, 0, 0 };

	(void)state;
	/* HTTP/2 lower case, no space, tabs and spaces, no line end */
	assert_int_equal(rl_line(&rl, "x-ratelimit-limit:1500"), 1);
	assert_int_equal(rl.limit, 1500);
	assert_int_equal(rl_line(&rl, "X-RATELIMIT-REMAINING: \t 0 \t\r\n"),
	    1);
	assert_int_equal(rl.remaining, 0);
	assert_int_equal(rl_line(&rl, "x-RateLimit-reset:\t2026-07-02T10:05:"
	    "00Z\n"), 1);
	assert_int_equal(rl.reset, T_RESET);
	/* the same line cut short by its length, not by a NUL */
	assert_int_equal(http_ratelimit_header(&rl,
	    "X-RateLimit-Limit: 300\r\n", 21), 1);
	assert_int_equal(rl.limit, 30);
}

static void
test_ratelimit_reset_forms(void **state)
{
	struct http_ratelimit	rl = { 0, 0, 0, 0 };

	(void)state;
	/* a fraction of a second rounds up: never wake before the reset */
	assert_int_equal(rl_line(&rl, "X-RateLimit-Reset: "
	    "2026-07-02T10:04:59.123456Z\r\n"), 1);
	assert_int_equal(rl.reset, T_RESET);
	assert_int_equal(rl_line(&rl, "X-RateLimit-Reset: "
	    "2026-07-02T10:05:00+00:00\r\n"), 1);
	assert_int_equal(rl.reset, T_RESET);
	assert_int_equal(rl_line(&rl, "X-RateLimit-Reset: "
	    "2026-07-02T12:05:00.000000+02:00\r\n"), 1);
	assert_int_equal(rl.reset, T_RESET);
	/* epoch seconds */
	assert_int_equal(rl_line(&rl, "X-RateLimit-Reset: 1782986701\r\n"), 1);
	assert_int_equal(rl.reset, T_RESET + 1);
}

static void
test_ratelimit_bluesky(void **state)
{
	struct http_ratelimit	rl = { 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(rl_line(&rl, "ratelimit-limit: 3000\r\n"), 1);
	assert_int_equal(rl_line(&rl, "ratelimit-remaining: 2999\r\n"), 1);
	assert_int_equal(rl_line(&rl, "ratelimit-reset: 1782986700\r\n"), 1);
	assert_int_equal(rl_line(&rl, "ratelimit-policy: 3000;w=300\r\n"), 0);
	assert_int_equal(rl.present, 1);
	assert_int_equal(rl.limit, 3000);
	assert_int_equal(rl.remaining, 2999);
	assert_int_equal(rl.reset, T_RESET);
	assert_int_equal(rl_line(&rl, "RateLimit-Remaining: 0\r\n"), 1);
	assert_int_equal(rl.remaining, 0);
}

static void
test_ratelimit_invalid(void **state)
{
	static const char	*bad[] = {
		"X-RateLimit-Limit: -1\r\n",
		"X-RateLimit-Limit: +5\r\n",
		"X-RateLimit-Limit: abc\r\n",
		"X-RateLimit-Limit: \r\n",
		"X-RateLimit-Limit: 3 00\r\n",
		"X-RateLimit-Limit: 0x10\r\n",
		"X-RateLimit-Limit: 99999999999999999999\r\n",
		"X-RateLimit-Remaining: 1.5\r\n",
		"X-RateLimit-Reset: tomorrow\r\n",
		"X-RateLimit-Reset: 1e9\r\n",
		"X-RateLimit-Reset: 2026-13-01T00:00:00Z\r\n",
		"X-RateLimit-Reset: 2026-07-02T10:05:00\r\n",
		"X-RateLimit-Reset: 2026-07-02\r\n",
		"X-RateLimit-Reset: 999999999999999\r\n",
		"X-RateLimit-Reset: \r\n",
		NULL,
	};
	static const char	*other[] = {
		"X-RateLimit-Limit-Foo: 1\r\n",
		"X-X-RateLimit-Limit: 1\r\n",
		" X-RateLimit-Limit: 1\r\n",	/* a folded continuation */
		"X-RateLimit-Limit : 1\r\n",	/* space before ':' */
		"X-RateLimit-Limit\r\n",
		"X-: 1\r\n",
		": 1\r\n",
		"",
		NULL,
	};
	struct http_ratelimit	rl = { 0, 0, 0, 0 };
	size_t			i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++)
		assert_int_equal(rl_line(&rl, bad[i]), 1);
	assert_int_equal(rl.present, 0);
	assert_int_equal(rl.limit, 0);
	assert_int_equal(rl.remaining, 0);
	assert_int_equal(rl.reset, 0);
	for (i = 0; other[i] != NULL; i++)
		assert_int_equal(rl_line(&rl, other[i]), 0);
	/* a bad value leaves the good one before it */
	rl_line(&rl, "X-RateLimit-Limit: 300\r\n");
	rl_line(&rl, "X-RateLimit-Limit: lots\r\n");
	assert_int_equal(rl.limit, 300);
	assert_int_equal(http_ratelimit_header(&rl, NULL, 0), 0);
}

static time_t
iso(const char *s)
{
	return http_parse_iso8601(s, strlen(s));
}

static void
test_iso8601(void **state)
{
	static const char	*bad[] = {
		"", "2026", "2026-07-02", "2026-07-02T10:05:00",
		"2026-07-02T10:05Z", "2026-07-02 10:05:00Z",
		"2026-07-02T10:05:00.Z", "2026-07-02T10:05:00ZZ",
		"2026-07-02T10:05:00 Z", " 2026-07-02T10:05:00Z",
		"2026-7-02T10:05:00Z", "2026-07-02T10:05:00+0000",
		"2026-07-02T10:05:00+00", "2026-07-02T10:05:00+24:00",
		"2026-07-02T10:05:00+01:60", "2026-00-02T10:05:00Z",
		"2026-07-00T10:05:00Z", "2026-06-31T10:05:00Z",
		"2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
		"2026-07-02T24:00:00Z", "2026-07-02T10:60:00Z",
		"2026-07-02T10:05:61Z", "1969-12-31T23:59:59Z",
		"1970-01-01T00:30:00+01:00", "+2026-07-02T10:05:00Z",
		"2026-07-02T1a:05:00Z", "２０２６-07-02T10:05:00Z",
		NULL,
	};
	size_t	i;

	(void)state;
	assert_int_equal(iso("2026-07-02T10:05:00.000000Z"), T_RESET);
	assert_int_equal(iso("2026-07-02T10:05:00Z"), T_RESET);
	assert_int_equal(iso("2026-07-02t10:05:00z"), T_RESET);
	/* the fraction is dropped, at any precision */
	assert_int_equal(iso("2026-07-02T10:05:00.999Z"), T_RESET);
	assert_int_equal(iso("2026-07-02T10:05:00.1234567891234Z"), T_RESET);
	assert_int_equal(iso("2026-07-02T08:05:00-02:00"), T_RESET);
	assert_int_equal(iso("2026-07-02T15:35:00+05:30"), T_RESET);
	assert_int_equal(iso("2025-01-20T08:01:02.345Z"), 1737360062);
	assert_int_equal(iso("2024-02-29T23:59:59Z"), 1709251199);
	assert_int_equal(iso("2000-02-29T00:00:00Z"), 951782400);
	assert_int_equal(iso("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(iso("9999-12-31T23:59:59Z"), 253402300799LL);
	/* a leap second is the next minute's first second */
	assert_int_equal(iso("2016-12-31T23:59:60Z"), 1483228800);
	for (i = 0; bad[i] != NULL; i++)
		assert_int_equal(iso(bad[i]), -1);
	/* only len bytes are read */
	assert_int_equal(http_parse_iso8601("2026-07-02T10:05:00Zjunk", 20),
	    T_RESET);
	assert_int_equal(http_parse_iso8601("2026-07-02T10:05:00Z", 19), -1);
	assert_int_equal(http_parse_iso8601(NULL, 0), -1);
}

/* the link for rel in a value given as a C string, or NULL */
static char *
find_link(const char *value, const char *rel)
{
	return http_link_find(value, strlen(value), rel);
}

#define assert_link(value, rel, want) do {				\
	char	*u_ = find_link((value), (rel));			\
	assert_non_null(u_);						\
	assert_string_equal(u_, (want));				\
	free(u_);							\
} while (0)

#define assert_no_link(value, rel) do {					\
	char	*u_ = find_link((value), (rel));			\
	assert_null(u_);						\
} while (0)

/* GET /api/v1/notifications, from Mastodon's documentation */
static const char mastodon_link[] =
	"<https://mastodon.example/api/v1/notifications?max_id=34975535>; "
	"rel=\"next\", <https://mastodon.example/api/v1/notifications?"
	"min_id=34975861>; rel=\"prev\"";

static void
test_link_mastodon(void **state)
{
	(void)state;
	assert_link(mastodon_link, "next",
	    "https://mastodon.example/api/v1/notifications?max_id=34975535");
	assert_link(mastodon_link, "prev",
	    "https://mastodon.example/api/v1/notifications?min_id=34975861");
	/* relation types compare without case */
	assert_link(mastodon_link, "NEXT",
	    "https://mastodon.example/api/v1/notifications?max_id=34975535");
	assert_no_link(mastodon_link, "last");
	assert_no_link(mastodon_link, "nex");
	assert_no_link(mastodon_link, "");
	/* the last page of a list has only prev */
	assert_no_link("<https://mastodon.example/api/v1/notifications?"
	    "min_id=34975861>; rel=\"prev\"", "next");
}

static void
test_link_forms(void **state)
{
	(void)state;
	/* unquoted */
	assert_link("<https://a.example/2>; rel=next", "next",
	    "https://a.example/2");
	/* several relation types in one rel */
	assert_link("<https://a.example/1>; rel=\"first prev\", "
	    "<https://a.example/3>; rel=\"next last\"", "last",
	    "https://a.example/3");
	assert_link("<https://a.example/1>; rel=\"first  prev\"", "prev",
	    "https://a.example/1");
	/* spaces and tabs wherever the grammar allows them */
	assert_link("  <https://a.example/2> \t;\trel = \"next\" ,", "next",
	    "https://a.example/2");
	/* commas inside <...> and inside quoted parameters */
	assert_link("<https://a.example/x?ids=1,2,3>; rel=\"next\"", "next",
	    "https://a.example/x?ids=1,2,3");
	assert_link("<https://a.example/1>; title=\"a, b; <c>\"; rel=prev, "
	    "<https://a.example/2>; rel=next; title=\"x\"", "next",
	    "https://a.example/2");
	/* no rel at all, or no value: not a match, not an error */
	assert_link("<https://a.example/0>, <https://a.example/1>; rel, "
	    "<https://a.example/2>; rel=next", "next", "https://a.example/2");
	/* only the first rel of a link counts (RFC 8288 3.3) */
	assert_no_link("<https://a.example/1>; rel=prev; rel=next", "next");
	/* escapes in a quoted rel */
	assert_link("<https://a.example/2>; rel=\"n\\ext\"", "next",
	    "https://a.example/2");
	/* the first matching link wins */
	assert_link("<https://a.example/2>; rel=next, <https://a.example/3>; "
	    "rel=next", "next", "https://a.example/2");
	/* empty list elements and stray ';' */
	assert_link(", ,<https://a.example/2>;; rel=next;,", "next",
	    "https://a.example/2");
	/* a relative reference is returned as sent */
	assert_link("</api/v1/notifications?max_id=1>; rel=\"next\"", "next",
	    "/api/v1/notifications?max_id=1");
}

static void
test_link_malformed(void **state)
{
	static const char	*bad[] = {
		"<https://a.example/2",
		"<https://a.example/2>; rel=\"ne",
		"<https://a.example/2>; rel=\"next\\",
		"<https://a.example/2>; rel=",
		"<https://a.example/2>; =next",
		"<https://a.example/2>; rel=next x",
		"<https://a.example/2> rel=next",
		"https://a.example/2; rel=next",
		"<https://a.example/1> x, <https://a.example/2>; rel=next",
		"<https://a.example/2>; rel=next, junk",
		"<https://a.example/a b>; rel=next",
		"<https://a.example/a\tb>; rel=next",
		"<https://a.example/\x01>; rel=next",
		"<https://a.example/é>; rel=next",
		"<https://a.example/<2>; rel=next",
		"<>; rel=next",
		"<https://a.example/2>; rel=\"ne\x7fxt\"",
		NULL,
	};
	static const char	 cut[] = "<https://a.example/2>; rel=next";
	char			*u;
	size_t			 i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++)
		assert_no_link(bad[i], "next");
	/* every prefix of a good value is refused or a clean match */
	for (i = 0; i < sizeof(cut) - 1; i++) {
		u = http_link_find(cut, i, "next");
		if (u != NULL) {
			/* only once rel=next is whole */
			assert_int_equal(i, sizeof(cut) - 1);
			free(u);
		}
	}
	u = http_link_find(cut, sizeof(cut) - 1, "next");
	assert_string_equal(u, "https://a.example/2");
	free(u);
	/* "rel=nex" is a prefix that is whole but not next */
	assert_null(http_link_find(cut, sizeof(cut) - 2, "next"));
	assert_null(http_link_find(NULL, 0, "next"));
	assert_null(http_link_find(cut, sizeof(cut) - 1, NULL));
}

static void
test_link_header(void **state)
{
	static const char	 line[] = "Link: <https://mastodon.example/api/v1/"
	    "notifications?max_id=34975535>; rel=\"next\", <https://mastodon."
	    "example/api/v1/notifications?min_id=34975861>; rel=\"prev\"\r\n";
	char			*u;

	(void)state;
	u = http_link_header(line, sizeof(line) - 1, "prev");
	assert_string_equal(u, "https://mastodon.example/api/v1/notifications?"
	    "min_id=34975861");
	free(u);
	u = http_link_header("link:<https://a.example/2>;rel=next\n", 36,
	    "next");
	assert_string_equal(u, "https://a.example/2");
	free(u);
	assert_null(http_link_header("Links: <https://a.example/2>; rel=next",
	    38, "next"));
	assert_null(http_link_header("X-Link: <https://a.example/2>; rel=next",
	    39, "next"));
	assert_null(http_link_header("HTTP/2 200\r\n", 12, "next"));
	assert_null(http_link_header(NULL, 0, "next"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_mastodon),
		cmocka_unit_test(test_ratelimit_spelling),
		cmocka_unit_test(test_ratelimit_reset_forms),
		cmocka_unit_test(test_ratelimit_bluesky),
		cmocka_unit_test(test_ratelimit_invalid),
		cmocka_unit_test(test_iso8601),
		cmocka_unit_test(test_link_mastodon),
		cmocka_unit_test(test_link_forms),
		cmocka_unit_test(test_link_malformed),
		cmocka_unit_test(test_link_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
