/*
 * demo-http: the demo's HTTP with libcurl, blocking and one call at a
 * time (a script, not a server): the peers' control APIs over HTTPS,
 * trusting only the demo's certificate, and the daemon's endpoints
 * over plain HTTP on loopback, as the team's proxy reaches them.
 */
#include "demo-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "quitx/xmalloc.h"

/* The peers' answers are lists of every status: large, but bounded. */
#define ANSWER_MAX	(256 * 1024 * 1024)

struct answer {
	char	*buf;
	size_t	 len;
};

static CURL	*easy;
/* Why the last request got no answer, in libcurl's words. */
static char	 curl_error[CURL_ERROR_SIZE];

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct answer	*a = arg;

	n *= size;
	if (a->len + n > ANSWER_MAX)
		return 0;
	a->buf = xreallocarray(a->buf, a->len + n + 1, 1);
	memcpy(a->buf + a->len, p, n);
	a->len += n;
	a->buf[a->len] = '\0';
	return n;
}

const char *
demo_http_error(void)
{
	return curl_error[0] != '\0' ? curl_error : "no answer";
}

int
demo_http_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (easy = curl_easy_init()) == NULL)
		return -1;
	return 0;
}

void
demo_http_done(void)
{
	curl_easy_cleanup(easy);
	easy = NULL;
	curl_global_cleanup();
}

/* A Ctrl-C ends a transfer under way (CURLE_ABORTED_BY_CALLBACK). */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	(void)arg;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return demo_interrupted != 0;
}

/* One request on the shared handle (its connections are reused). */
static long
request(const char *ca, const char *method, const char *url,
    struct curl_slist *hdrs, const char *body, curl_mime *mime,
    struct answer *a, long timeout)
{
	CURLcode	rc;
	long		status = -1;

	curl_easy_reset(easy);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
	if (ca != NULL) {
		/* the demo's certificate only, not the system's too */
		curl_easy_setopt(easy, CURLOPT_CAINFO, ca);
		curl_easy_setopt(easy, CURLOPT_CAPATH, NULL);
	}
	if (hdrs != NULL)
		curl_easy_setopt(easy, CURLOPT_HTTPHEADER, hdrs);
	if (mime != NULL)
		curl_easy_setopt(easy, CURLOPT_MIMEPOST, mime);
	else if (body != NULL)
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
	curl_error[0] = '\0';
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, curl_error);
	if ((rc = curl_easy_perform(easy)) == CURLE_OK)
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	else if (curl_error[0] == '\0')
		snprintf(curl_error, sizeof(curl_error), "%s",
		    curl_easy_strerror(rc));
	/* the buffer must not outlive this call in the handle */
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, NULL);
	return status;
}

/* quiet: a failure is only NULL, not the demo's error (the view's looks) */
static json_t *
peer_call(struct demo *d, const struct demo_peer *p, const char *method,
    const char *path, json_t *body, int quiet)
{
	struct answer		 a = { NULL, 0 };
	struct curl_slist	*hdrs;
	json_t			*v = NULL;
	char			*url, *text = NULL;
	long			 status;

	url = xasprintf("%s%s", p->base, path);
	if (body != NULL)
		text = json_dumps(body, JSON_COMPACT);
	hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	status = request(d->ca, method, url, hdrs, text, NULL, &a, 30);
	curl_slist_free_all(hdrs);
	if (status == 200 && a.buf != NULL)
		v = json_loadb(a.buf, a.len, 0, NULL);
	if (v == NULL && quiet)
		;
	else if (v == NULL && status == -1)
		demo_fail(d, "%s %s%s: %s", method, p->name, path,
		    demo_http_error());
	else if (v == NULL)
		demo_fail(d, "%s %s%s: HTTP %ld %.200s", method, p->name, path,
		    status, a.buf != NULL ? a.buf : "");
	json_decref(body);
	free(text);
	free(a.buf);
	free(url);
	return v;
}

json_t *
demo_peer_call(struct demo *d, const struct demo_peer *p, const char *method,
    const char *path, json_t *body)
{
	return peer_call(d, p, method, path, body, 0);
}

long long
demo_peer_stat(struct demo *d, const struct demo_peer *p, const char *name)
{
	json_t		*v = demo_peer_call(d, p, "GET", "/_peer/stats", NULL);
	long long	 n = json_integer_value(json_object_get(v, name));

	json_decref(v);
	return n;
}

long long
demo_peer_stat_try(struct demo *d, const struct demo_peer *p,
    const char *name)
{
	json_t		*v = peer_call(d, p, "GET", "/_peer/stats", NULL, 1);
	long long	 n = v != NULL ? json_integer_value(json_object_get(v,
			    name)) : -1;

	json_decref(v);
	return n;
}

/*
 * The zip as one file part named "file", as the page's form without
 * JavaScript sends it, asking for the JSON answer the page reads.
 */
long
demo_upload(const char *url, const char *file, char **answer)
{
	struct answer		 a = { NULL, 0 };
	struct curl_slist	*hdrs;
	curl_mime		*mime;
	curl_mimepart		*part;
	long			 status;

	mime = curl_mime_init(easy);
	part = curl_mime_addpart(mime);
	curl_mime_name(part, "file");
	curl_mime_filedata(part, file);
	curl_mime_type(part, "application/zip");
	hdrs = curl_slist_append(NULL, "Accept: application/json");
	status = request(NULL, "POST", url, hdrs, NULL, mime, &a, 120);
	curl_slist_free_all(hdrs);
	curl_mime_free(mime);
	*answer = a.buf;
	return status;
}

long
demo_http_get(const char *url)
{
	struct answer	a = { NULL, 0 };
	long		status;

	status = request(NULL, "GET", url, NULL, NULL, NULL, &a, 2);
	free(a.buf);
	return status;
}

long
demo_http_fetch(const char *url, char **body, long timeout)
{
	struct answer	a = { NULL, 0 };
	long		status;

	status = request(NULL, "GET", url, NULL, NULL, NULL, &a, timeout);
	*body = a.buf;
	return status;
}
