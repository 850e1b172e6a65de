/*
 * upload: the member's upload page and what it receives.
 *
 *   GET  /u/<token>     the page, in the member's language
 *   GET  /u/upload.js   its script and its style sheet (relative to the
 *   GET  /u/upload.css  page: proxies may serve quitx under a prefix)
 *   POST /u/<token>     multipart/form-data of archive files (the page,
 *                       its no-JavaScript form, curl -F), or a zip as the
 *                       body (curl --data-binary, Content-Type:
 *                       application/zip)
 *
 * The link is checked before a byte of body is read; a declared length
 * over the limit is refused (413) at once, and a body that grows past it
 * is refused as soon as it does.  Parts are spooled to files (0600, in
 * uploads/ beside the store) since a zip is read from its end; the
 * worker thread ingests them and deletes them, read or refused.  The
 * answer is JSON when the page asks for it (Accept: application/json),
 * else a small HTML page: the no-JavaScript path.
 */
#define LOG_TAG "upload"
#include "httpd-internal.h"
#include "quitx/httpd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "quitx/config.h"
#include "quitx/daemon.h"
#include "quitx/log.h"
#include "quitx/quote.h"
#include "quitx/store.h"
#include "quitx/upload-text.h"
#include "quitx/upload-worker.h"
#include "quitx/www.h"
#include "quitx/xmalloc.h"

/* base64url of 32 bytes is 43 characters; accept a little either way */
#define TOKEN_MIN	22
#define TOKEN_MAX	64
#define UPLOAD_FILES_MAX	32
#define UPLOAD_NAME_MAX		100
/* what a member waits for their archive to be read, at most */
#define UPLOAD_WAIT_SECONDS	900
/* uploads waiting for the worker before new ones are told to retry */
#define UPLOAD_QUEUE_MAX	8
/* bodies being received at once, and how long one may take */
#define UPLOAD_ACTIVE_MAX	16
#define UPLOAD_BODY_SECONDS	1800

static int	uploads_active;		/* upload_req alive (loop thread) */

struct upload_req {
	struct lws		*wsi;
	int64_t			 member_id;
	enum lang		 lang;
	char			*claim;
	int			 json;		/* answer in JSON */
	int			 raw;		/* the body is the zip */
	uint64_t		 received, limit;
	int			 refused;	/* answered: discard the rest */
	int			 submitted;	/* at the worker: ignore the rest */
	int			 throttled;	/* reading stopped meanwhile */
	time_t			 started;
	struct lws_spa		*spa;
	int			 fd;		/* the part being spooled */
	struct upload_file	 files[UPLOAD_FILES_MAX];
	size_t			 nfiles;
	struct upload_job	*job;		/* at the worker */
};

static struct daemon_state *
state_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

static int
token_ok(const char *t)
{
	size_t	n = strlen(t);

	return n >= TOKEN_MIN && n <= TOKEN_MAX && strspn(t,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == n;
}

/*
 * The member an upload link belongs to: 1 (valid), 0 (unknown), 2
 * (expired), -1 (the store failed).
 */
static int
token_member(struct daemon_state *ds, const char *token, int64_t *member_id,
    enum lang *lang, char **claim)
{
	unsigned char	hash[EVP_MAX_MD_SIZE];
	unsigned int	hlen = 0;

	*claim = NULL;
	if (!token_ok(token))
		return 0;
	if (EVP_Digest(token, strlen(token), hash, &hlen, EVP_sha256(),
	    NULL) != 1)
		return -1;
	return store_upload_token_find(ds->store, hash, hlen,
	    (int64_t)time(NULL), member_id, lang, claim);
}

/* A whole HTML page around one message, in lang ("en" and "fr": both). */
static char *
message_page(const char *lang, const char *title, const char *const *msgs,
    size_t n)
{
	char	*body = xstrdup(""), *esc, *t;
	size_t	 i;

	for (i = 0; i < n; i++) {
		esc = html_escape(msgs[i]);
		t = xasprintf("%s<p>%s</p>\n", body, esc);
		free(esc);
		free(body);
		body = t;
	}
	t = xasprintf("<!doctype html>\n<html lang=\"%s\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" content="
	    "\"width=device-width, initial-scale=1\">\n<meta name=\"robots\""
	    " content=\"noindex\">\n<title>%s</title>\n<style>body{max-width:"
	    "38rem;margin:0 auto;padding:1rem 1.25rem;font:1.05rem/1.5 "
	    "system-ui,sans-serif}</style>\n</head>\n<body>\n<h1>%s</h1>\n%s"
	    "</body>\n</html>\n", lang, title, title, body);
	free(body);
	return t;
}

/*
 * j as compact JSON, taken over; never NULL: jansson refuses text that
 * is not UTF-8, and an answer must go out whatever went into it.
 */
static char *
json_take(json_t *j)
{
	char	*body = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	if (body == NULL)
		body = xstrdup("{\"ok\":false,\"message\":\"?\"}");
	return body;
}

/*
 * Answer with one message: JSON {"ok":false,"message":...} for the
 * page's script, else an HTML page.
 */
static int
answer(struct lws *wsi, struct httpd_pss *pss, unsigned status,
    enum lang lang, int json, enum upload_msg which,
    const struct upload_msg_vars *v)
{
	static const char *const titles[LANG_COUNT] = {
		"Your X archive", "Votre archive X",
	};
	char	*msg = upload_text(lang, which, v), *body;

	if (json) {
		body = json_take(json_pack("{s:b, s:s}", "ok", status < 300,
		    "message", msg));
		free(msg);
		return httpd_respond(wsi, pss, status, "application/json",
		    body, strlen(body));
	}
	body = message_page(config_lang_name(lang), titles[lang],
	    (const char *const *)&msg, 1);
	free(msg);
	return httpd_respond(wsi, pss, status, "text/html; charset=utf-8",
	    body, strlen(body));
}

/* An unknown or expired link: we do not know the language, so both. */
static int
answer_link(struct lws *wsi, struct httpd_pss *pss, int json,
    enum upload_msg which)
{
	struct upload_msg_vars	 v;
	const char		*msgs[2];
	char			*en, *fr, *body;
	unsigned		 status = which == UM_LINK_EXPIRED ?
				    HTTP_STATUS_GONE : HTTP_STATUS_NOT_FOUND;

	memset(&v, 0, sizeof(v));
	msgs[0] = en = upload_text(LANG_EN, which, &v);
	msgs[1] = fr = upload_text(LANG_FR, which, &v);
	if (json) {
		body = json_take(json_pack("{s:b, s:s++}", "ok", 0, "message",
		    en, " / ", fr));
	} else
		body = message_page("en", "Upload link · Lien d'envoi", msgs,
		    2);
	free(en);
	free(fr);
	return httpd_respond(wsi, pss, status, json ? "application/json" :
	    "text/html; charset=utf-8", body, strlen(body));
}

/* The page with {{handle}} and {{max_mb}} filled in, HTML-escaped. */
static char *
render_page(enum lang lang, const char *claim, int max_mb, size_t *lenp)
{
	const char	*t = lang == LANG_FR ? www_upload_fr_html :
			    www_upload_en_html, *p;
	char		*handle = html_escape(claim != NULL ? claim : "");
	char		 mb[16], *out = NULL, *o;
	size_t		 cap, hl = strlen(handle), len;

	snprintf(mb, sizeof(mb), "%d", max_mb);
	cap = strlen(t) + 1;
	/* room for every placeholder to grow */
	for (p = t; (p = strstr(p, "{{")) != NULL; p += 2)
		cap += hl + sizeof(mb);
	o = out = xmalloc(cap);
	while ((p = strstr(t, "{{")) != NULL) {
		memcpy(o, t, (size_t)(p - t));
		o += p - t;
		if (strncmp(p, "{{handle}}", 10) == 0) {
			memcpy(o, handle, hl);
			o += hl;
			t = p + 10;
		} else if (strncmp(p, "{{max_mb}}", 10) == 0) {
			len = strlen(mb);
			memcpy(o, mb, len);
			o += len;
			t = p + 10;
		} else {
			*o++ = *p;
			t = p + 1;
		}
	}
	len = strlen(t);
	memcpy(o, t, len + 1);
	*lenp = (size_t)(o - out) + len;
	free(handle);
	return out;
}

static int
header_has(struct lws *wsi, enum lws_token_indexes h, const char *what)
{
	char	buf[256];

	if (lws_hdr_copy(wsi, buf, sizeof(buf), h) <= 0)
		return 0;
	return strcasestr(buf, what) != NULL;
}

/* A spool file for the next part; -1 (logged) on failure. */
static int
spool_open(struct upload_req *up, const char *name)
{
	struct daemon_state	*ds = state_of(up->wsi);
	struct upload_file	*f;
	const char		*base;
	char			*path, name_buf[UPLOAD_NAME_MAX * 4 + 8];
	int			 fd;

	if (up->nfiles == UPLOAD_FILES_MAX)
		return -1;
	path = xasprintf("%s/up-XXXXXX", ds->upload_dir);
	if ((fd = mkostemp(path, O_CLOEXEC)) == -1) {
		log_warn("cannot spool an upload in %s", ds->upload_dir);
		free(path);
		return -1;
	}
	base = name != NULL ? strrchr(name, '/') : NULL;
	base = base != NULL ? base + 1 : name;
	if (base == NULL || *base == '\0')
		base = "file";
	f = &up->files[up->nfiles++];
	f->path = path;
	/* it comes back in messages, pages and JSON: printable ASCII only */
	quote_ascii(name_buf, sizeof(name_buf), base, strlen(base),
	    UPLOAD_NAME_MAX);
	f->name = xstrdup(name_buf);
	up->fd = fd;
	return 0;
}

static int
spool_write(struct upload_req *up, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(up->fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("cannot spool an upload");
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
spool_close(struct upload_req *up)
{
	if (up->fd != -1)
		close(up->fd);
	up->fd = -1;
}

/* Delete what was spooled and is not the worker's. */
static void
req_free(struct upload_req *up)
{
	size_t	i;

	if (up == NULL)
		return;
	spool_close(up);
	if (up->spa != NULL)
		lws_spa_destroy(up->spa);
	for (i = 0; i < up->nfiles; i++) {
		if (up->files[i].path != NULL)
			(void)unlink(up->files[i].path);
		free(up->files[i].path);
		free(up->files[i].name);
	}
	free(up->claim);
	free(up);
	uploads_active--;
}

/* lws_spa hands over each file part of the form here. */
static int
on_part(void *data, const char *name, const char *filename, char *buf,
    int len, enum lws_spa_fileupload_states state)
{
	struct upload_req	*up = data;

	(void)name;
	switch (state) {
	case LWS_UFS_OPEN:
		spool_close(up);
		return spool_open(up, filename);
	case LWS_UFS_CONTENT:
	case LWS_UFS_FINAL_CONTENT:
		if (up->fd == -1)
			return -1;
		if (len > 0 && spool_write(up, buf, (size_t)len) == -1)
			return -1;
		if (state == LWS_UFS_FINAL_CONTENT)
			spool_close(up);
		return 0;
	case LWS_UFS_CLOSE:
		break;
	}
	return 0;
}

/* Refuse a POST before or while reading its body: close afterwards. */
static int
refuse(struct lws *wsi, struct httpd_pss *pss, unsigned status,
    enum upload_msg which)
{
	struct daemon_state	*ds = state_of(wsi);
	struct upload_req	*up = pss->up;
	struct upload_msg_vars	 v;

	memset(&v, 0, sizeof(v));
	v.max_mb = ds->conf->upload_max_mb;
	up->refused = 1;
	pss->close_after = 1;
	return answer(wsi, pss, status, up->lang, up->json, which, &v);
}

static int
start_post(struct lws *wsi, struct httpd_pss *pss, int64_t member_id,
    enum lang lang, char *claim, int json)
{
	struct daemon_state	*ds = state_of(wsi);
	struct upload_req	*up = xcalloc(1, sizeof(*up));
	lws_spa_create_info_t	 si;
	static const char *const params[] = { "lang" };
	char			 cl[32];

	up->wsi = wsi;
	up->member_id = member_id;
	up->lang = lang;
	up->claim = claim;
	up->json = json;
	up->fd = -1;
	up->limit = (uint64_t)ds->conf->upload_max_mb << 20;
	up->started = time(NULL);
	pss->up = up;
	uploads_active++;
	if (lws_hdr_copy(wsi, cl, sizeof(cl),
	    WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
	    strtoull(cl, NULL, 10) > up->limit)
		return refuse(wsi, pss, HTTP_STATUS_REQ_ENTITY_TOO_LARGE,
		    UM_TOO_BIG);
	if (upload_worker_pending(ds->uploads) >= UPLOAD_QUEUE_MAX ||
	    uploads_active > UPLOAD_ACTIVE_MAX)
		return refuse(wsi, pss, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    UM_BUSY);
	if (header_has(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
	    "multipart/form-data")) {
		memset(&si, 0, sizeof(si));
		si.param_names = params;
		si.count_params = 1;
		si.max_storage = 1024;
		si.opt_cb = on_part;
		si.opt_data = up;
		if ((up->spa = lws_spa_create_via_info(wsi, &si)) == NULL)
			return refuse(wsi, pss, HTTP_STATUS_BAD_REQUEST,
			    UM_BAD_TYPE);
	} else if (header_has(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, "zip") ||
	    header_has(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
	    "application/octet-stream")) {
		up->raw = 1;
		if (spool_open(up, "archive.zip") == -1)
			return refuse(wsi, pss,
			    HTTP_STATUS_INTERNAL_SERVER_ERROR, UM_STORE);
	} else
		return refuse(wsi, pss, HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE,
		    UM_BAD_TYPE);
	return 0;	/* the body comes next */
}

int
upload_request(struct lws *wsi, struct httpd_pss *pss, const char *uri,
    int post)
{
	struct daemon_state	*ds = state_of(wsi);
	const char		*token = uri + 3;
	int64_t			 member_id;
	enum lang		 lang;
	char			*claim, *page;
	size_t			 len;
	int			 rc, json;

	if (!post && strcmp(token, "upload.js") == 0)
		return httpd_respond(wsi, pss, HTTP_STATUS_OK,
		    "text/javascript; charset=utf-8", xstrdup(www_upload_js),
		    (size_t)www_upload_js_len);
	if (!post && strcmp(token, "upload.css") == 0)
		return httpd_respond(wsi, pss, HTTP_STATUS_OK,
		    "text/css; charset=utf-8", xstrdup(www_upload_css),
		    (size_t)www_upload_css_len);
	json = header_has(wsi, WSI_TOKEN_HTTP_ACCEPT, "application/json");
	rc = token_member(ds, token, &member_id, &lang, &claim);
	if (rc != 1 && post)
		pss->close_after = 1;	/* its body will not be read */
	if (rc == -1)
		return httpd_respond(wsi, pss, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "text/plain", xstrdup("store unavailable\n"), 18);
	if (rc == 0 || rc == 2)
		return answer_link(wsi, pss, json, rc == 0 ? UM_LINK_UNKNOWN :
		    UM_LINK_EXPIRED);
	if (!post) {
		page = render_page(lang, claim, ds->conf->upload_max_mb, &len);
		free(claim);
		return httpd_respond(wsi, pss, HTTP_STATUS_OK,
		    "text/html; charset=utf-8", page, len);
	}
	return start_post(wsi, pss, member_id, lang, claim, json);
}

int
upload_body(struct lws *wsi, struct httpd_pss *pss, const void *in, size_t len)
{
	struct upload_req	*up = pss->up;

	if (up->refused || up->submitted)
		return 0;
	up->received += len;
	if (up->received > up->limit)
		return refuse(wsi, pss, HTTP_STATUS_REQ_ENTITY_TOO_LARGE,
		    UM_TOO_BIG);
	/* a body that trickles in holds a slot: it gets a deadline */
	if (time(NULL) - up->started > UPLOAD_BODY_SECONDS)
		return refuse(wsi, pss, HTTP_STATUS_REQUEST_TIMEOUT,
		    UM_TOO_SLOW);
	if (up->raw) {
		if (spool_write(up, in, len) == -1)
			return refuse(wsi, pss,
			    HTTP_STATUS_INTERNAL_SERVER_ERROR, UM_STORE);
		return 0;
	}
	if (lws_spa_process(up->spa, in, (int)len) != 0) {
		/* a full disk, or more than UPLOAD_FILES_MAX parts */
		return refuse(wsi, pss, up->nfiles == UPLOAD_FILES_MAX ?
		    HTTP_STATUS_BAD_REQUEST : HTTP_STATUS_INTERNAL_SERVER_ERROR,
		    up->nfiles == UPLOAD_FILES_MAX ? UM_NOT_ARCHIVE : UM_STORE);
	}
	return 0;
}

int
upload_body_done(struct lws *wsi, struct httpd_pss *pss)
{
	struct daemon_state	*ds = state_of(wsi);
	struct upload_req	*up = pss->up;
	struct upload_job	*job;
	size_t			 i;

	if (up->refused)
		return 0;
	if (up->submitted) {
		/*
		 * Bytes after the body (a stray CRLF) have lws call this
		 * again and again while the archive is read: stop reading
		 * until the answer goes.
		 */
		if (!up->throttled)
			lws_rx_flow_control(wsi, 0);
		up->throttled = 1;
		return 0;
	}
	if (up->spa != NULL) {
		lws_spa_finalize(up->spa);
		lws_spa_destroy(up->spa);
		up->spa = NULL;
	}
	spool_close(up);
	if (up->nfiles == 0)
		return refuse(wsi, pss, HTTP_STATUS_BAD_REQUEST, UM_NO_FILE);
	job = xcalloc(1, sizeof(*job));
	job->member_id = up->member_id;
	job->files = xcalloc(up->nfiles, sizeof(*job->files));
	for (i = 0; i < up->nfiles; i++) {
		job->files[i] = up->files[i];	/* the worker's now */
		memset(&up->files[i], 0, sizeof(up->files[i]));
	}
	job->nfiles = up->nfiles;
	up->nfiles = 0;
	job->owner = pss;
	up->job = job;
	up->submitted = 1;
	/* whatever follows the body is not read as a next request */
	pss->close_after = 1;
	log_info("upload for member %" PRId64 ": %zu file%s, %" PRIu64
	    " bytes, reading", up->member_id, job->nfiles,
	    job->nfiles == 1 ? "" : "s", up->received);
	upload_worker_submit(ds->uploads, job);
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, UPLOAD_WAIT_SECONDS);
	return 0;
}

static const enum upload_msg err_msgs[] = {
	[INGEST_OK] = UM_OK,
	[INGEST_STORE] = UM_STORE,
	[INGEST_NOT_ARCHIVE] = UM_NOT_ARCHIVE,
	[INGEST_BAD_FILE] = UM_BAD_FILE,
	[INGEST_BAD_ZIP] = UM_BAD_ZIP,
	[INGEST_NO_ACCOUNT] = UM_NO_ACCOUNT,
	[INGEST_NO_FOLLOWS] = UM_NO_FOLLOWS,
	[INGEST_TWO_ACCOUNTS] = UM_TWO_ACCOUNTS,
};

void
upload_job_done(struct upload_job *job, void *arg)
{
	struct httpd_pss	*pss = job->owner;
	struct upload_req	*up;
	struct upload_msg_vars	 v;
	enum upload_msg		 which;
	unsigned		 status;
	char			*msg, *body, esc[512];
	int			 proven;

	(void)arg;
	if (job->failed)
		log_info("upload for member %" PRId64 " refused: %s",
		    job->member_id, log_escape(esc, sizeof(esc), job->detail));
	else
		log_info("upload for member %" PRId64 ": @%s, %" PRId64
		    " followers, %" PRId64 " following%s", job->member_id,
		    job->res.x_handle, job->res.followers, job->res.following,
		    job->res.outcome.claim == UPLOAD_CLAIM_MISMATCH ?
		    " (not the handle they claimed)" : "");
	if (pss == NULL) {	/* they left: the archive is in all the same */
		upload_job_free(job);
		return;
	}
	up = pss->up;
	up->job = NULL;
	if (up->throttled)
		lws_rx_flow_control(up->wsi, 1);
	memset(&v, 0, sizeof(v));
	v.handle = job->res.x_handle;
	v.claimed = job->res.outcome.claimed;
	v.followers = job->res.followers;
	v.following = job->res.following;
	v.detail = job->detail;
	proven = !job->failed &&
	    job->res.outcome.claim == UPLOAD_CLAIM_PROVEN;
	which = job->failed ? err_msgs[job->err] :
	    proven ? UM_OK : UM_MISMATCH;
	status = !job->failed ? HTTP_STATUS_OK :
	    job->err == INGEST_STORE ? HTTP_STATUS_INTERNAL_SERVER_ERROR :
	    422;
	if (job->failed || !up->json) {
		(void)answer(up->wsi, pss, status, up->lang, up->json, which,
		    &v);
	} else {
		msg = upload_text(up->lang, which, &v);
		body = json_take(json_pack("{s:b, s:I, s:I, s:s, s:b, s:s}",
		    "ok", 1, "followers", (json_int_t)job->res.followers,
		    "following", (json_int_t)job->res.following, "x_handle",
		    job->res.x_handle, "verified", proven, "message", msg));
		free(msg);
		(void)httpd_respond(up->wsi, pss, status, "application/json",
		    body, strlen(body));
	}
	upload_job_free(job);
}

void
upload_closed(struct httpd_pss *pss)
{
	struct upload_req	*up = pss->up;

	if (up == NULL)
		return;
	if (up->job != NULL)
		up->job->owner = NULL;
	req_free(up);
	pss->up = NULL;
}
