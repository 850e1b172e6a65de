/*
 * schedule-run: the scheduled posts in the daemon.  See schedule-run.h.
 */
#define LOG_TAG "schedule"
#include "quitx/schedule-run.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <libwebsockets.h>

#include "quitx/clock.h"
#include "quitx/config.h"
#include "quitx/countdown.h"
#include "quitx/daemon.h"
#include "quitx/log.h"
#include "quitx/schedule.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

#define TICK_US		LWS_US_PER_SEC
#define FAST_TICK_US	(LWS_US_PER_SEC / 10)
/* a simulated clock faster than this ticks fast */
#define FAST_SPEED	60.0
/* simulated or real seconds between two plans of the countdown */
#define PLAN_EVERY	60
/* seconds between looks at the Mastodon bots' limits */
#define CHARS_EVERY	60

struct schedule_run {
	struct lws_context		*lws;
	const struct daemon_state	*ds;
	lws_sorted_usec_list_t		 tick;
	lws_usec_t			 period;
	const struct config		*planned_conf;	/* a reload plans again */
	int64_t				 next_plan;
	time_t				 next_chars;
};

static int
max_chars(int64_t bot_id, void *arg)
{
	struct schedule_run	*r = arg;

	return daemon_max_chars(r->ds, bot_id);
}

/* Keep the connected Mastodon bots' limits for `quitx announce`. */
static void
remember_chars(struct schedule_run *r)
{
	struct store	*st = r->ds->store;
	struct bot_row	*b;
	size_t		 n, i;
	char		 key[64], v[32];
	int		 chars;

	if (store_bot_accounts_active(st, &b, &n) == -1)
		return;
	for (i = 0; i < n; i++) {
		if (b[i].network != NETWORK_MASTODON ||
		    (chars = daemon_max_chars(r->ds, b[i].id)) <= 0 ||
		    chars == schedule_max_chars_known(st, b[i].id))
			continue;
		snprintf(key, sizeof(key), SCHEDULE_MAX_CHARS_KEY,
		    (long long)b[i].id);
		snprintf(v, sizeof(v), "%d", chars);
		(void)store_campaign_set(st, key, v, (int64_t)time(NULL));
	}
	bot_rows_free(b, n);
}

static void
on_tick(lws_sorted_usec_list_t *sul)
{
	struct schedule_run	*r = lws_container_of(sul, struct schedule_run,
				    tick);
	const struct config	*conf = r->ds->conf;
	struct store		*st = r->ds->store;
	int64_t			 now_cal = clock_now();
	time_t			 now = time(NULL);
	int			 n;

	if (now >= r->next_chars) {
		r->next_chars = now + CHARS_EVERY;
		remember_chars(r);
	}
	if (conf != r->planned_conf || now_cal >= r->next_plan) {
		r->planned_conf = conf;
		r->next_plan = now_cal + PLAN_EVERY;
		if ((n = countdown_plan(st, conf, now_cal, (int64_t)now)) > 0)
			log_info("countdown: %d post%s planned", n, n == 1 ?
			    "" : "s");
	}
	(void)schedule_run_due(st, now_cal, (int64_t)now, max_chars, r);
	lws_sul_schedule(r->lws, 0, &r->tick, on_tick, r->period);
}

struct schedule_run *
schedule_run_create(struct lws_context *lws, const struct daemon_state *ds)
{
	struct schedule_run	*r = xcalloc(1, sizeof(*r));
	double			 speed;

	r->lws = lws;
	r->ds = ds;
	r->period = clock_simulated(&speed) && speed > FAST_SPEED ?
	    FAST_TICK_US : TICK_US;
	lws_sul_schedule(lws, 0, &r->tick, on_tick, r->period);
	return r;
}

void
schedule_run_free(struct schedule_run *r)
{
	if (r == NULL)
		return;
	lws_sul_cancel(&r->tick);
	free(r);
}
