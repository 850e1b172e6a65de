/*
 * mastodon-send: an outbox row becomes POST /api/v1/statuses.
 *
 * The row's body is the request's JSON (status, visibility, language,
 * in_reply_to_id).  Keys starting with "quitx_" are ours and are taken
 * out before sending: "quitx_to" names the account a direct message is
 * for, so that a 200 whose mentions[] lacks it (Mastodon silently drops
 * a mention it cannot resolve) is reported as undelivered, not sent.
 * The row's idempotency key goes in Idempotency-Key: the server answers
 * a repeat with the status it already made.
 */
#define LOG_TAG "mastodon"
#include "mastodon-internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "quitx/http.h"
#include "quitx/log.h"
#include "quitx/outbox.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

struct send_ctx {
	struct mastodon	*m;
	send_done_fn	 done;
	void		*arg;
	char		*to;		/* quitx_to: the DM's recipient */
};

/* acct as the bot's server writes it: "user" for its own users. */
static int
acct_matches(const struct mastodon *m, const char *got, const char *want)
{
	const char	*host;
	size_t		 n;

	if (strcasecmp(got, want) == 0)
		return 1;
	/*
	 * "user" == "user@our.domain": the instance's account domain, or
	 * the host of its API (how quitx spells local members).
	 */
	n = strlen(got);
	if (strchr(got, '@') != NULL || strncasecmp(got, want, n) != 0 ||
	    want[n] != '@')
		return 0;
	want += n + 1;
	host = m->server + strlen("https://");
	return (m->domain != NULL && strcasecmp(want, m->domain) == 0) ||
	    (strncasecmp(want, host, strcspn(host, ":")) == 0 &&
	    want[strcspn(host, ":")] == '\0');
}

static int
mentions_include(const struct mastodon *m, json_t *status, const char *to)
{
	json_t		*mention;
	const char	*acct;
	size_t		 i;

	json_array_foreach(json_object_get(status, "mentions"), i, mention) {
		acct = json_string_value(json_object_get(mention, "acct"));
		if (acct != NULL && acct_matches(m, acct, to))
			return 1;
	}
	return 0;
}

static void
finish(struct send_ctx *c, enum send_outcome outcome, const char *remote_id,
    const char *error, time_t retry_at)
{
	struct send_result	 res;
	struct mastodon		*m = c->m;

	res.outcome = outcome;
	res.remote_id = remote_id;
	res.error = error;
	res.retry_at = retry_at;
	m->send_req = NULL;
	m->send_ctx = NULL;
	c->done(&res, c->arg);
	free(c->to);
	free(c);
}

static void
on_posted(const struct http_response *res, void *arg)
{
	struct send_ctx	*c = arg;
	struct mastodon	*m = c->m;
	json_t		*root = NULL;
	json_error_t	 jerr;
	const char	*id = NULL;
	char		*why, *msg;
	time_t		 reset;

	/* statuses have their own, tighter limiter: keep it apart */
	if (res->rl.present)
		m->rl_post = res->rl;
	if (res->status == 0) {
		finish(c, SEND_RETRY, NULL, res->error, 0);
		return;
	}
	if (res->status >= 200 && res->status < 300) {
		root = json_loadb(res->body, res->len, 0, &jerr);
		id = json_string_value(json_object_get(root, "id"));
		if (id == NULL)
			/* the post may exist: the same key makes a retry safe */
			finish(c, SEND_RETRY, NULL, "answer without a status "
			    "id", 0);
		else if (c->to != NULL && !mentions_include(m, root, c->to)) {
			/* posted, but to nobody: keep its id for the record */
			msg = xasprintf("@%s could not be mentioned: the "
			    "message reached nobody", c->to);
			finish(c, SEND_REFUSED, id, msg, 0);
			free(msg);
		} else
			finish(c, SEND_OK, id, NULL, 0);
		json_decref(root);
		return;
	}
	why = mastodon_error_text(res->body, res->len, res->status);
	if (res->status == 429) {
		reset = res->rl.reset > 0 ? res->rl.reset : time(NULL) + 60;
		finish(c, SEND_RATE_LIMITED, NULL, why, reset);
	} else if (res->status >= 500 || res->status == 408)
		finish(c, SEND_RETRY, NULL, why, 0);
	else if (res->status == 401) {
		/* not this row's fault: it waits for a working token */
		finish(c, SEND_RETRY, NULL, why, 0);
		mastodon_disable(m, why);
	} else
		finish(c, SEND_REFUSED, NULL, why, 0);
	free(why);
}

/* The request body: the row's JSON without our keys, threaded if need be. */
static char *
request_body(const struct outbox_row *row, char **to, char *err,
    size_t errsize)
{
	json_t		*body, *v;
	json_error_t	 jerr;
	const char	*key;
	void		*tmp;
	char		*text;

	*to = NULL;
	body = json_loads(row->body, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(body) ||
	    !json_is_string(json_object_get(body, "status"))) {
		snprintf(err, errsize, "row body is not a status object");
		json_decref(body);
		return NULL;
	}
	if ((v = json_object_get(body, "quitx_to")) != NULL &&
	    json_is_string(v))
		*to = xstrdup(json_string_value(v));
	json_object_foreach_safe(body, tmp, key, v)
		if (strncmp(key, "quitx_", 6) == 0)
			json_object_del(body, key);
	if (row->parent_remote_id != NULL &&
	    json_object_get(body, "in_reply_to_id") == NULL)
		json_object_set_new(body, "in_reply_to_id",
		    json_string(row->parent_remote_id));
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return text;
}

static void
send_row(void *net, const struct outbox_row *row, send_done_fn done,
    void *arg)
{
	struct mastodon		*m = net;
	struct send_result	 res;
	struct send_ctx		*c;
	char			*body, *to, *url, *key, err[128];

	if ((body = request_body(row, &to, err, sizeof(err))) == NULL) {
		memset(&res, 0, sizeof(res));
		res.outcome = SEND_REFUSED;
		res.error = err;
		done(&res, arg);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->m = m;
	c->done = done;
	c->arg = arg;
	c->to = to;
	m->send_ctx = c;
	url = xasprintf("%s/api/v1/statuses", m->server);
	m->send_req = http_request_new(m->env.http, "POST", url);
	free(url);
	http_request_header(m->send_req, m->auth);
	key = xasprintf("Idempotency-Key: %s", row->idem_key);
	http_request_header(m->send_req, key);
	free(key);
	http_request_body(m->send_req, "application/json", body,
	    strlen(body));
	free(body);
	http_request_send(m->send_req, on_posted, c);
}

/* Keep the last requests of the window for reading notifications. */
#define BUDGET_RESERVE	5

/* Wait for a reset rather than spend the budget on 429s. */
static time_t
ready_at(void *net, time_t now)
{
	struct mastodon	*m = net;
	time_t		 when = now;

	if (m->rl.present && m->rl.remaining <= BUDGET_RESERVE &&
	    m->rl.reset > when)
		when = m->rl.reset;
	if (m->rl_post.present && m->rl_post.remaining <= 0 &&
	    m->rl_post.reset > when)
		when = m->rl_post.reset;
	return when;
}

/* Drop a send in flight without a callback (the account is freed). */
void
mastodon_send_cancel(struct mastodon *m)
{
	struct send_ctx	*c = m->send_ctx;

	http_request_cancel(m->send_req);
	m->send_req = NULL;
	if (c != NULL) {
		free(c->to);
		free(c);
	}
	m->send_ctx = NULL;
}

static int
usable(void *net)
{
	struct mastodon	*m = net;

	return !m->stopping && m->state != MASTODON_DISABLED &&
	    m->state != MASTODON_STARTING;
}

void
mastodon_send_start(struct mastodon *m)
{
	struct outbox_net	net;

	if (m->pacer != NULL)
		return;
	net.send = send_row;
	net.ready_at = ready_at;
	net.usable = usable;
	net.net = m;
	m->pacer = outbox_pacer_create(m->env.lws, m->env.store,
	    m->bot_account_id, m->label, &net);
}
