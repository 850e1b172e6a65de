/*
 * clock: real or simulated "now", and wall-clock times in a zone.  See
 * clock.h.
 */
#define LOG_TAG "clock"
#include "quitx/clock.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/log.h"
#include "quitx/xmalloc.h"

static struct {
	int	read;		/* QUITX_CLOCK looked at */
	int	simulated;
	int64_t	start;
	int64_t	anchor;
	double	speed;
} clk;

int64_t
clock_days_from_civil(int y, int m, int d)
{
	int64_t	yy = (int64_t)y - (m <= 2);
	int64_t	era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t	yoe = yy - era * 400;
	int64_t	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	/* March-based years: the leap day falls at the end of one */
	return era * 146097 + doe - 719468;
}

void
clock_civil_from_days(int64_t days, int *y, int *m, int *d)
{
	int64_t	z = days + 719468;
	int64_t	era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t	doe = z - era * 146097;
	int64_t	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t	mp = (5 * doy + 2) / 153;
	int	mm = (int)(mp < 10 ? mp + 3 : mp - 9);

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = mm;
	*y = (int)(yoe + era * 400 + (mm <= 2));
}

int
clock_days_in_month(int y, int m)
{
	static const int	days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Exactly n digits at *p (advanced past them); -1 otherwise. */
static int
digits(const char **p, int n)
{
	int	v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return v;
}

/* All digits, as seconds since 1970 (at most 12 of them). */
static int
epoch_digits(const char *s, int64_t *out)
{
	size_t	n = strlen(s), i;
	int64_t	v = 0;

	if (n == 0 || n > 12)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
clock_parse_time(const char *s, const char *zone, int64_t *out,
    const char **why)
{
	const char	*p = s;
	int		 y, mo, d, h, mi, sec = 0, oh, om, sign, exists;
	int64_t		 off = 0;

	*why = "not a time: use ISO 8601, like 2027-01-19T18:00+01:00";
	if (s[0] == '@')
		return epoch_digits(s + 1, out);
	if (epoch_digits(s, out) == 0 && strlen(s) > 8)
		return 0;
	if ((y = digits(&p, 4)) < 0 || *p++ != '-' ||
	    (mo = digits(&p, 2)) < 1 || mo > 12 || *p++ != '-' ||
	    (d = digits(&p, 2)) < 1 || y < 1970 || d > clock_days_in_month(y, mo))
		return -1;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if ((h = digits(&p, 2)) < 0 || h > 23 || *p++ != ':' ||
	    (mi = digits(&p, 2)) < 0 || mi > 59)
		return -1;
	if (*p == ':') {
		p++;
		if ((sec = digits(&p, 2)) < 0 || sec > 59)
			return -1;
	}
	if (*p == '\0') {
		if (zone == NULL) {
			*why = "a time without a zone: add Z or +HH:MM";
			return -1;
		}
		*out = clock_mktime_in(zone, y, mo, d, h, mi, sec, &exists);
		if (!exists) {
			*why = "that wall-clock time does not exist in the "
			    "campaign's time zone (a DST change skips it)";
			return -1;
		}
		return 0;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if ((oh = digits(&p, 2)) < 0 || oh > 14)
			return -1;
		if (*p == ':')
			p++;
		if ((om = digits(&p, 2)) < 0 || om > 59)
			return -1;
		off = sign * (oh * 3600 + om * 60);
	} else
		return -1;
	if (*p != '\0')
		return -1;
	*out = clock_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    sec - off;
	return 0;
}

int
clock_parse(const char *spec, int64_t *start, double *speed,
    int64_t *anchor)
{
	char		*copy, *f[3], *save = NULL, *t, *end;
	const char	*why;
	size_t		 n = 0;
	int		 rc = -1;

	*speed = 1;
	*anchor = 0;
	copy = xstrdup(spec);
	for (t = strtok_r(copy, ",", &save); t != NULL && n < 3;
	    t = strtok_r(NULL, ",", &save))
		f[n++] = t;
	if (n == 0 || t != NULL || clock_parse_time(f[0], NULL, start,
	    &why) == -1)
		goto done;
	if (n > 1) {
		errno = 0;
		*speed = strtod(f[1], &end);
		/* written so that NaN fails too */
		if (errno != 0 || end == f[1] || *end != '\0' ||
		    !(*speed > 0 && *speed <= 1e7))
			goto done;
	}
	if (n > 2 && clock_parse_time(f[2], NULL, anchor, &why) == -1)
		goto done;
	rc = 0;
done:
	free(copy);
	return rc;
}

/* Read QUITX_CLOCK once; quiet: the warning is clock_init's. */
static int
clock_read(void)
{
	const char	*v = getenv("QUITX_CLOCK");
	struct timespec	 ts;

	if (clk.read)
		return 0;
	clk.read = 1;
	if (v == NULL || v[0] == '\0')
		return 0;
	if (clock_parse(v, &clk.start, &clk.speed, &clk.anchor) == -1) {
		log_errx("QUITX_CLOCK=\"%s\" is not <start>[,<speed>"
		    "[,<anchor>]] (times in seconds since 1970 or ISO 8601 "
		    "with a zone)", v);
		return -1;
	}
	if (clk.anchor == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		clk.anchor = (int64_t)ts.tv_sec;
	}
	clk.simulated = 1;
	return 0;
}

int
clock_init(void)
{
	char	at[64];

	if (clock_read() == -1)
		return -1;
	if (clk.simulated) {
		clock_format_in("UTC", clock_now(), at, sizeof(at));
		log_warnx("*** QUITX_CLOCK is set: the campaign's calendar "
		    "runs on a SIMULATED clock (now %s, %g times real "
		    "time).  For rehearsals and tests only: never in "
		    "production. ***", at, clk.speed);
	}
	return 0;
}

int
clock_simulated(double *speed)
{
	if (clock_read() == -1)
		fatalx("QUITX_CLOCK is invalid");
	if (speed != NULL)
		*speed = clk.simulated ? clk.speed : 1;
	return clk.simulated;
}

int64_t
clock_now(void)
{
	struct timespec	ts;
	double		real;
	int64_t		sim;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (!clock_simulated(NULL))
		return (int64_t)ts.tv_sec;
	real = ((double)(ts.tv_sec - clk.anchor) + ts.tv_nsec / 1e9) *
	    clk.speed;
	/* rounded down, before the anchor too */
	sim = (int64_t)real;
	if ((double)sim > real)
		sim--;
	return clk.start + sim;
}

/* what clock_zone_enter returns when TZ was zone already */
static char	zone_kept[1];

char *
clock_zone_enter(const char *zone)
{
	const char	*old = getenv("TZ");
	char		*saved;

	/*
	 * The daemon sets TZ to the campaign's zone once, before its
	 * threads start: then nothing is written to the environment here
	 * while they may read it (setenv is not thread-safe).
	 */
	if (old != NULL && strcmp(old, zone) == 0)
		return zone_kept;
	saved = old != NULL ? xstrdup(old) : NULL;
	setenv("TZ", zone, 1);
	tzset();
	return saved;
}

void
clock_zone_leave(char *saved)
{
	if (saved == zone_kept)
		return;
	if (saved != NULL) {
		setenv("TZ", saved, 1);
		free(saved);
	} else
		unsetenv("TZ");
	tzset();
}

/* mktime with isdst as given; 1 if it kept the wall-clock fields. */
static int
try_mktime(int y, int mo, int d, int h, int mi, int s, int isdst,
    time_t *out)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = isdst;
	*out = mktime(&tm);
	return tm.tm_year == y - 1900 && tm.tm_mon == mo - 1 &&
	    tm.tm_mday == d && tm.tm_hour == h && tm.tm_min == mi &&
	    (isdst == -1 || tm.tm_isdst == isdst);
}

int64_t
clock_mktime_in(const char *zone, int y, int mo, int d, int h, int mi,
    int s, int *exists)
{
	char	*saved = clock_zone_enter(zone);
	time_t	 t, t1;
	int	 ok, i;

	/*
	 * An hour repeated in autumn has two readings: take the earlier,
	 * so a post set at that hour goes out the first time it comes.
	 */
	ok = try_mktime(y, mo, d, h, mi, s, -1, &t);
	for (i = 0; i <= 1; i++)
		if (try_mktime(y, mo, d, h, mi, s, i, &t1) && t1 < t)
			t = t1;
	clock_zone_leave(saved);
	if (exists != NULL)
		*exists = ok;
	return (int64_t)t;
}

void
clock_localtime_in(const char *zone, int64_t t, struct tm *out)
{
	char	*saved = clock_zone_enter(zone);
	time_t	 tt = (time_t)t;

	localtime_r(&tt, out);
	clock_zone_leave(saved);
}

void
clock_format_in(const char *zone, int64_t t, char *buf, size_t size)
{
	char	*saved = clock_zone_enter(zone);
	time_t	 tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	if (strftime(buf, size, "%Y-%m-%d %H:%M %Z", &tm) == 0 && size > 0)
		buf[0] = '\0';
	clock_zone_leave(saved);
}
