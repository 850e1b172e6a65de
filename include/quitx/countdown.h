/*
 * countdown: the daily countdown posts from the config's countdown group
 * (config.h), planned as scheduled posts (schedule.h).
 *
 * countdown-text.c is pure (the config checks its templates with it);
 * countdown.c plans: for each day from the first to the campaign day
 * whose posting time is near (within the grace period behind, a day and
 * a half ahead), and each active bot account whose language has a
 * template and whose network is listed, one scheduled_post with
 * dedupe_key "countdown:<bot id>:<YYYY-MM-DD>", so that planning again
 * (every minute, after a restart at the posting minute) adds nothing.
 * The posting time is that day's wall-clock time in the campaign's zone
 * (DST as the zone has it that day); not_after is it plus the grace.
 */
#ifndef QUITX_COUNTDOWN_H
#define QUITX_COUNTDOWN_H

#include <stddef.h>
#include <stdint.h>

#include "quitx/config.h"

struct store;

/* How far ahead the planner writes the coming posts. */
#define COUNTDOWN_HORIZON	(36 * 3600)

/* "January 20" / "20 janvier" ("1er janvier"). */
void	countdown_date(enum lang lang, int month, int day, char *buf,
	    size_t size);

/*
 * The template for days before the campaign day: day (0), day_before
 * (1, falling back to text), else text; NULL when that day has none.
 */
const char *countdown_template(const struct config_countdown_lang *l,
	    int days);

/*
 * tmpl with {days} and {date} filled in (malloc'd), or NULL when it
 * holds another "{...}" (then *bad, when not NULL, points at it).
 */
char	*countdown_render(const char *tmpl, int days, const char *date,
	    const char **bad);

/* The first day, as days since 1970 (campaign day - days_before). */
int64_t	countdown_first_day(const struct config *conf);

/*
 * Plan the posts due from now_cal - grace to now_cal + horizon (the
 * campaign's clock), created_at now_real.  New rows, or -1.
 */
int	countdown_plan(struct store *st, const struct config *conf,
	    int64_t now_cal, int64_t now_real);

#endif
