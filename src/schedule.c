/*
 * schedule: scheduled posts' bodies, their composition per network and
 * their hand-over to the outbox.  See schedule.h.
 */
#define LOG_TAG "schedule"
#include "quitx/schedule.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/campaign.h"
#include "quitx/campaign-text.h"
#include "quitx/clock.h"
#include "quitx/log.h"
#include "quitx/outbox-body.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

/* rows handed over per call: the loop never stalls on a backlog */
#define DUE_BATCH	32

void
schedule_body_clear(struct schedule_body *b)
{
	size_t	i;

	for (i = 0; i < b->nparts; i++)
		free(b->parts[i]);
	free(b->parts);
	for (i = 0; i < b->nimages; i++) {
		free(b->images[i].file);
		free(b->images[i].alt);
	}
	memset(b, 0, sizeof(*b));
}

int
schedule_body_parse(const char *json, struct schedule_body *b, char *why,
    size_t whysize)
{
	json_t		*o, *parts, *images, *v, *file, *alt, *na, *lang;
	size_t		 i;

	memset(b, 0, sizeof(*b));
	if ((o = json_loads(json, 0, NULL)) == NULL || !json_is_object(o)) {
		snprintf(why, whysize, "the body is not a JSON object");
		json_decref(o);
		return -1;
	}
	parts = json_object_get(o, "parts");
	images = json_object_get(o, "images");
	na = json_object_get(o, "not_after");
	lang = json_object_get(o, "lang");
	if (!json_is_array(parts) || json_array_size(parts) == 0) {
		snprintf(why, whysize, "the body has no parts");
		goto fail;
	}
	json_array_foreach(parts, i, v) {
		if (!json_is_string(v)) {
			snprintf(why, whysize, "part %zu is not a string",
			    i + 1);
			goto fail;
		}
	}
	b->parts = xcalloc(json_array_size(parts), sizeof(*b->parts));
	json_array_foreach(parts, i, v)
		b->parts[b->nparts++] = xstrdup(json_string_value(v));
	if (images != NULL && (!json_is_array(images) ||
	    json_array_size(images) > SCHEDULE_IMAGES_MAX)) {
		snprintf(why, whysize, "images: at most %d {file, alt}",
		    SCHEDULE_IMAGES_MAX);
		goto fail;
	}
	json_array_foreach(images, i, v) {
		file = json_object_get(v, "file");
		alt = json_object_get(v, "alt");
		if (!json_is_string(file) || !json_is_string(alt)) {
			snprintf(why, whysize, "image %zu needs a file and "
			    "an alt text", i + 1);
			goto fail;
		}
		b->images[b->nimages].file = xstrdup(json_string_value(file));
		b->images[b->nimages].alt = xstrdup(json_string_value(alt));
		b->nimages++;
	}
	if (na != NULL && !json_is_null(na)) {
		if (!json_is_integer(na) || json_integer_value(na) < 0) {
			snprintf(why, whysize, "not_after is not a time");
			goto fail;
		}
		b->not_after = (int64_t)json_integer_value(na);
	}
	b->lang = LANG_EN;
	if (json_is_string(lang) && strcmp(json_string_value(lang), "fr") == 0)
		b->lang = LANG_FR;
	json_decref(o);
	return 0;
fail:
	json_decref(o);
	schedule_body_clear(b);
	return -1;
}

char *
schedule_body_dump(const struct schedule_body *b)
{
	json_t	*o, *parts, *images;
	char	*s;
	size_t	 i;

	parts = json_array();
	for (i = 0; i < b->nparts; i++)
		json_array_append_new(parts, json_string(b->parts[i]));
	o = json_pack("{s:o, s:s}", "parts", parts, "lang",
	    config_lang_name(b->lang));
	if (b->nimages > 0) {
		images = json_array();
		for (i = 0; i < b->nimages; i++)
			json_array_append_new(images, json_pack("{s:s, s:s}",
			    "file", b->images[i].file, "alt",
			    b->images[i].alt));
		json_object_set_new(o, "images", images);
	}
	if (b->not_after > 0)
		json_object_set_new(o, "not_after",
		    json_integer((json_int_t)b->not_after));
	/* the texts were checked UTF-8 where they came in (config, CLI) */
	if (o == NULL || json_array_size(parts) != b->nparts ||
	    (s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("a scheduled post's body: a text is not UTF-8");
	json_decref(o);
	return s;
}

/*
 * body with the pictures of b under key: each {file, alt}, which the
 * sender uploads and then notes its network's id in (outbox-body.h).
 */
static char *
with_images(char *body, const char *key, const struct schedule_body *b)
{
	json_t	*o, *images;
	char	*s;
	size_t	 i;

	if ((o = json_loads(body, 0, NULL)) == NULL)
		fatalx("a body just made is not JSON");
	images = json_array();
	for (i = 0; i < b->nimages; i++)
		json_array_append_new(images, json_pack("{s:s, s:s}", "file",
		    b->images[i].file, "alt", b->images[i].alt));
	json_object_set_new(o, key, images);
	if ((s = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("out of memory");
	json_decref(o);
	free(body);
	return s;
}

void
schedule_msgs_free(struct schedule_msg *m, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(m[i].text);
		json_decref(m[i].facets);
		free(m[i].body);
	}
	free(m);
}

int
schedule_compose(const struct schedule_body *b, enum network net,
    int max_chars, richtext_resolve_fn resolve, void *arg, int64_t now,
    struct schedule_msg **msgs, size_t *nmsgs, char *why, size_t whysize)
{
	struct schedule_msg	*m;
	const char		*t;
	size_t			 i, len;

	*msgs = NULL;
	*nmsgs = 0;
	m = xcalloc(b->nparts + 1, sizeof(*m));
	for (i = 0; i < b->nparts; i++) {
		t = b->parts[i];
		len = strlen(t);
		if (len == 0 || !richtext_utf8_valid(t, len)) {
			snprintf(why, whysize, "part %zu is %s", i + 1,
			    len == 0 ? "empty" : "not valid UTF-8");
			goto fail;
		}
		m[i].text = xstrdup(t);
		if (net == NETWORK_MASTODON) {
			m[i].limit = max_chars > 0 ? (size_t)max_chars :
			    SCHEDULE_MASTODON_CHARS;
			/* Mastodon counts every URL as 23 characters */
			m[i].length = campaign_mastodon_length(t);
			if (m[i].length > m[i].limit) {
				snprintf(why, whysize, "part %zu is %zu "
				    "characters; Mastodon allows %zu", i + 1,
				    m[i].length, m[i].limit);
				goto fail;
			}
			m[i].body = outbox_mastodon_status(t, VIS_PUBLIC,
			    b->lang);
			if (i == 0 && b->nimages > 0) {
				m[i].body = with_images(m[i].body,
				    OUTBOX_MASTODON_IMAGES, b);
				m[i].nimages = b->nimages;
			}
			continue;
		}
		m[i].limit = RICHTEXT_POST_GRAPHEMES;
		m[i].length = richtext_graphemes(t, len);
		if (m[i].length > RICHTEXT_POST_GRAPHEMES) {
			snprintf(why, whysize, "part %zu is %zu graphemes; "
			    "Bluesky allows %d", i + 1, m[i].length,
			    RICHTEXT_POST_GRAPHEMES);
			goto fail;
		}
		if (len > RICHTEXT_POST_BYTES) {
			snprintf(why, whysize, "part %zu is %zu bytes; "
			    "Bluesky allows %d", i + 1, len,
			    RICHTEXT_POST_BYTES);
			goto fail;
		}
		m[i].facets = richtext_facets(t, resolve, arg);
		m[i].body = outbox_bluesky_post(t, m[i].facets, NULL, b->lang,
		    now);
		if (i == 0 && b->nimages > 0) {
			m[i].body = with_images(m[i].body, OUTBOX_BLUESKY_IMAGES,
			    b);
			m[i].nimages = b->nimages;
		}
	}
	*msgs = m;
	*nmsgs = b->nparts;
	return 0;
fail:
	schedule_msgs_free(m, b->nparts);
	return -1;
}

/* A line of spaces only (or none). */
static int
blank_line(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return 0;
	return 1;
}

static void
add_part(char ***parts, size_t *n, const char *s, const char *e)
{
	/* the line breaks around a part are not part of it */
	while (s < e && (*s == '\n' || *s == '\r'))
		s++;
	while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' ||
	    e[-1] == '\t'))
		e--;
	if (e == s)
		return;
	*parts = xreallocarray(*parts, *n + 2, sizeof(**parts));
	(*parts)[(*n)++] = xasprintf("%.*s", (int)(e - s), s);
	(*parts)[*n] = NULL;
}

size_t
schedule_split_thread(const char *text, char ***parts)
{
	const char	*line = text, *nl, *start = text;
	size_t		 n = 0;

	*parts = NULL;
	for (;;) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = line + strlen(line);
		if (blank_line(line, nl)) {
			add_part(parts, &n, start, line);
			start = nl;
		}
		if (*nl == '\0')
			break;
		line = nl + 1;
	}
	add_part(parts, &n, start, text + strlen(text));
	return n;
}

const char *
schedule_resolve_member(const char *handle, void *arg)
{
	struct schedule_resolver	*r = arg;
	struct member			 m;
	int				 ok;

	if (store_member_find(r->st, handle, &m) != 1)
		return NULL;
	ok = m.network == NETWORK_BLUESKY && strncmp(m.account, "did:",
	    4) == 0 && strlen(m.account) < sizeof(r->did);
	if (ok)
		snprintf(r->did, sizeof(r->did), "%s", m.account);
	member_clear(&m);
	return ok ? r->did : NULL;
}

int
schedule_max_chars_known(struct store *st, int64_t bot_account_id)
{
	char	key[64];
	int64_t	v;

	snprintf(key, sizeof(key), SCHEDULE_MAX_CHARS_KEY,
	    (long long)bot_account_id);
	if (store_campaign_get_int(st, key, &v) == 1 && v > 0 && v < 1000000)
		return (int)v;
	return SCHEDULE_MASTODON_CHARS;
}

/* Mark r skipped (logged with why); 0 or -1. */
static int
skip(struct store *st, const struct sched_row *r, int64_t now_real,
    const char *why)
{
	if (store_schedule_set_state(st, r->id, "pending", "skipped",
	    now_real) == -1)
		return -1;
	log_warnx("scheduled post %" PRId64 " (%s) from @%s skipped: %s",
	    r->id, r->dedupe_key, r->bot_handle != NULL ? r->bot_handle : "?",
	    why);
	return 0;
}

/* One due row into the outbox, in the caller's transaction.  0 or -1. */
static int
hand_over(struct store *st, const struct sched_row *r, int64_t now_cal,
    int64_t now_real, int max_chars)
{
	struct schedule_body		 b;
	struct schedule_resolver	 res;
	struct schedule_msg		*m = NULL;
	struct outbox_new		 row;
	char				 why[256], at[64], *idem;
	size_t				 n = 0, i;
	int64_t				 parent = 0, id, expires = 0;
	double				 speed;
	int				 rc = 0;

	if (schedule_body_parse(r->body, &b, why, sizeof(why)) == -1)
		return skip(st, r, now_real, why);
	if (b.not_after > 0 && now_cal > b.not_after) {
		clock_format_in("UTC", r->run_at, at, sizeof(at));
		snprintf(why, sizeof(why), "it was due at %s and its grace "
		    "period is over (was the daemon down?): never posted "
		    "late", at);
		rc = skip(st, r, now_real, why);
		goto out;
	}
	if (r->bot_handle == NULL || !r->bot_active) {
		rc = skip(st, r, now_real, "its bot account is no longer "
		    "configured");
		goto out;
	}
	memset(&res, 0, sizeof(res));
	res.st = st;
	if (schedule_compose(&b, r->network, max_chars,
	    schedule_resolve_member, &res, now_real, &m, &n, why,
	    sizeof(why)) == -1) {
		rc = skip(st, r, now_real, why);
		goto out;
	}
	/*
	 * The deadline holds in the outbox too: a post that waits there
	 * past it (a full budget, a 429 storm) is cancelled, not sent late.
	 * The pacer counts real seconds; a simulated clock runs faster.
	 */
	if (b.not_after > 0) {
		if (!clock_simulated(&speed))
			speed = 1;
		expires = now_real + (int64_t)((double)(b.not_after -
		    now_cal) / speed) + 1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		idem = xasprintf("sched:%" PRId64 ":%zu", r->id, i + 1);
		memset(&row, 0, sizeof(row));
		row.bot_account_id = r->bot_account_id;
		row.thread_parent_id = parent;
		row.kind = r->kind;
		row.priority = PRIORITY_ANNOUNCE;
		/* the first part: the others follow it once it is out */
		row.expires_at = i == 0 ? expires : 0;
		row.idem_key = idem;
		row.body = m[i].body;
		row.not_before = now_real;
		if (store_outbox_add(st, &row, &id) == -1)
			rc = -1;
		parent = id;
		free(idem);
	}
	if (rc == 0 && store_schedule_set_state(st, r->id, "pending",
	    "queued", now_real) != 1)
		rc = -1;	/* cancelled meanwhile: the caller rolls back */
	if (rc == 0)
		log_info("scheduled post %" PRId64 " (%s) from @%s: %zu "
		    "post%s queued", r->id, r->dedupe_key, r->bot_handle, n,
		    n == 1 ? "" : "s");
out:
	schedule_msgs_free(m, n);
	schedule_body_clear(&b);
	return rc;
}

int
schedule_run_due(struct store *st, int64_t now_cal, int64_t now_real,
    int (*max_chars)(int64_t bot_id, void *arg), void *arg)
{
	struct sched_row	 due[DUE_BATCH];
	int			 n, i, done = 0, chars;

	if ((n = store_schedule_due(st, now_cal, due, DUE_BATCH)) <= 0)
		return n;
	for (i = 0; i < n; i++) {
		chars = max_chars != NULL ? max_chars(due[i].bot_account_id,
		    arg) : 0;
		if (chars <= 0)
			chars = schedule_max_chars_known(st,
			    due[i].bot_account_id);
		if (store_transaction_begin(st) == -1)
			break;
		if (hand_over(st, &due[i], now_cal, now_real, chars) == -1 ||
		    store_transaction_commit(st) == -1) {
			store_transaction_rollback(st);
			continue;
		}
		done++;
	}
	for (i = 0; i < n; i++)
		sched_row_clear(&due[i]);
	return done;
}
