/*
 * mastodon-internal: what mastodon*.c share and nothing else sees.
 */
#ifndef QUITX_MASTODON_INTERNAL_H
#define QUITX_MASTODON_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "quitx/http-headers.h"
#include "quitx/mastodon.h"

#define MASTODON_MEDIA_MAX	4	/* max_media_attachments */

struct http_request;
struct outbox_pacer;

struct mastodon {
	struct mastodon_env	 env;
	char			*label;		/* "@handle on https://host" */
	char			*server;	/* https://host[:port] */
	char			*handle;
	int64_t			 bot_account_id;
	char			*auth;		/* "Authorization: Bearer ..." */
	char			*cursor_name;	/* stream_cursor key */
	char			*cursor;	/* last notification id stored */
	enum mastodon_state	 state;
	int			 stopping;

	/* from verify_credentials and the instance */
	char			*me_id;
	char			*me_acct;
	char			*stream_url;	/* wss://host[:port] */
	char			*domain;	/* the instance's account domain */
	int			 max_chars;

	/* REST */
	struct http_request	*req;		/* start-up or catch-up read */
	int			 catching_up;
	int			 catchup_again;	/* a reconnect came during one */
	int			 catchup_pending; /* failed: the timer retries */
	int			 caught_up;	/* stream frames may move the cursor */
	int			 start_failures;
	lws_sorted_usec_list_t	 start_timer;
	lws_sorted_usec_list_t	 poll_timer;
	struct http_ratelimit	 rl;		/* the latest read's budget */
	struct http_ratelimit	 rl_post;	/* POST /statuses: its own limiter */
	struct http_ratelimit	 rl_media;	/* POST /media: its own too */

	/* the pictures the instance takes (mastodon_media_limits) */
	size_t			 media_size_limit;
	size_t			 media_alt_limit;
	unsigned		 media_types;	/* 1 << enum media_type */

	/* stream */
	struct http_request	*ws_probe;	/* resolving the stream's host */
	struct lws		*ws;
	int			 ws_established;
	int			 ws_failures;	/* consecutive, for backoff */
	int			 ws_ping_due;
	time_t			 ws_last_rx;
	char			*ws_buf;	/* a frame being reassembled */
	size_t			 ws_len;
	lws_sorted_usec_list_t	 ws_retry;
	lws_sorted_usec_list_t	 ws_watch;

	/* outbox */
	struct outbox_pacer	*pacer;
	struct http_request	*send_req;
	void			*send_ctx;
};

/* mastodon.c */
void	mastodon_catch_up(struct mastodon *m);
/* 0 or more: stored; -1: not understood (skipped); -2: the store failed */
int	mastodon_store_notification(struct mastodon *m, const char *json,
	    size_t len, int advance_cursor);
void	mastodon_note_budget(struct mastodon *m, const struct http_ratelimit *rl);
void	mastodon_catch_up_failed(struct mastodon *m, int wait);
void	mastodon_set_state(struct mastodon *m, enum mastodon_state s);
void	mastodon_disable(struct mastodon *m, const char *why);
void	mastodon_start_polling(struct mastodon *m);

/* mastodon-stream.c */
void	mastodon_stream_connect(struct mastodon *m);
void	mastodon_stream_close(struct mastodon *m);
void	mastodon_stream_cancel_timers(struct mastodon *m);

/* mastodon-send.c */
void	mastodon_send_start(struct mastodon *m);
void	mastodon_send_cancel(struct mastodon *m);
void	mastodon_media_limits(struct mastodon *m, json_t *instance);

/* The server's {"error": "..."} text, or a short fallback; malloc'd. */
char	*mastodon_error_text(const char *body, size_t len, long status);

#endif
