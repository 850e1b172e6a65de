/*
 * httpd: GET /healthz, GET /metrics and GET /status (status-page.c) on
 * the configured local address.
 * Bodies are built whole when the request arrives (they are small) and
 * written from the writeable callback, as libwebsockets requires.
 */
#define LOG_TAG "httpd"
#include "quitx/httpd.h"
#include "httpd-internal.h"

#include <stdlib.h>
#include <string.h>

#include "quitx/daemon.h"
#include "quitx/log.h"
#include "quitx/metrics.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

#define HTTPD_CHUNK	4096

size_t
httpd_pss_size(void)
{
	return sizeof(struct httpd_pss);
}

static void
pss_clear(struct httpd_pss *pss)
{
	free(pss->body);
	pss->body = NULL;
	pss->len = pss->off = 0;
}

/* Extra headers, as name/value pairs up to a NULL name; 0 or -1. */
static int
add_headers(struct lws *wsi, const char *const *h, unsigned char **p,
    unsigned char *end)
{
	for (; h != NULL && h[0] != NULL; h += 2)
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)h[0],
		    (const unsigned char *)h[1], (int)strlen(h[1]), p, end))
			return -1;
	return 0;
}

int
httpd_respond(struct lws *wsi, struct httpd_pss *pss, unsigned status,
    const char *type, char *body, size_t len)
{
	return httpd_respond_headers(wsi, pss, status, type, NULL, body, len);
}

int
httpd_respond_headers(struct lws *wsi, struct httpd_pss *pss, unsigned status,
    const char *type, const char *const *headers, char *body, size_t len)
{
	unsigned char	 buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start;
	unsigned char	*end = buf + sizeof(buf) - 1;

	free(pss->body);
	pss->body = body;
	pss->len = len;
	pss->off = 0;
	if (lws_add_http_common_headers(wsi, status, type, len, &p, end) ||
	    add_headers(wsi, headers, &p, end) ||
	    lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"cache-control:",
	    (const unsigned char *)"no-store", 8, &p, end) ||
	    lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"x-content-type-options:",
	    (const unsigned char *)"nosniff", 7, &p, end) ||
	    (pss->close_after && lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"connection:",
	    (const unsigned char *)"close", 5, &p, end)) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (pss->head) {
		pss_clear(pss);
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	}
	lws_callback_on_writable(wsi);
	return 0;
}

/*
 * Any method but GET and HEAD: 405 with no body, and the connection is
 * closed, since a request body we will not read would otherwise be taken
 * for the next request.
 */
static int
refuse_method(struct lws *wsi)
{
	unsigned char	 buf[LWS_PRE + 256], *start = buf + LWS_PRE, *p = start;
	unsigned char	*end = buf + sizeof(buf) - 1;

	if (lws_add_http_common_headers(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED,
	    "text/plain", 0, &p, end) == 0 &&
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"allow:",
	    (const unsigned char *)"GET, HEAD", 9, &p, end) == 0 &&
	    lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"connection:",
	    (const unsigned char *)"close", 5, &p, end) == 0 &&
	    lws_finalize_write_http_header(wsi, start, &p, end) != 0)
		log_debug("405: the client left before the headers");
	return -1;
}

static int
handle_request(struct lws *wsi, struct httpd_pss *pss, const char *uri)
{
	struct daemon_state	*ds = lws_context_user(lws_get_context(wsi));
	char			*body;
	size_t			 len;
	int			 post;

	pss->head = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
	post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
	if (strncmp(uri, "/u/", 3) == 0 && (post || pss->head ||
	    lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0))
		return upload_request(wsi, pss, uri, post);
	if (!pss->head && lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0)
		return refuse_method(wsi);
	if (strncmp(uri, "/f/", 3) == 0)
		return follows_request(wsi, pss, uri);
	if (strcmp(uri, "/healthz") == 0) {
		if (store_ping(ds->store) == 0)
			return httpd_respond(wsi, pss, HTTP_STATUS_OK,
			    "text/plain", xstrdup("ok\n"), 3);
		log_warnx("health check: store does not answer: %s",
		    store_errmsg(ds->store));
		return httpd_respond(wsi, pss, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "text/plain", xstrdup("store unavailable\n"), 18);
	}
	if (strcmp(uri, "/status") == 0)
		return status_request(wsi, pss);
	if (strcmp(uri, "/metrics") == 0) {
		if ((body = metrics_render(ds, &len)) == NULL)
			return httpd_respond(wsi, pss,
			    HTTP_STATUS_SERVICE_UNAVAILABLE, "text/plain",
			    xstrdup("store unavailable\n"), 18);
		return httpd_respond(wsi, pss, HTTP_STATUS_OK,
		    "text/plain; version=0.0.4; charset=utf-8", body, len);
	}
	return httpd_respond(wsi, pss, HTTP_STATUS_NOT_FOUND, "text/plain",
	    xstrdup("not found\n"), 10);
}

static int
write_body(struct lws *wsi, struct httpd_pss *pss)
{
	unsigned char	buf[LWS_PRE + HTTPD_CHUNK];
	size_t		n = pss->len - pss->off;
	int		final;

	if (n > HTTPD_CHUNK)
		n = HTTPD_CHUNK;
	final = pss->off + n == pss->len;
	memcpy(buf + LWS_PRE, pss->body + pss->off, n);
	if (lws_write(wsi, buf + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL :
	    LWS_WRITE_HTTP) != (int)n)
		return -1;
	pss->off += n;
	if (!final) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	pss_clear(pss);
	/* an upload's state ends with its answer: lws reuses pss after */
	upload_closed(pss);
	if (pss->close_after)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int
httpd_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct httpd_pss	*pss = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return handle_request(wsi, pss, in);
	/*
	 * A body we refused (a bad link) is read and dropped while the
	 * answer goes out; the connection closes after it (close_after).
	 */
	case LWS_CALLBACK_HTTP_BODY:
		if (pss == NULL || pss->up == NULL)
			return 0;
		return upload_body(wsi, pss, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (pss == NULL || pss->up == NULL)
			return 0;
		return upload_body_done(wsi, pss);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (pss == NULL || pss->body == NULL)
			break;
		return write_body(wsi, pss);
	/* lws frees pss after this, whether the connection stays or not */
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (pss != NULL) {
			upload_closed(pss);
			pss_clear(pss);
		}
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

const struct lws_protocols httpd_protocol = {
	"http", httpd_callback, sizeof(struct httpd_pss), 0, 0, NULL, 0,
};
