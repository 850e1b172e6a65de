/*
 * http: libcurl's multi-socket interface on the libwebsockets loop.
 *
 * curl tells us which sockets to watch (socket callback) and when to wake
 * it (timer callback).  Each socket curl opens is dup()ed and the copy
 * adopted into lws as a raw descriptor: lws polls it and calls us back,
 * we hand the event to curl_multi_socket_action.  The copy lets curl and
 * lws each close their own descriptor in their own time, so neither ever
 * closes a number the other still uses.  Completed transfers are reaped
 * after every action and their callbacks run from the loop, never from
 * inside a curl callback.
 */
#define LOG_TAG "http"
#include "quitx/http.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libwebsockets.h>

#include "quitx/log.h"
#include "quitx/xmalloc.h"

#define HTTP_MAX_BODY		(16u << 20)	/* larger answers are refused */
#define HTTP_DEFAULT_TIMEOUT	30L
#define HTTP_CONNECT_TIMEOUT	10L

struct http_sock {
	struct http		*h;
	struct lws		*wsi;		/* NULL once lws closed it */
	curl_socket_t		 fd;		/* curl's descriptor */
	int			 want;		/* CURL_POLL_* */
	int			 dead;		/* curl is done with it */
	struct http_sock	*next;		/* every socket of the client */
};

struct http_request {
	struct http		*h;
	CURL			*easy;
	struct curl_slist	*headers;
	char			*method;
	char			*url;
	char			*body;		/* request body */
	char			*resp;		/* response body */
	size_t			 resp_len, resp_cap;
	int			 too_big;
	struct http_ratelimit	 rl;
	char			*link_next, *link_prev;
	char			 errbuf[CURL_ERROR_SIZE];
	http_done_fn		 done;
	void			*arg;
	struct http_request	*prev, *next;	/* in flight */
};

struct http {
	struct lws_context	*lws;
	struct lws_vhost	*vhost;
	CURLM			*multi;
	char			*ca_file;
	lws_sorted_usec_list_t	 timer;
	lws_sorted_usec_list_t	 rearm;		/* write interest, see below */
	struct http_request	*reqs;
	size_t			 nreqs;
	struct http_sock	*socks;		/* dead ones freed after an action */
	int			 in_action;
};

static void	http_action(struct http *h, curl_socket_t fd, int ev);

/* --- sockets: curl's descriptors watched by lws --- */

static struct http_sock *
sock_new(struct http *h, curl_socket_t fd)
{
	struct http_sock	*hs;
	lws_adopt_desc_t	 desc;
	int			 copy;

	if ((copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		log_warn("dup");
		return NULL;
	}
	hs = xcalloc(1, sizeof(*hs));
	hs->h = h;
	hs->fd = fd;
	memset(&desc, 0, sizeof(desc));
	desc.vh = h->vhost;
	desc.type = LWS_ADOPT_RAW_FILE_DESC;
	desc.fd.filefd = copy;
	desc.vh_prot_name = http_curl_protocol.name;
	desc.opaque = hs;
	/* lws closes only sockets on failure, not raw descriptors */
	if ((hs->wsi = lws_adopt_descriptor_vhost_via_info(&desc)) == NULL) {
		log_warnx("cannot watch a connection in the event loop");
		close(copy);
		free(hs);
		return NULL;
	}
	hs->next = h->socks;
	h->socks = hs;
	return hs;
}

/* curl is done with the socket: detach it now, free it after the action. */
static void
sock_release(struct http_sock *hs)
{
	if (hs->wsi != NULL) {
		lws_set_opaque_user_data(hs->wsi, NULL);
		lws_set_timeout(hs->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		hs->wsi = NULL;
	}
	hs->dead = 1;
}

/* Free the sockets curl released (never during an action). */
static void
socks_flush(struct http *h, int all)
{
	struct http_sock	**p = &h->socks, *hs;

	while ((hs = *p) != NULL) {
		if (all && !hs->dead)
			sock_release(hs);
		if (hs->dead) {
			*p = hs->next;
			free(hs);
		} else
			p = &hs->next;
	}
}

static int
curl_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct http		*h = userp;
	struct http_sock	*hs = socketp;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (hs != NULL)
			sock_release(hs);
		curl_multi_assign(h->multi, fd, NULL);
		return 0;
	}
	if (hs == NULL) {
		if ((hs = sock_new(h, fd)) == NULL)
			return -1;
		curl_multi_assign(h->multi, fd, hs);
	}
	hs->want = what;
	if (hs->wsi != NULL) {
		lws_rx_flow_control(hs->wsi, (what & CURL_POLL_IN) ? 1 : 0);
		if (what & CURL_POLL_OUT)
			lws_callback_on_writable(hs->wsi);
	}
	return 0;
}

static void
on_timer(lws_sorted_usec_list_t *sul)
{
	struct http	*h = lws_container_of(sul, struct http, timer);

	http_action(h, CURL_SOCKET_TIMEOUT, 0);
}

static int
curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http	*h = userp;

	(void)multi;
	if (timeout_ms < 0)
		lws_sul_cancel(&h->timer);
	else
		lws_sul_schedule(h->lws, 0, &h->timer, on_timer,
		    (lws_usec_t)timeout_ms * LWS_US_PER_MS);
	return 0;
}

/*
 * lws clears POLLOUT after the writable callback returns, so asking for
 * another one from inside it is lost.  When curl still wants to write,
 * the request is made again from a timer, outside the callback.
 */
static void
on_rearm(lws_sorted_usec_list_t *sul)
{
	struct http		*h = lws_container_of(sul, struct http, rearm);
	struct http_sock	*hs;

	for (hs = h->socks; hs != NULL; hs = hs->next)
		if (!hs->dead && hs->wsi != NULL && (hs->want & CURL_POLL_OUT))
			lws_callback_on_writable(hs->wsi);
}

static int
curl_protocol_cb(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct http_sock	*hs = lws_get_opaque_user_data(wsi);
	struct http		*h;
	curl_socket_t		 fd;

	(void)user;
	(void)in;
	(void)len;
	if (hs == NULL || hs->dead)
		return 0;
	h = hs->h;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		http_action(h, hs->fd, CURL_CSELECT_IN);
		break;
	case LWS_CALLBACK_RAW_WRITEABLE_FILE:
		/* hs stays allocated until the action returns */
		http_action(h, hs->fd, CURL_CSELECT_OUT);
		if (!hs->dead && hs->wsi != NULL && (hs->want & CURL_POLL_OUT))
			lws_sul_schedule(h->lws, 0, &h->rearm, on_rearm, 0);
		break;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		/*
		 * lws saw a hang-up: let curl read what the server said
		 * before closing (an early 4xx) and notice the close itself.
		 */
		hs->wsi = NULL;
		fd = hs->fd;
		http_action(h, fd, CURL_CSELECT_IN | CURL_CSELECT_OUT);
		break;
	default:
		break;
	}
	return 0;
}

const struct lws_protocols http_curl_protocol = {
	"quitx-curl", curl_protocol_cb, 0, 0, 0, NULL, 0,
};

/* --- requests --- */

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_request	*r = arg;
	size_t			 n = size * nmemb;

	if (r->resp_len + n > HTTP_MAX_BODY) {
		r->too_big = 1;
		return 0;	/* aborts the transfer */
	}
	if (r->resp_len + n + 1 > r->resp_cap) {
		r->resp_cap = r->resp_cap ? r->resp_cap : 4096;
		while (r->resp_cap < r->resp_len + n + 1)
			r->resp_cap *= 2;
		r->resp = xreallocarray(r->resp, 1, r->resp_cap);
	}
	memcpy(r->resp + r->resp_len, data, n);
	r->resp_len += n;
	r->resp[r->resp_len] = '\0';
	return n;
}

static size_t
on_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct http_request	*r = arg;
	size_t			 n = size * nmemb;
	char			*url;

	/* a new status line: an interim (1xx) answer ended */
	if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		memset(&r->rl, 0, sizeof(r->rl));
		free(r->link_next);
		free(r->link_prev);
		r->link_next = r->link_prev = NULL;
		return n;
	}
	if (http_ratelimit_header(&r->rl, line, n))
		return n;
	if ((url = http_link_header(line, n, "next")) != NULL) {
		free(r->link_next);
		r->link_next = url;
	}
	if ((url = http_link_header(line, n, "prev")) != NULL) {
		free(r->link_prev);
		r->link_prev = url;
	}
	return n;
}

struct http_request *
http_request_new(struct http *h, const char *method, const char *url)
{
	struct http_request	*r;

	r = xcalloc(1, sizeof(*r));
	r->h = h;
	r->method = xstrdup(method);
	r->url = xstrdup(url);
	if ((r->easy = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	curl_easy_setopt(r->easy, CURLOPT_URL, r->url);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(r->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(r->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(r->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_file != NULL)
		curl_easy_setopt(r->easy, CURLOPT_CAINFO, h->ca_file);
	curl_easy_setopt(r->easy, CURLOPT_USERAGENT,
	    "quitx/" QUITX_VERSION " (+https://github.com/quitx)");
	curl_easy_setopt(r->easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT, HTTP_CONNECT_TIMEOUT);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT, HTTP_DEFAULT_TIMEOUT);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(r->easy, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(r->easy, CURLOPT_NOBODY, 1L);
	else {
		curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, r->method);
		/*
		 * An empty body unless one is given, sent with
		 * "Content-Length: 0": without a length, a server may take the
		 * next request on the connection for this one's body
		 * (refreshSession is a body-less POST).
		 */
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)0);
	}
	/* no "Expect: 100-continue" round trip for our small bodies */
	r->headers = curl_slist_append(r->headers, "Expect:");
	return r;
}

void
http_request_header(struct http_request *r, const char *line)
{
	struct curl_slist	*l;

	if ((l = curl_slist_append(r->headers, line)) == NULL)
		fatalx("out of memory");
	r->headers = l;
}

void
http_request_body(struct http_request *r, const char *type, const char *body,
    size_t len)
{
	char	*line;

	if (r->body != NULL)
		explicit_bzero(r->body, strlen(r->body));
	free(r->body);
	r->body = xmalloc(len + 1);
	memcpy(r->body, body, len);
	r->body[len] = '\0';
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)len);
	line = xasprintf("Content-Type: %s", type);
	http_request_header(r, line);
	free(line);
}

void
http_request_timeout(struct http_request *r, long seconds)
{
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT, seconds);
}

/* "GET https://host/path" without the query, for log lines. */
static void
http_request_label(const struct http_request *r, char *buf, size_t size)
{
	size_t	n = strcspn(r->url, "?#");

	snprintf(buf, size, "%s %.*s", r->method, (int)n, r->url);
}

static void
request_free(struct http_request *r)
{
	struct curl_slist	*l;

	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	/* tokens and passwords ride in headers and bodies */
	for (l = r->headers; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(r->headers);
	free(r->method);
	free(r->url);
	if (r->body != NULL)
		explicit_bzero(r->body, strlen(r->body));
	free(r->body);
	free(r->resp);
	free(r->link_next);
	free(r->link_prev);
	free(r);
}

static void
unlink_request(struct http_request *r)
{
	struct http	*h = r->h;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		h->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	h->nreqs--;
	curl_multi_remove_handle(h->multi, r->easy);
}

void
http_request_send(struct http_request *r, http_done_fn done, void *arg)
{
	struct http	*h = r->h;
	CURLMcode	 mc;

	r->done = done;
	r->arg = arg;
	/* an empty POST says nothing of a type (curl would say form) */
	if (r->body == NULL && strcmp(r->method, "GET") != 0 &&
	    strcmp(r->method, "HEAD") != 0)
		http_request_header(r, "Content-Type:");
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
	r->next = h->reqs;
	if (h->reqs != NULL)
		h->reqs->prev = r;
	h->reqs = r;
	h->nreqs++;
	/* curl calls the timer callback: the transfer starts from the loop */
	if ((mc = curl_multi_add_handle(h->multi, r->easy)) != CURLM_OK)
		fatalx("curl_multi_add_handle: %s", curl_multi_strerror(mc));
}

void
http_request_cancel(struct http_request *r)
{
	(void)http_request_cancel_arg(r);
}

void *
http_request_cancel_arg(struct http_request *r)
{
	void	*arg;

	if (r == NULL)
		return NULL;
	arg = r->arg;
	unlink_request(r);
	request_free(r);
	return arg;
}

/* Hand every finished transfer to its callback. */
static void
reap(struct http *h)
{
	struct http_response	 res;
	struct http_request	*r;
	CURLMsg			*msg;
	char			 label[256];
	void			*priv;
	char			*ip = NULL;
	double			 secs = 0;
	curl_off_t		 retry;
	int			 left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		r = priv;
		memset(&res, 0, sizeof(res));
		curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME, &secs);
		retry = 0;
		res.seconds = secs;
		curl_easy_getinfo(r->easy, CURLINFO_PRIMARY_IP, &ip);
		res.primary_ip = ip != NULL ? ip : "";
		if (msg->data.result == CURLE_OK)
			curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE,
			    &res.status);
		else if (r->too_big)
			res.error = "response too large";
		else
			res.error = r->errbuf[0] != '\0' ? r->errbuf :
			    curl_easy_strerror(msg->data.result);
		res.body = r->resp != NULL ? r->resp : "";
		res.len = r->resp_len;
		res.rl = r->rl;
		/* Retry-After in seconds (curl also reads an HTTP date) */
		if (curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER,
		    &retry) == CURLE_OK && retry > 0)
			res.retry_after = (long)retry;
		res.link_next = r->link_next;
		res.link_prev = r->link_prev;
		http_request_label(r, label, sizeof(label));
		if (res.status != 0)
			log_debug("%s: %ld (%.3f s)", label, res.status, secs);
		else
			log_debug("%s: %s", label, res.error);
		unlink_request(r);
		r->done(&res, r->arg);
		request_free(r);
	}
}

static void
http_action(struct http *h, curl_socket_t fd, int ev)
{
	int	running, outer = !h->in_action;

	h->in_action = 1;
	curl_multi_socket_action(h->multi, fd, ev, &running);
	reap(h);
	if (!outer)
		return;
	h->in_action = 0;
	socks_flush(h, 0);
}

struct http *
http_create(struct lws_context *lws, struct lws_vhost *vhost,
    const char *ca_file)
{
	struct http	*h;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("cannot initialise libcurl");
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	h->lws = lws;
	h->vhost = vhost;
	h->ca_file = ca_file != NULL ? xstrdup(ca_file) : NULL;
	if ((h->multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init failed");
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	/* a few connections per server is plenty and polite */
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 4L);
	return h;
}

void
http_destroy(struct http *h)
{
	if (h == NULL)
		return;
	h->in_action = 1;
	while (h->reqs != NULL)
		http_request_cancel(h->reqs);
	curl_multi_cleanup(h->multi);
	lws_sul_cancel(&h->timer);
	lws_sul_cancel(&h->rearm);
	socks_flush(h, 1);
	free(h->ca_file);
	free(h);
	curl_global_cleanup();
}
