/*
 * campaign-run: the campaign day in the daemon.  See campaign-run.h.
 */
#define LOG_TAG "campaign"
#include "quitx/campaign-run.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>

#include "quitx/bluesky.h"
#include "quitx/campaign.h"
#include "quitx/clock.h"
#include "quitx/config.h"
#include "quitx/daemon.h"
#include "quitx/log.h"
#include "quitx/match.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

#define TICK_US			LWS_US_PER_SEC
#define SWEEP_BATCH		100	/* members composed per tick */
#define SWEEP_EVERY		60	/* seconds between sweeps, at least */
#define ASK_EVERY		3	/* seconds between looks at refusals */
#define CHECKS_MAX		16	/* Bluesky follow checks in flight */
#define RESOLVE_AGAIN		3600	/* seconds before a dead handle is
					   asked again */
#define IDENTIFY_BATCH		8	/* members identified ahead, per tick */

struct match_job {
	pthread_t		 thread;
	char			*store_path;
	struct match_options	 opts;
	int64_t			 now;
	struct match_stats	 stats;
	char			 err[256];
	int			 rc;
	atomic_int		 done;
};

/* A Bluesky call for one member: a follow check, or their DID. */
struct check {
	struct campaign_run	*r;
	int64_t			 member_id;
	char			*handle;	/* the handle or DID asked */
	size_t			 pending;	/* calls not answered yet */
	int			 failed;
	int			 used;
};

struct campaign_run {
	struct lws_context		*lws;
	const struct daemon_state	*ds;
	lws_sorted_usec_list_t		 tick;
	struct match_job		*job;
	time_t				 match_started;
	int				 matched_once;
	int				 sweep;		/* a sweep is under way */
	int64_t				 cursor;	/* its last member */
	time_t				 next_sweep;
	time_t				 next_ask;
	int				 started_logged;
	struct check			 checks[CHECKS_MAX];
	int64_t				 identify_cursor;
	time_t				 next_identify;
	struct unresolved {
		int64_t	 member_id;
		time_t	 retry_at;
	}				*unresolved;	/* handles that failed */
	size_t				 nunresolved;
};

/* --- the match, on its thread --- */

static void *
match_thread(void *arg)
{
	struct match_job	*j = arg;
	struct store		*st;

	if (store_open(j->store_path, &st, j->err, sizeof(j->err)) == -1)
		j->rc = -1;
	else {
		j->rc = match_run(st, j->now, &j->opts, &j->stats, j->err,
		    sizeof(j->err));
		store_close(st);
	}
	atomic_store(&j->done, 1);
	return NULL;
}

static void
match_start(struct campaign_run *r, time_t now)
{
	const struct config	*conf = r->ds->conf;
	struct match_job	*j = xcalloc(1, sizeof(*j));

	j->store_path = xstrdup(conf->store_path);
	j->opts.max_per_member = (size_t)conf->campaign.match_max;
	j->opts.memory_mb = (size_t)conf->campaign.match_memory_mb;
	j->now = (int64_t)now;
	if (pthread_create(&j->thread, NULL, match_thread, j) != 0) {
		log_warnx("cannot start the match thread");
		free(j->store_path);
		free(j);
		return;
	}
	r->job = j;
	r->match_started = now;
}

static void
match_join(struct campaign_run *r)
{
	struct match_job	*j = r->job;

	pthread_join(j->thread, NULL);
	if (j->rc == -1)
		log_warnx("match failed: %s", j->err);
	else {
		log_info("match: %" PRIu64 " members with proven X ids, %"
		    PRIu64 " follows between them, %" PRIu64 " suggestions "
		    "for %" PRIu64 " members (%.1f s)", j->stats.members,
		    j->stats.follows, j->stats.suggestions,
		    j->stats.members_with, j->stats.seconds);
		r->matched_once = 1;
		/* new results: look for members to tell now */
		r->next_sweep = 0;
	}
	free(j->store_path);
	free(j);
	r->job = NULL;
}

/* Start a match when something changed and the last is old enough. */
static void
match_maybe(struct campaign_run *r, time_t now)
{
	struct store	*st = r->ds->store;
	int64_t		 at = 0;
	int		 rc;

	if (r->job != NULL) {
		if (atomic_load(&r->job->done))
			match_join(r);
		return;
	}
	if (now - r->match_started < r->ds->conf->campaign.match_interval)
		return;
	if ((rc = store_match_at(st, &at)) == -1)
		return;
	if (rc == 1) {
		r->matched_once = 1;
		if (store_match_stale(st, at) != 1)
			return;
	}
	match_start(r, now);
}

/* --- Bluesky follow checks --- */

static void
on_checked(int ok, const char *const *followed, size_t n, void *arg)
{
	struct check	*c = arg;
	struct store	*st = c->r->ds->store;
	int64_t		 now = (int64_t)time(NULL);
	size_t		 i;

	if (ok == -1)
		c->failed = 1;
	else if (store_transaction_begin(st) == 0) {
		for (i = 0; i < n; i++)
			(void)store_bsky_follows_set(st, c->member_id,
			    followed[i], 1, now);
		if (store_transaction_commit(st) == -1)
			store_transaction_rollback(st);
	}
	if (--c->pending > 0)
		return;
	c->used = 0;
	c->r->next_sweep = 0;
}

static struct bluesky *
bluesky_any(const struct daemon_state *ds)
{
	size_t	i;

	for (i = 0; i < ds->nbluesky; i++)
		if (bluesky_usable(ds->bluesky[i]))
			return ds->bluesky[i];
	return NULL;
}

/*
 * A free slot for a Bluesky call about member_id, with the connector to
 * ask: NULL when one is in flight for them already, or none is free, or
 * no Bluesky session is open.
 */
static struct check *
check_slot(struct campaign_run *r, int64_t member_id, struct bluesky **b)
{
	struct check	*c = NULL;
	size_t		 i;

	for (i = 0; i < CHECKS_MAX; i++) {
		if (r->checks[i].used && r->checks[i].member_id == member_id)
			return NULL;
		if (!r->checks[i].used && c == NULL)
			c = &r->checks[i];
	}
	if (c == NULL || (*b = bluesky_any(r->ds)) == NULL)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->r = r;
	c->member_id = member_id;
	c->used = 1;
	return c;
}

/*
 * Check dids against the member's follows (campaign_env's check): the
 * ones not followed are recorded too, before asking, so that a failed
 * check is not asked again until they are stale; those followed are
 * recorded by the answer.
 */
static int
check_follows(int64_t member_id, const char *actor, const char *const *dids,
    size_t n, void *arg)
{
	struct campaign_run	*r = arg;
	struct store		*st = r->ds->store;
	struct bluesky		*b;
	struct check		*c = NULL;
	int64_t			 now = (int64_t)time(NULL);
	size_t			 i, k;

	if ((c = check_slot(r, member_id, &b)) == NULL)
		return 0;	/* in flight, or later */
	for (i = 0; i < n; i++)
		if (store_bsky_follows_set(st, member_id, dids[i], 0,
		    now) == -1)
			return -1;
	for (i = 0; i < n; i += k) {
		k = n - i < BLUESKY_RELATIONSHIPS_MAX ? n - i :
		    BLUESKY_RELATIONSHIPS_MAX;
		c->pending++;
		if (bluesky_relationships(b, actor, dids + i, k, on_checked,
		    c) == -1) {
			c->pending--;
			break;
		}
	}
	if (c->pending == 0)
		c->used = 0;
	return 0;
}

/* --- Bluesky members' identity: a DID and a handle --- */

static void
unresolved_until(struct campaign_run *r, int64_t member_id, time_t at)
{
	time_t	now = time(NULL);
	size_t	i;

	/* the member's entry, or one whose wait is over */
	for (i = 0; i < r->nunresolved; i++)
		if (r->unresolved[i].member_id == member_id ||
		    r->unresolved[i].retry_at <= now)
			break;
	if (i == r->nunresolved)
		r->unresolved = xreallocarray(r->unresolved,
		    ++r->nunresolved, sizeof(*r->unresolved));
	r->unresolved[i].member_id = member_id;
	r->unresolved[i].retry_at = at;
}

static void
on_identified(const char *value, int gone, void *arg)
{
	struct check		*c = arg;
	struct campaign_run	*r = c->r;
	struct store		*st = r->ds->store;
	time_t			 now = time(NULL);
	const char		*asked = c->handle;
	int			 rc;

	if (value == NULL)
		unresolved_until(r, c->member_id, now + (gone ?
		    RESOLVE_AGAIN : SWEEP_EVERY));
	else if (strncmp(asked, "did:", 4) == 0) {
		/* a DID's handle: shown in texts, for their mentions */
		if (store_member_set_handle(st, c->member_id, value) == -1)
			unresolved_until(r, c->member_id, now + SWEEP_EVERY);
	} else if ((rc = store_member_set_did(st, c->member_id, value,
	    asked)) == 1)
		log_info("member %" PRId64 ": @%s is %s", c->member_id,
		    asked, value);
	else if (rc == 0) {
		/* two rows, one person: a merge is the team's call */
		log_warnx("member %" PRId64 ": @%s (imported) is %s, who "
		    "registered separately; their messages wait",
		    c->member_id, asked, value);
		unresolved_until(r, c->member_id, now + RESOLVE_AGAIN);
	} else
		unresolved_until(r, c->member_id, now + SWEEP_EVERY);
	free(c->handle);
	c->handle = NULL;
	c->pending = 0;
	c->used = 0;
	r->next_sweep = 0;
}

/*
 * campaign_env's resolve: a handle's DID, or a DID's handle, one call
 * per member at a time.  1: asked (or to be asked), wait; 0: it failed
 * lately, go on without.
 */
static int
resolve_member(int64_t member_id, const char *account, void *arg)
{
	struct campaign_run	*r = arg;
	struct bluesky		*b;
	struct check		*c = NULL;
	time_t			 now = time(NULL);
	size_t			 i;
	int			 rc;

	for (i = 0; i < r->nunresolved; i++)
		if (r->unresolved[i].member_id == member_id &&
		    now < r->unresolved[i].retry_at)
			return 0;
	if ((c = check_slot(r, member_id, &b)) == NULL)
		return 1;	/* in flight, or later: wait */
	c->handle = xstrdup(account);
	c->pending = 1;
	rc = strncmp(account, "did:", 4) == 0 ?
	    bluesky_profile_handle(b, account, on_identified, c) :
	    bluesky_resolve_handle(b, account, on_identified, c);
	if (rc == -1) {
		free(c->handle);
		memset(c, 0, sizeof(*c));
	}
	return 1;
}

/*
 * Ahead of need, a few at a time: the members whose identity is not
 * complete, so that the day's messages and introductions do not wait.
 */
static void
identify_step(struct campaign_run *r, time_t now)
{
	struct unidentified	 u[IDENTIFY_BATCH];
	int			 n, i;

	if (now < r->next_identify)
		return;
	if ((n = store_members_unidentified(r->ds->store, r->identify_cursor,
	    u, IDENTIFY_BATCH)) == -1) {
		r->next_identify = now + SWEEP_EVERY;
		return;
	}
	for (i = 0; i < n; i++) {
		(void)resolve_member(u[i].id, u[i].account, r);
		free(u[i].account);
		r->identify_cursor = u[i].id;
	}
	if (n < IDENTIFY_BATCH) {
		r->identify_cursor = 0;
		r->next_identify = now + SWEEP_EVERY;
	}
}

/* --- composing --- */

static int
max_chars(int64_t bot_id, void *arg)
{
	struct campaign_run	*r = arg;

	return daemon_max_chars(r->ds, bot_id);
}

static void
env_init(struct campaign_run *r, struct campaign_env *env, time_t now)
{
	memset(env, 0, sizeof(*env));
	env->st = r->ds->store;
	env->conf = r->ds->conf;
	env->now = (int64_t)now;
	env->max_chars = max_chars;
	env->check = check_follows;
	env->resolve = resolve_member;
	env->arg = r;
}

/* One transaction; 0, or -1 with nothing of it kept. */
static int
in_transaction(struct store *st, int (*fn)(void *), void *arg)
{
	int	rc;

	if (store_transaction_begin(st) == -1)
		return -1;
	if ((rc = fn(arg)) < 0 || store_transaction_commit(st) == -1) {
		store_transaction_rollback(st);
		return -1;
	}
	return rc;
}

static int
intros_fn(void *arg)
{
	return campaign_queue_intros(arg);
}

static int
ask_fn(void *arg)
{
	return campaign_ask_follow(arg);
}

struct member_job {
	struct campaign_env	*env;
	int64_t			 id;
	int			 deferred;
};

static int
member_fn(void *arg)
{
	struct member_job	*j = arg;

	return campaign_queue_member(j->env, j->id, COMPOSE_NEW,
	    &j->deferred);
}

/* A batch of members due a message, from the cursor on. */
static void
sweep_step(struct campaign_run *r, struct campaign_env *env, time_t now)
{
	struct member_job	 j;
	int64_t			 ids[SWEEP_BATCH];
	int			 n, i, sent = 0;

	if ((n = store_campaign_due(env->st, r->cursor, ids,
	    SWEEP_BATCH)) == -1) {
		r->sweep = 0;
		r->next_sweep = now + SWEEP_EVERY;
		return;
	}
	for (i = 0; i < n; i++) {
		memset(&j, 0, sizeof(j));
		j.env = env;
		j.id = ids[i];
		if (in_transaction(env->st, member_fn, &j) == -1)
			log_warnx("member %" PRId64 ": suggestions not "
			    "queued (see above); trying again later", ids[i]);
		else if (!j.deferred)
			sent++;
		r->cursor = ids[i];
	}
	if (sent > 0)
		log_debug("suggestion messages queued for %d members", sent);
	if (n < SWEEP_BATCH) {
		r->sweep = 0;
		r->cursor = 0;
		/* next_sweep was set when it began; a check or a DID that
		   came back since has set it to 0: its member, deferred,
		   is composed now, not a whole interval later */
	}
}

static void
on_tick(lws_sorted_usec_list_t *sul)
{
	struct campaign_run	*r = lws_container_of(sul, struct campaign_run,
				    tick);
	struct campaign_env	 env;
	time_t			 now = time(NULL);
	int64_t			 at;
	int			 n;

	match_maybe(r, now);
	identify_step(r, now);
	env_init(r, &env, now);
	/* any day: a refused message is a member waiting to be asked */
	if (now >= r->next_ask) {
		r->next_ask = now + ASK_EVERY;
		(void)in_transaction(env.st, ask_fn, &env);
	}
	/* the calendar's decision: a rehearsal's clock may be simulated */
	if (campaign_started(r->ds->store, r->ds->conf, clock_now(),
	    &at) != 1 || !r->matched_once)
		goto next;
	if (!r->started_logged) {
		r->started_logged = 1;
		log_info("the campaign day has started: introductions and "
		    "suggestion messages are being queued");
	}
	if ((n = in_transaction(env.st, intros_fn, &env)) > 0)
		log_info("%d introduction post%s queued", n, n == 1 ? "" :
		    "s");
	if (!r->sweep && now >= r->next_sweep) {
		r->sweep = 1;
		r->cursor = 0;
		r->next_sweep = now + SWEEP_EVERY;
	}
	if (r->sweep)
		sweep_step(r, &env, now);
next:
	lws_sul_schedule(r->lws, 0, &r->tick, on_tick, TICK_US);
}

struct campaign_run *
campaign_run_create(struct lws_context *lws, const struct daemon_state *ds)
{
	struct campaign_run	*r = xcalloc(1, sizeof(*r));

	r->lws = lws;
	r->ds = ds;
	lws_sul_schedule(lws, 0, &r->tick, on_tick, TICK_US);
	return r;
}

void
campaign_run_free(struct campaign_run *r)
{
	size_t	i;

	if (r == NULL)
		return;
	lws_sul_cancel(&r->tick);
	if (r->job != NULL) {
		log_info("waiting for the match to finish");
		pthread_join(r->job->thread, NULL);
		free(r->job->store_path);
		free(r->job);
	}
	for (i = 0; i < CHECKS_MAX; i++)
		free(r->checks[i].handle);
	free(r->unresolved);
	free(r);
}
