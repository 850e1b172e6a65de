/*
 * test-log: remote text is made safe before it reaches a log line.
 */
#include "testutil.h"

#include <string.h>

#include "quitx/log.h"

static void
test_escape_controls(void **state)
{
	char	buf[64];

	(void)state;
	assert_string_equal(log_escape(buf, sizeof(buf),
	    "line\nforged: entry\x1b[31m\\"),
	    "line\\x0aforged: entry\\x1b[31m\\x5c");
}

static void
test_escape_utf8(void **state)
{
	char	buf[64];

	(void)state;
	/* valid UTF-8 (accents, emoji, RTL) passes as is */
	assert_string_equal(log_escape(buf, sizeof(buf),
	    "Ça va 👋 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d"),
	    "Ça va 👋 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d");
	/* invalid: a lone continuation byte, an overlong '/', a surrogate */
	assert_string_equal(log_escape(buf, sizeof(buf),
	    "a\x80" "b\xc0\xaf" "c\xed\xa0\x80"),
	    "a\\x80b\\xc0\\xafc\\xed\\xa0\\x80");
}

static void
test_escape_cut(void **state)
{
	char	buf[12];

	(void)state;
	assert_string_equal(log_escape(buf, sizeof(buf), "0123456789abcdef"),
	    "01234567...");
	/* never cut inside a multi-byte character */
	assert_string_equal(log_escape(buf, sizeof(buf), "éééééééé"),
	    "éééé...");
	assert_string_equal(log_escape(buf, sizeof(buf), NULL), "(null)");
}

/* Upload links are secrets, even in lws's debug lines. */
static void
test_redact_links(void **state)
{
	char	line[] = "GET request for '/u/Zm9vYmFyYmF6cXV4LWFiY2RlZmdoaWprbG1u'"
	    " then /u/upload.js and /u/AAAAAAAAAAAAAAAAAAAA?x=1 /u/";

	(void)state;
	log_redact_links(line);
	assert_string_equal(line, "GET request for '/u/<link>' then"
	    " /u/upload.js and /u/<link>?x=1 /u/");
}

/* So are follows-import links. */
static void
test_redact_follows_links(void **state)
{
	char	line[] = "HEAD /f/Zm9vYmFyYmF6cXV4LWFiY2RlZmdoaWprbG1uAAAAAAAA"
	    " /f/short /u/Zm9vYmFyYmF6cXV4LWFi";

	(void)state;
	log_redact_links(line);
	assert_string_equal(line, "HEAD /f/<link> /f/short /u/<link>");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_controls),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_escape_cut),
		cmocka_unit_test(test_redact_links),
		cmocka_unit_test(test_redact_follows_links),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
