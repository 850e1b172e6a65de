/*
 * fuzz-http-headers: any bytes as a response header line (rate limits,
 * Link), as a bare Link value and as a timestamp.  Never a crash, a read
 * past the given length (the input is not NUL-terminated here, so ASan
 * sees one), a leak, or a result outside what the header promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quitx/http-headers.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A returned link: non-empty, visible ASCII, no '<' or '>'. */
static void
fuzz_check_url(char *url)
{
	const unsigned char	*s = (const unsigned char *)url;

	if (url == NULL)
		return;
	if (*s == '\0')
		abort();
	for (; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f || *s == '<' || *s == '>')
			abort();
	free(url);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_ratelimit	 rl = { 0, 0, 0, 0 };
	const char		*s = (const char *)data;
	char			 again[32];
	struct tm		 tm;
	time_t			 t;

	if (http_ratelimit_header(&rl, s, size) == 0 && rl.present)
		abort();
	if (rl.limit < 0 || rl.remaining < 0 || rl.reset < 0)
		abort();
	fuzz_check_url(http_link_header(s, size, "next"));
	fuzz_check_url(http_link_find(s, size, "prev"));
	fuzz_check_url(http_link_find(s, size, "next"));

	/* a timestamp that parses prints back to the same second */
	if ((t = http_parse_iso8601(s, size)) < -1)
		abort();
	if (t >= 0) {
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(again, sizeof(again), "%Y-%m-%dT%H:%M:%SZ",
		    &tm) != 20 || http_parse_iso8601(again, 20) != t)
			abort();
	}
	return 0;
}
