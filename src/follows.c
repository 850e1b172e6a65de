/*
 * follows: the follows-import links and the file behind them
 * (follows.h).
 *
 *   GET|HEAD /f/<token>   the member's CSV, as an attachment
 *
 * The token is checked for its exact shape before it is hashed or looked
 * up, and never logged (log.c redacts it from libwebsockets' lines).
 * Unknown and malformed links get the same answer: no one learns which
 * shapes are worth trying.  The file is built whole per request: a few
 * hundred lines at most.
 */
#define LOG_TAG "follows"
#include "quitx/follows.h"
#include "httpd-internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quitx/campaign-text.h"
#include "quitx/daemon.h"
#include "quitx/log.h"
#include "quitx/token.h"
#include "quitx/xmalloc.h"

#define NOT_FOUND	"Unknown link. / Lien inconnu.\n"
#define GONE		"This link has expired: reply \"suggestions\" to the " \
			"bot for a new one.\n" \
			"Ce lien a expir\xc3\xa9 : r\xc3\xa9pondez " \
			"\xc2\xab suggestions \xc2\xbb au bot pour en avoir " \
			"un nouveau.\n"

char *
follows_link(struct store *st, const char *public_url, int64_t member_id,
    int64_t now)
{
	char		token[TOKEN_CHARS + 1], *link;
	unsigned char	hash[TOKEN_HASH_LEN];

	token_new(token, hash);
	if (store_follows_token_add(st, member_id, hash, sizeof(hash), now,
	    now + (int64_t)FOLLOWS_LINK_DAYS * 86400) == -1) {
		explicit_bzero(token, sizeof(token));
		return NULL;
	}
	link = xasprintf("%s/f/%s", public_url, token);
	explicit_bzero(token, sizeof(token));
	return link;
}

static int
header(struct lws *wsi, const char *name, const char *value,
    unsigned char **p, unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
	    (const unsigned char *)value, (int)strlen(value), p, end);
}

/*
 * httpd_respond with the headers a personal file wants: not cached, not
 * indexed, its address never sent on as a referrer, and saved under the
 * name Mastodon's import recognises.
 */
static int
respond(struct lws *wsi, struct httpd_pss *pss, unsigned status,
    const char *type, char *body, size_t len)
{
	unsigned char	 buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start;
	unsigned char	*end = buf + sizeof(buf) - 1;

	free(pss->body);
	pss->body = body;
	pss->len = len;
	pss->off = 0;
	if (lws_add_http_common_headers(wsi, status, type, len, &p, end) ||
	    header(wsi, "cache-control:", "no-store", &p, end) ||
	    header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
	    header(wsi, "x-robots-tag:", "noindex", &p, end) ||
	    header(wsi, "referrer-policy:", "no-referrer", &p, end) ||
	    (status == HTTP_STATUS_OK && header(wsi, "content-disposition:",
	    "attachment; filename=\"following_accounts.csv\"", &p, end)) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (pss->head) {
		free(pss->body);
		pss->body = NULL;
		pss->len = 0;
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	}
	lws_callback_on_writable(wsi);
	return 0;
}

int
follows_request(struct lws *wsi, struct httpd_pss *pss, const char *uri)
{
	struct daemon_state	*ds = lws_context_user(lws_get_context(wsi));
	const char		*token = uri + 3;	/* "/f/" */
	unsigned char		 hash[TOKEN_HASH_LEN];
	int64_t			 member_id = 0;
	char			**accounts, *csv;
	size_t			 n, len, i;
	int			 rc;

	if (!token_shape_ok(token))
		return respond(wsi, pss, HTTP_STATUS_NOT_FOUND,
		    "text/plain; charset=utf-8", xstrdup(NOT_FOUND),
		    strlen(NOT_FOUND));
	token_hash(token, hash);
	rc = store_follows_token_find(ds->store, hash, sizeof(hash),
	    (int64_t)time(NULL), &member_id);
	explicit_bzero(hash, sizeof(hash));
	if (rc == 1 && store_follows_accounts(ds->store, member_id,
	    &accounts, &n) == -1)
		rc = -1;
	switch (rc) {
	case 0:
		return respond(wsi, pss, HTTP_STATUS_NOT_FOUND,
		    "text/plain; charset=utf-8", xstrdup(NOT_FOUND),
		    strlen(NOT_FOUND));
	case 2:
		return respond(wsi, pss, HTTP_STATUS_GONE,
		    "text/plain; charset=utf-8", xstrdup(GONE), strlen(GONE));
	case 1:
		break;
	default:
		return respond(wsi, pss, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "text/plain", xstrdup("store unavailable\n"), 18);
	}
	csv = campaign_follows_csv((const char *const *)accounts, n, &len);
	for (i = 0; i < n; i++)
		free(accounts[i]);
	free(accounts);
	log_info("follows file for member %" PRId64 ": %zu account%s",
	    member_id, n, n == 1 ? "" : "s");
	return respond(wsi, pss, HTTP_STATUS_OK, "text/csv; charset=utf-8",
	    csv, len);
}
