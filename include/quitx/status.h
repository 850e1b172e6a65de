/*
 * status: what the campaign team watches, gathered once for `quitx stats`
 * and the daemon's /status page: the store's counts, registrations per
 * day in the campaign's time zone, the outbox's progress by kind, the
 * last match and the next scheduled posts, with times written out in
 * that zone.
 */
#ifndef QUITX_STATUS_H
#define QUITX_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "quitx/store.h"

/* Days the chart covers at most: the campaign's run-up and then some. */
#define STATUS_DAYS_MAX		400
/* Scheduled posts listed. */
#define STATUS_NEXT_POSTS	10
/* Characters of a scheduled post's text shown. */
#define STATUS_EXCERPT_CHARS	80

struct status_day {
	char	 date[16];		/* YYYY-MM-DD, local */
	int64_t	 n[NETWORK_COUNT];	/* members registered that day */
};

struct status_post {
	int64_t	 id;
	char	*kind;
	char	*bot;			/* "@handle", or NULL */
	int64_t	 run_at;
	char	 run_at_local[48];
	char	*text;			/* an excerpt of the text, one line */
};

struct status {
	struct store_status	 st;
	char			*timezone;
	int64_t			 now;
	char			 now_local[48];
	char			 match_at_local[48]; /* "" when none */
	/* every day from the first registration to today, at most the last
	 * STATUS_DAYS_MAX; registrations before them are counted apart */
	struct status_day	*days;
	size_t			 ndays;
	int64_t			 earlier[NETWORK_COUNT];
	struct status_post	*posts;
	size_t			 nposts;
	int64_t			 delivered;	/* sent */
	int64_t			 deliverable;	/* every row not cancelled */
};

/*
 * Read everything at time now, days and times in timezone (an IANA name
 * the config checked).  The C library reads zones only through TZ, so
 * this sets it for a moment: call it from the daemon's event loop alone.
 * 0 with *out (free it with status_free), or -1.
 */
int	status_collect(struct store *st, const char *timezone, int64_t now,
	    struct status *out);
void	status_free(struct status *s);

/*
 * The first max characters of a post's text, on one line (runs of
 * white space become one space), with "…" when cut.  body is a scheduled
 * post's body: {"parts":["text", ...]} or {"text": ...} or
 * {"status": ...}, a JSON string, or plain text; invalid UTF-8 becomes
 * U+FFFD.  malloc'd.
 */
char	*status_excerpt(const char *body, size_t max);

/*
 * part of whole as "94.9%", rounded down so that 100% means all; "-"
 * when whole is 0.
 */
void	status_percent(char *buf, size_t size, int64_t part, int64_t whole);

#endif
