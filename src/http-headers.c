/*
 * http-headers: strict, bounded parsers for response header lines.  The
 * bytes come straight from a server, so every scan stops at the given
 * length, numbers are checked for overflow before they are stored, and a
 * value that is not exactly what the grammar allows is refused rather
 * than guessed at.
 */
#define LOG_TAG "http"
#include "quitx/http-headers.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "quitx/clock.h"
#include "quitx/xmalloc.h"

/* 9999-12-31T23:59:59Z: the last second four year digits can name */
#define HTTP_TIME_MAX	253402300799LL
/* a rel value longer than this is no relation type we look for */
#define HTTP_REL_MAX	256

/* RFC 9110 tchar: the bytes of a header name or a token */
static int
http_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
http_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static unsigned char
http_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* s[0..n) equals the lower-case literal lit, ignoring ASCII case. */
static int
http_ieq(const char *s, size_t n, const char *lit)
{
	size_t	i;

	if (strlen(lit) != n)
		return 0;
	for (i = 0; i < n; i++) {
		if (http_lower((unsigned char)s[i]) != (unsigned char)lit[i])
			return 0;
	}
	return 1;
}

/*
 * Split "Name: value\r\n" into name and value, the value without the
 * whitespace and line end around it.  Returns -1 for anything that is not
 * a header line (a status line, the blank line that ends the headers).
 */
static int
http_split(const char *line, size_t len, const char **name, size_t *nlen,
    const char **value, size_t *vlen)
{
	size_t	i = 0, end = len;

	if (line == NULL)
		return -1;
	while (i < len && http_tchar((unsigned char)line[i]))
		i++;
	if (i == 0 || i == len || line[i] != ':')
		return -1;
	*name = line;
	*nlen = i;
	for (i++; i < len && http_ows((unsigned char)line[i]); i++)
		;
	while (end > i && (line[end - 1] == '\r' || line[end - 1] == '\n' ||
	    http_ows((unsigned char)line[end - 1])))
		end--;
	*value = line + i;
	*vlen = end - i;
	return 0;
}

/* A non-negative decimal integer, all of s[0..n), at most max. */
static int
http_number(const char *s, size_t n, long long max, long long *out)
{
	long long	v = 0;
	size_t		i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (max - (s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* exactly n digits at s as a number, or -1 */
static int
http_digits(const char *s, size_t n)
{
	int	v = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil, for years from 1970): plain arithmetic
 * instead of timegm, so the result never depends on the process's TZ.
 */
static long long
http_days_from_civil(int y, int m, int d)
{
	long long	era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * The timestamp in s[0..len) as Unix seconds; *frac says whether it had
 * a non-zero fraction of a second.  -1 if invalid.
 */
static long long
http_iso8601(const char *s, size_t len, int *frac)
{
	int		year, mon, day, hour, min, sec, oh = 0, om = 0, sign = 0;
	size_t		i, fstart;
	long long	t;

	*frac = 0;
	/* YYYY-MM-DDTHH:MM:SS is 19 bytes, and a zone follows */
	if (s == NULL || len < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return -1;
	year = http_digits(s, 4);
	mon = http_digits(s + 5, 2);
	day = http_digits(s + 8, 2);
	hour = http_digits(s + 11, 2);
	min = http_digits(s + 14, 2);
	sec = http_digits(s + 17, 2);
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 ||
	    day > clock_days_in_month(year, mon) || hour < 0 || hour > 23 ||
	    min < 0 || min > 59 || sec < 0 || sec > 60)
		return -1;
	i = 19;
	if (s[i] == '.') {
		/* any precision: scanning stops at len anyway */
		fstart = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (s[i] != '0')
				*frac = 1;
			i++;
		}
		if (i == fstart)
			return -1;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z'))
		i++;
	else if (i < len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '-' ? -1 : 1;
		if (len - i < 6 || s[i + 3] != ':')
			return -1;
		oh = http_digits(s + i + 1, 2);
		om = http_digits(s + i + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
		i += 6;
	} else
		return -1;
	if (i != len)
		return -1;
	/* a leap second (:60) is the first second of the next minute */
	t = http_days_from_civil(year, mon, day) * 86400 + hour * 3600 +
	    min * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	if (t < 0 || t > HTTP_TIME_MAX)
		return -1;
	return t;
}

time_t
http_parse_iso8601(const char *s, size_t len)
{
	int	frac;

	return (time_t)http_iso8601(s, len, &frac);
}

int
http_ratelimit_header(struct http_ratelimit *rl, const char *line,
    size_t len)
{
	const char	*name, *value;
	size_t		 nlen, vlen;
	long long	 v;
	int		 frac;

	if (http_split(line, len, &name, &nlen, &value, &vlen) == -1)
		return 0;
	if (nlen > 2 && http_ieq(name, 2, "x-")) {
		name += 2;
		nlen -= 2;
	}
	if (http_ieq(name, nlen, "ratelimit-limit")) {
		if (http_number(value, vlen, LONG_MAX, &v) == 0) {
			rl->limit = (long)v;
			rl->present = 1;
		}
	} else if (http_ieq(name, nlen, "ratelimit-remaining")) {
		if (http_number(value, vlen, LONG_MAX, &v) == 0) {
			rl->remaining = (long)v;
			rl->present = 1;
		}
	} else if (http_ieq(name, nlen, "ratelimit-reset")) {
		/*
		 * Digits only: Unix seconds (Bluesky).  The IETF draft's
		 * delta-seconds form is not used by either network.
		 */
		if (http_number(value, vlen, HTTP_TIME_MAX, &v) == -1) {
			if ((v = http_iso8601(value, vlen, &frac)) == -1)
				return 1;
			/* Mastodon's microseconds: never wake up early */
			v += frac;
		}
		rl->reset = (time_t)v;
		rl->present = 1;
	} else
		return 0;
	return 1;
}

/*
 * A quoted-string at s[*i] (the opening quote), unescaped into out (cut
 * short if longer than outsize - 1: *cut is then set).  Returns -1 if
 * unterminated or holding a control byte.
 */
static int
http_quoted(const char *s, size_t len, size_t *i, char *out,
    size_t outsize, int *cut)
{
	size_t		o = 0, j = *i + 1;
	unsigned char	c;

	*cut = 0;
	for (; j < len; j++) {
		c = (unsigned char)s[j];
		if (c == '"') {
			out[o] = '\0';
			*i = j + 1;
			return 0;
		}
		if (c == '\\') {
			if (++j == len)
				return -1;
			c = (unsigned char)s[j];
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
		if (o + 1 < outsize)
			out[o++] = (char)c;
		else
			*cut = 1;
	}
	return -1;
}

/* Whether the space-separated relation types in v include rel. */
static int
http_rel_has(const char *v, const char *rel)
{
	size_t	start, end = 0, rlen = strlen(rel);

	while (v[end] != '\0') {
		for (start = end; http_ows((unsigned char)v[start]); start++)
			;
		for (end = start; v[end] != '\0' &&
		    !http_ows((unsigned char)v[end]); end++)
			;
		if (end > start && end - start == rlen) {
			size_t	k;

			for (k = 0; k < rlen && http_lower((unsigned char)
			    v[start + k]) == http_lower((unsigned char)rel[k]);
			    k++)
				;
			if (k == rlen)
				return 1;
		}
	}
	return 0;
}

/*
 * The rel and the other parameters of one link, from s[*i] to the comma
 * that ends it (or the end).  Sets *match if its first rel includes rel.
 */
static int
http_link_params(const char *s, size_t len, size_t *i, const char *rel,
    int *match)
{
	char	 v[HTTP_REL_MAX];
	size_t	 j = *i, nstart, nlen, vstart;
	int	 seen_rel = 0, cut, is_rel;

	*match = 0;
	for (;;) {
		while (j < len && http_ows((unsigned char)s[j]))
			j++;
		if (j == len || s[j] == ',')
			break;
		if (s[j] != ';')
			return -1;
		for (j++; j < len && http_ows((unsigned char)s[j]); j++)
			;
		/* an empty parameter (a stray ';') is harmless */
		if (j == len || s[j] == ',' || s[j] == ';')
			continue;
		for (nstart = j; j < len && http_tchar((unsigned char)s[j]); j++)
			;
		if ((nlen = j - nstart) == 0)
			return -1;
		is_rel = http_ieq(s + nstart, nlen, "rel");
		while (j < len && http_ows((unsigned char)s[j]))
			j++;
		v[0] = '\0';
		cut = 0;
		if (j < len && s[j] == '=') {
			for (j++; j < len && http_ows((unsigned char)s[j]); j++)
				;
			if (j < len && s[j] == '"') {
				if (http_quoted(s, len, &j, v, sizeof(v),
				    &cut) == -1)
					return -1;
			} else {
				for (vstart = j; j < len &&
				    http_tchar((unsigned char)s[j]); j++)
					;
				if (j == vstart)
					return -1;
				if (j - vstart < sizeof(v)) {
					memcpy(v, s + vstart, j - vstart);
					v[j - vstart] = '\0';
				} else
					cut = 1;
			}
		}
		/* RFC 8288 3.3: a rel after the first is ignored */
		if (is_rel && !seen_rel) {
			seen_rel = 1;
			*match = !cut && http_rel_has(v, rel);
		}
	}
	*i = j;
	return 0;
}

char *
http_link_find(const char *value, size_t len, const char *rel)
{
	const char	*s = value, *found = NULL;
	size_t		 i = 0, ustart, ulen, flen = 0;
	unsigned char	 c;
	char		*url;
	int		 match;

	if (value == NULL || rel == NULL || rel[0] == '\0')
		return NULL;
	for (;;) {
		/* empty list elements (", ,") are allowed by the # rule */
		while (i < len && (http_ows((unsigned char)s[i]) || s[i] == ','))
			i++;
		if (i == len)
			break;
		if (s[i] != '<')
			return NULL;
		for (ustart = ++i; i < len && s[i] != '>'; i++) {
			c = (unsigned char)s[i];
			if (c <= 0x20 || c >= 0x7f || c == '<')
				return NULL;
		}
		if (i == len || (ulen = i - ustart) == 0)
			return NULL;
		i++;
		if (http_link_params(s, len, &i, rel, &match) == -1)
			return NULL;
		if (match && found == NULL) {
			found = s + ustart;
			flen = ulen;
		}
	}
	if (found == NULL)
		return NULL;
	url = xmalloc(flen + 1);
	memcpy(url, found, flen);
	url[flen] = '\0';
	return url;
}

char *
http_link_header(const char *line, size_t len, const char *rel)
{
	const char	*name, *value;
	size_t		 nlen, vlen;

	if (http_split(line, len, &name, &nlen, &value, &vlen) == -1 ||
	    !http_ieq(name, nlen, "link"))
		return NULL;
	return http_link_find(value, vlen, rel);
}
