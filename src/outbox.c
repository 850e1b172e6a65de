/*
 * outbox: the pacer of one bot account.  See outbox.h.
 *
 * One row at a time per account keeps threads in order and makes the
 * rate-limit arithmetic trivial: the connector reports the budget after
 * each answer, and the pacer waits for the reset instead of spending the
 * last requests on 429s.
 */
#define LOG_TAG "outbox"
#include "quitx/outbox.h"

#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "quitx/log.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

#define PACER_POLL_US	(1 * LWS_US_PER_SEC)	/* queue check while idle */
#define EXPIRE_EVERY	30	/* seconds between records of expired rows */

struct outbox_pacer {
	struct lws_context	*lws;
	struct store		*store;
	int64_t			 bot_account_id;
	char			*label;
	struct outbox_net	 net;
	lws_sorted_usec_list_t	 tick;
	int64_t			 row_id;	/* in flight, or 0 */
	int			 attempts;	/* of the row in flight */
	time_t			 next_expire;	/* next look for expired rows */
};

static void	pacer_tick(lws_sorted_usec_list_t *sul);

static void
pacer_schedule(struct outbox_pacer *p, lws_usec_t us)
{
	lws_sul_schedule(p->lws, 0, &p->tick, pacer_tick, us);
}

/* The wall clock in microseconds, and in whole seconds in *secs. */
static int64_t
clock_usec(time_t *secs)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*secs = ts.tv_sec;
	return (int64_t)ts.tv_sec * LWS_US_PER_SEC + ts.tv_nsec / 1000;
}

int
outbox_backoff(int attempts)
{
	int	secs = 5;

	/* 5 s, 10 s, 20 s ... capped at an hour, plus up to 25% jitter */
	while (attempts-- > 1 && secs < 3600)
		secs *= 2;
	if (secs > 3600)
		secs = 3600;
	return secs + (int)(random() % (secs / 4 + 1));
}

static void
on_sent(const struct send_result *res, void *arg)
{
	struct outbox_pacer	*p = arg;
	time_t			 now = time(NULL);
	int64_t			 id = p->row_id;
	char			 err[256];
	int			 wait;

	p->row_id = 0;
	log_escape(err, sizeof(err), res->error != NULL ? res->error : "");
	switch (res->outcome) {
	case SEND_OK:
		log_info("%s: row %lld sent as %s", p->label, (long long)id,
		    res->remote_id != NULL ? res->remote_id : "?");
		store_outbox_sent(p->store, id, res->remote_id, (int64_t)now);
		pacer_schedule(p, 0);
		return;
	case SEND_RATE_LIMITED:
		/* jitter: many accounts should not all come back at once */
		wait = res->retry_at > now ? (int)(res->retry_at - now) : 0;
		if (wait < 2)		/* a reset in the past: clock skew */
			wait = 2;
		wait += (int)(random() % 2);
		log_info("%s: rate limited; row %lld waits %d s", p->label,
		    (long long)id, wait);
		/* waiting for the budget is not a failed attempt */
		store_outbox_retry(p->store, id, (int64_t)now + wait, err, 1);
		pacer_schedule(p, (lws_usec_t)wait * LWS_US_PER_SEC);
		return;
	case SEND_DEFERRED:
		wait = res->retry_at > now ? (int)(res->retry_at - now) : 2;
		log_info("%s: row %lld waits %d s (%s); the others go on",
		    p->label, (long long)id, wait, err);
		store_outbox_retry(p->store, id, (int64_t)now + wait, err, 1);
		break;
	case SEND_RETRY:
		if (p->attempts >= OUTBOX_MAX_ATTEMPTS) {
			log_warnx("%s: row %lld given up after %d attempts: %s",
			    p->label, (long long)id, p->attempts, err);
			store_outbox_failed(p->store, id, NULL, err);
			break;
		}
		wait = outbox_backoff(p->attempts);
		log_warnx("%s: row %lld: %s; retry in %d s", p->label,
		    (long long)id, err, wait);
		store_outbox_retry(p->store, id, (int64_t)now + wait, err, 0);
		break;
	case SEND_REFUSED:
		log_warnx("%s: row %lld refused: %s", p->label, (long long)id,
		    err);
		store_outbox_failed(p->store, id, res->remote_id, err);
		break;
	case SEND_UNREACHABLE:
		/* it waits for their follow (store_outbox_unpark) */
		log_info("%s: row %lld waits: the recipient does not accept "
		    "messages from this account until they follow it (%s)",
		    p->label, (long long)id, err);
		store_outbox_park(p->store, id, OUTBOX_UNREACHABLE);
		break;
	}
	pacer_schedule(p, 0);
}

static void
pacer_tick(lws_sorted_usec_list_t *sul)
{
	struct outbox_pacer	*p = lws_container_of(sul, struct outbox_pacer,
				    tick);
	struct outbox_row	 row;
	time_t			 now, ready;
	int64_t			 now_us = clock_usec(&now);
	int			 n;

	if (p->row_id != 0)
		return;		/* on_sent schedules the next look */
	if (!p->net.usable(p->net.net)) {
		pacer_schedule(p, PACER_POLL_US);
		return;
	}
	if ((ready = p->net.ready_at(p->net.net, now)) > now) {
		/*
		 * Wake at that second itself: a delay counted from a whole
		 * second came up to a second late, and what passes after a
		 * reset is lost to the window (bench-pacer).
		 */
		pacer_schedule(p, (lws_usec_t)((int64_t)ready *
		    LWS_US_PER_SEC - now_us));
		return;
	}
	/*
	 * A write, so not on every send: the next row is chosen without
	 * expired ones anyway; this only records them cancelled.
	 */
	if (now >= p->next_expire) {
		p->next_expire = now + EXPIRE_EVERY;
		if ((n = store_outbox_expire(p->store, p->bot_account_id,
		    (int64_t)now)) > 0)
			log_warnx("%s: %d post%s past %s deadline cancelled, "
			    "not sent late (see quitx schedule list)",
			    p->label, n, n == 1 ? "" : "s", n == 1 ? "its" :
			    "their");
	}
	switch (store_outbox_next(p->store, p->bot_account_id, (int64_t)now,
	    &row)) {
	case 1:
		break;
	case 0:
		pacer_schedule(p, PACER_POLL_US);
		return;
	default:
		pacer_schedule(p, 5 * PACER_POLL_US);	/* store busy? */
		return;
	}
	if (store_outbox_sending(p->store, row.id) == -1) {
		outbox_row_clear(&row);
		pacer_schedule(p, 5 * PACER_POLL_US);
		return;
	}
	p->row_id = row.id;
	p->attempts = row.attempts + 1;
	log_debug("%s: sending row %lld (%s, attempt %d)", p->label,
	    (long long)row.id, row.kind, p->attempts);
	p->net.send(p->net.net, &row, on_sent, p);
	outbox_row_clear(&row);
}

struct outbox_pacer *
outbox_pacer_create(struct lws_context *lws, struct store *st,
    int64_t bot_account_id, const char *label, const struct outbox_net *net)
{
	struct outbox_pacer	*p;

	p = xcalloc(1, sizeof(*p));
	p->lws = lws;
	p->store = st;
	p->bot_account_id = bot_account_id;
	p->label = xstrdup(label);
	p->net = *net;
	pacer_schedule(p, PACER_POLL_US);
	return p;
}

void
outbox_pacer_free(struct outbox_pacer *p)
{
	if (p == NULL)
		return;
	lws_sul_cancel(&p->tick);
	free(p->label);
	free(p);
}
