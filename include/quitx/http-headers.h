/*
 * http-headers: parsers for the response headers the connectors act on
 * (rate limits, paging links, timestamps).  Pure functions: no I/O, no
 * clock, no allocation except the returned strings.  Every input is a
 * byte range from the network, used through its length only (no NUL is
 * needed or looked for).
 */
#ifndef QUITX_HTTP_HEADERS_H
#define QUITX_HTTP_HEADERS_H

#include <stddef.h>
#include <time.h>

/* The rate-limit state a response announced.  Start from all zeros. */
struct http_ratelimit {
	int	present;	/* a valid rate-limit header was seen */
	long	limit;		/* requests per window */
	long	remaining;	/* left in this window */
	time_t	reset;		/* Unix time; 0: unknown */
};

/*
 * Feed one header line as libcurl's CURLOPT_HEADERFUNCTION gives it
 * ("Name: value\r\n", name in any case).  Reads X-RateLimit-Limit,
 * X-RateLimit-Remaining and X-RateLimit-Reset (Mastodon) and the same
 * names without "X-" (Bluesky).  Limit and remaining are non-negative
 * decimal integers; reset is either an ISO 8601 timestamp (Mastodon:
 * "2026-07-02T10:05:00.000000Z", rounded up to the next second when it
 * has a fraction, so that waiting until reset is never early) or Unix
 * seconds (Bluesky).  A value that does not parse leaves its field as it
 * was.  Returns 1 if the line was a rate-limit header, else 0.
 *
 * libcurl passes the headers of every response it reads (redirects,
 * "100 Continue"): zero rl at each status line to keep only the last.
 */
int	http_ratelimit_header(struct http_ratelimit *rl, const char *line,
	    size_t len);

/*
 * From an RFC 8288 Link header value, the target of the first link whose
 * rel (quoted or not, possibly several space-separated types, compared
 * without case) includes rel: a malloc'd string, or NULL if there is no
 * such link or the value is malformed anywhere (unbalanced <>, unclosed
 * quote, garbage between links, inside <...> a space, a control or a
 * non-ASCII byte: a URI is ASCII).  Commas inside <...> are part of the
 * URL.  The URL is returned as sent, not resolved against the request URL.
 */
char	*http_link_find(const char *value, size_t len, const char *rel);

/* http_link_find on a "Link: ..." header line (any case), else NULL. */
char	*http_link_header(const char *line, size_t len, const char *rel);

/*
 * An RFC 3339 / ISO 8601 timestamp "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|
 * -HH:MM)" as Unix seconds (the fraction is dropped), or -1 if it is not
 * exactly one, or names a time before 1970.  'T' and 'Z' may be lower
 * case (RFC 3339 allows it).
 */
time_t	http_parse_iso8601(const char *s, size_t len);

#endif
