/*
 * clock: the campaign's idea of "now", and times in the campaign's zone.
 *
 * clock_now() is the real time, unless QUITX_CLOCK is set: then it is a
 * simulated time, for rehearsals (`make demo` runs weeks of countdown
 * in minutes) and tests:
 *
 *	QUITX_CLOCK="<start>[,<speed>[,<anchor>]]"
 *
 * simulated = start + (real now - anchor) * speed.  start and anchor are
 * seconds since 1970 or ISO 8601 times with a zone ("2027-01-01T09:00Z");
 * speed is simulated seconds per real second (default 1); anchor, the
 * real time at which the simulated clock reads start, defaults to the
 * moment the process first asks.  Giving an anchor lets several runs of
 * the daemon (a restart) share one simulated timeline.
 *
 * Only what the campaign decides by the calendar reads it: the scheduled
 * posts (countdown, announcements) and whether the campaign day has
 * started.  Rate-limit windows, HTTP, tokens, TLS and the store's
 * timestamps keep the real time.
 */
#ifndef QUITX_CLOCK_H
#define QUITX_CLOCK_H

#include <stdint.h>
#include <time.h>

/* The simulated time when QUITX_CLOCK is set, else the real time. */
int64_t	clock_now(void);

/*
 * Whether QUITX_CLOCK is set (and valid); *speed (when not NULL) its
 * speed.  A set but invalid value is fatal at the first call: a
 * rehearsal must not silently run on the real calendar.
 */
int	clock_simulated(double *speed);

/*
 * Read QUITX_CLOCK now and log a loud warning when it is set (the
 * daemon calls this at start).  -1 with the reason logged when invalid.
 */
int	clock_init(void);

/* Parse a QUITX_CLOCK value; anchor 0 when not given.  0 or -1. */
int	clock_parse(const char *spec, int64_t *start, double *speed,
	    int64_t *anchor);

/*
 * An ISO 8601 time: "YYYY-MM-DD[T| ]HH:MM[:SS]" then "Z", "+HH:MM",
 * "-HH:MM", "+HHMM" or nothing; with nothing it is a wall-clock time in
 * zone (NULL: refused).  A wall-clock time the zone skips (a DST gap)
 * is refused; an ambiguous one (the hour repeated in autumn) is the
 * first.  Also accepted: seconds since 1970 ("@N" or all digits).
 * 0 and *out, or -1 with why (a static string).
 */
int	clock_parse_time(const char *s, const char *zone, int64_t *out,
	    const char **why);

/*
 * mktime in zone (an IANA name): the wall-clock time y-m-d h:mi:s there,
 * DST applied as the zone has it that day.  *exists (when not NULL) is
 * 0 when that wall-clock time does not exist there (skipped by a DST
 * change; the result is then normalised, an hour later).  The C library
 * reads zones only through TZ: this switches it and puts it back, so it
 * is for the thread that owns the process (the loop, a command).
 */
int64_t	clock_mktime_in(const char *zone, int y, int mo, int d, int h,
	    int mi, int s, int *exists);

/*
 * TZ=zone until clock_zone_leave, which is given what this returns (a
 * no-op when TZ was zone already, as in the daemon).
 */
char	*clock_zone_enter(const char *zone);
void	 clock_zone_leave(char *saved);

/* localtime in zone; the same caveat. */
void	clock_localtime_in(const char *zone, int64_t t, struct tm *out);

/* "2027-01-19 18:00 CET": t as a wall-clock time in zone. */
void	clock_format_in(const char *zone, int64_t t, char *buf, size_t size);

/* Days in month m (1-12) of year y, Gregorian. */
int	clock_days_in_month(int y, int m);

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
int64_t	clock_days_from_civil(int y, int m, int d);
/* The reverse. */
void	clock_civil_from_days(int64_t days, int *y, int *m, int *d);

#endif
