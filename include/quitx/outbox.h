/*
 * outbox: sends the queued rows of one bot account, one at a time, at the
 * pace the network allows.
 *
 * The pacer owns the policy (what is due, retries with backoff, rate-limit
 * waits, giving up); a network connector owns the request and says what
 * came of it, through struct outbox_net.  A third network, or a test
 * double, fills that struct and touches nothing else.
 */
#ifndef QUITX_OUTBOX_H
#define QUITX_OUTBOX_H

#include <stdint.h>
#include <time.h>

struct lws_context;
struct store;
struct outbox_row;

enum send_outcome {
	SEND_OK,		/* posted: remote_id is the network's id */
	SEND_RETRY,		/* transient (5xx, network): back off, retry */
	SEND_RATE_LIMITED,	/* 429: wait until retry_at, then retry */
	SEND_REFUSED,		/* refused for good (4xx): error says why;
				   remote_id set if it was posted to nobody */
	SEND_DEFERRED,		/* this row must wait until retry_at (a
				   limit of its own, like chat's); the
				   account's other rows go on */
	SEND_UNREACHABLE,	/* a private message the recipient's settings
				   refuse (Bluesky chat): kept apart, so the
				   member can be asked to open them */
};

struct send_result {
	enum send_outcome	 outcome;
	const char		*remote_id;
	const char		*error;
	time_t			 retry_at;	/* SEND_RATE_LIMITED, _DEFERRED */
};

typedef void (*send_done_fn)(const struct send_result *res, void *arg);

struct outbox_net {
	/* Send row; done runs once, later, from the loop. */
	void	(*send)(void *net, const struct outbox_row *row,
		    send_done_fn done, void *arg);
	/* When the next write may leave: now or earlier means "go". */
	time_t	(*ready_at)(void *net, time_t now);
	/* Whether the account is connected and able to send at all. */
	int	(*usable)(void *net);
	void	*net;
};

struct outbox_pacer;

/* Start pacing a bot account's rows (checks the queue every second). */
struct outbox_pacer *outbox_pacer_create(struct lws_context *lws,
		    struct store *st, int64_t bot_account_id, const char *label,
		    const struct outbox_net *net);

/* Stop; a row in flight stays 'sending' and is requeued on restart. */
void		 outbox_pacer_free(struct outbox_pacer *p);

/* Seconds to wait before attempt n + 1 after n transient failures. */
int		 outbox_backoff(int attempts);

/* The reason kept on a row the recipient's settings refused. */
#define OUTBOX_UNREACHABLE	"unreachable: the recipient's settings refuse " \
				"messages from this account"

/* Attempts after which a transiently failing row is given up. */
#define OUTBOX_MAX_ATTEMPTS	12

#endif
