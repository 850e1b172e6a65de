/*
 * schedule-run: the scheduled posts inside the daemon.
 *
 * A tick every second (ten a second when a rehearsal's simulated clock
 * runs fast, so that a simulated day is not missed by a tick): the
 * countdown planner writes the coming days' posts, the runner hands the
 * due ones to the outbox (schedule.h), both on the campaign's clock
 * (clock.h).  It also keeps each Mastodon bot's max_characters in the
 * store, so that `quitx announce` checks a text against the instance's
 * limit without asking it.
 */
#ifndef QUITX_SCHEDULE_RUN_H
#define QUITX_SCHEDULE_RUN_H

struct lws_context;
struct daemon_state;
struct schedule_run;

struct schedule_run	*schedule_run_create(struct lws_context *lws,
			    const struct daemon_state *ds);
void			 schedule_run_free(struct schedule_run *r);

#endif
