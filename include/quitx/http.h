/*
 * http: HTTPS requests with libcurl, run on the daemon's libwebsockets
 * loop through curl's multi-socket interface.
 *
 * A request is built, sent, and its callback runs once, from the loop,
 * with the status (0 when no answer came), the body and the rate-limit
 * and Link headers already parsed.  Certificates are always verified;
 * the only TLS knob is an extra CA file (config key ca_file), trusted
 * besides the system's store.  Header
 * values given to http_request_header are never logged, so they may
 * carry tokens.
 */
#ifndef QUITX_HTTP_H
#define QUITX_HTTP_H

#include <stddef.h>

#include "quitx/http-headers.h"

struct lws_context;
struct lws_vhost;
struct lws_protocols;

struct http;
struct http_request;

struct http_response {
	long			 status;	/* 0: no HTTP answer */
	const char		*error;		/* transport error when status 0 */
	const char		*body;		/* NUL-terminated, may hold NULs */
	size_t			 len;
	struct http_ratelimit	 rl;
	long			 retry_after;	/* Retry-After, seconds; 0: none */
	const char		*link_next;	/* Link rel="next", or NULL */
	const char		*link_prev;	/* Link rel="prev", or NULL */
	double			 seconds;	/* total time taken */
	const char		*primary_ip;	/* the address connected to, or "" */
};

typedef void (*http_done_fn)(const struct http_response *res, void *arg);

/* The lws protocol that carries curl's sockets: list it on vhost. */
extern const struct lws_protocols http_curl_protocol;

/*
 * One client per daemon: its sockets are adopted into vhost (which must
 * list http_curl_protocol).  ca_file may be NULL (the system store).
 */
struct http	*http_create(struct lws_context *lws, struct lws_vhost *vhost,
		    const char *ca_file);

/* Cancel every request in flight (no callbacks) and free the client. */
void		 http_destroy(struct http *h);

/* A new request; nothing is sent before http_request_send. */
struct http_request *http_request_new(struct http *h, const char *method,
		    const char *url);

/* Add a header line "Name: value" (copied; never logged). */
void		 http_request_header(struct http_request *r, const char *line);

/* A body (copied) with its Content-Type. */
void		 http_request_body(struct http_request *r, const char *type,
		    const char *body, size_t len);

/* Give up after this many seconds (default 30). */
void		 http_request_timeout(struct http_request *r, long seconds);

/*
 * Start the request.  done runs exactly once, later, from the loop;
 * the request is freed right after it returns.
 */
void		 http_request_send(struct http_request *r, http_done_fn done,
		    void *arg);

/* Drop a request that was sent: done will not run.  NULL is a no-op. */
void		 http_request_cancel(struct http_request *r);

/* The same, handing back the arg given to send (for the caller to free). */
void		*http_request_cancel_arg(struct http_request *r);
#endif
