/*
 * bluesky-internal: what bluesky*.c share and nothing else sees.
 */
#ifndef QUITX_BLUESKY_INTERNAL_H
#define QUITX_BLUESKY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libwebsockets.h>

#include "quitx/bluesky.h"
#include "quitx/http.h"

struct outbox_pacer;
struct bsky_call;

/* An XRPC error body {"error","message"}, when the answer had one. */
struct bsky_error {
	long		 status;	/* 0: no HTTP answer */
	const char	*name;		/* "ExpiredToken"..., or NULL */
	const char	*message;	/* or NULL */
};

/* done runs once, from the loop, with the answer (res->status 0: none). */
typedef void (*bsky_done_fn)(struct bluesky *b, const struct http_response *res,
		    const struct bsky_error *err, void *arg);

#define BSKY_CALL_CHAT	0x1	/* through the PDS's chat proxy */
#define BSKY_CALL_WRITE	0x2	/* a repo write: its budget is the pacer's */
#define BSKY_CALL_UPLOAD 0x4	/* a raw body: a longer timeout */
#define BSKY_UPLOAD_TIMEOUT	120	/* seconds */

struct bluesky {
	struct bluesky_env		 env;
	struct bluesky_jetstream	*js;
	char				*label;		/* "@handle (bluesky)" */
	char				*server;	/* where the session opens */
	char				*handle;
	int64_t				 bot_account_id;
	char				*password;	/* the app password */
	char				*cursor_name;	/* notifications' cursor */
	char				*cursor;	/* newest indexedAt stored */
	enum bluesky_state		 state;
	int				 stopping;

	/* identity and session */
	char				*did;
	char				*pds;		/* https://... */
	char				*access;	/* "Authorization: Bearer ..." */
	char				*refresh;	/* the refresh JWT */
	time_t				 access_exp;	/* 0: unknown */
	struct http_request		*session_req;	/* resolve/create/refresh */
	int				 refreshing;
	int				 connected;	/* had a first session */
	unsigned			 session_gen;	/* new tokens: + 1 */
	int				 start_failures;
	time_t				 last_create;	/* createSession, last try */
	time_t				 create_not_before;	/* its limits */
	lws_sorted_usec_list_t		 start_timer;
	lws_sorted_usec_list_t		 refresh_timer;
	lws_dll2_owner_t		 calls;		/* in flight or waiting */

	/* notifications */
	struct bsky_call		*poll_call;
	lws_sorted_usec_list_t		 poll_timer;
	int				 caught_up;

	/* budgets, from every answer */
	struct http_ratelimit		 rl;		/* reads (per IP) */
	struct http_ratelimit		 rl_write;	/* repo writes */
	struct http_ratelimit		 rl_chat;	/* chat service */
	time_t				 chat_not_before; /* a chat 429's wait */

	/* outbox */
	struct outbox_pacer		*pacer;
	void				*send_ctx;
};

/* bluesky.c: calls with the session (refreshed on ExpiredToken) */
struct bsky_call *bsky_xrpc(struct bluesky *b, const char *method,
	    const char *nsid, const char *query, const char *body, int flags,
	    bsky_done_fn done, void *arg);
/* A POST of raw bytes of type (a blob), with the session. */
struct bsky_call *bsky_xrpc_raw(struct bluesky *b, const char *nsid,
	    const char *type, const void *body, size_t len, bsky_done_fn done,
	    void *arg);
/* Drop a call: done will not run. */
void	bsky_call_cancel(struct bsky_call *c);
/* The same, handing back its arg for the caller to free. */
void	*bsky_call_cancel_arg(struct bsky_call *c);
void	bsky_set_state(struct bluesky *b, enum bluesky_state s);
/* "400 InvalidRequest: message" or "no answer: why"; malloc'd. */
char	*bsky_error_text(const struct bsky_error *e, const char *transport);
/* The account's session is open (calls may go). */
int	bsky_session_open(const struct bluesky *b);

/* bluesky.c: Jetstream told the account it went up or down */
void	bsky_jetstream_changed(struct bluesky *b, int up);

/* bluesky-jetstream.c: accounts that read it */
void	bsky_jetstream_attach(struct bluesky_jetstream *js, struct bluesky *b);
void	bsky_jetstream_detach(struct bluesky_jetstream *js, struct bluesky *b);
/* An account learnt its DID: (re)connect with the new filter. */
void	bsky_jetstream_kick(struct bluesky_jetstream *js);

/* bluesky-send.c */
void	bsky_send_start(struct bluesky *b);
void	bsky_send_cancel(struct bluesky *b);

#endif
