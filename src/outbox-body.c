/*
 * outbox-body: the rows' bodies.  See outbox-body.h.
 */
#include "quitx/outbox-body.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quitx/richtext.h"
#include "quitx/tid.h"
#include "quitx/xmalloc.h"

/* a resent chat message is looked for among those sent since queueing,
   less this much for the chat service's clock */
#define CHAT_CLOCK_SLACK	300

static const char *const visibilities[] = { "public", "unlisted", "private",
    "direct" };

enum visibility
outbox_visibility(const char *name)
{
	int	i;

	for (i = 0; name != NULL && i <= VIS_DIRECT; i++)
		if (strcmp(name, visibilities[i]) == 0)
			return (enum visibility)i;
	return VIS_DIRECT;
}

char *
outbox_unmention(const char *text)
{
	static const char	 wj[] = "\xe2\x81\xa0";	/* U+2060 */
	const char		*p;
	char			*out, *o;
	size_t			 n = 0;

	for (p = text; *p != '\0'; p++)
		if (*p == '@')
			n++;
	out = o = xmalloc(strlen(text) + n * (sizeof(wj) - 1) + 1);
	for (p = text; *p != '\0'; p++) {
		*o++ = *p;
		if (*p == '@' && (isalnum((unsigned char)p[1]) || p[1] == '_')) {
			memcpy(o, wj, sizeof(wj) - 1);
			o += sizeof(wj) - 1;
		}
	}
	*o = '\0';
	return out;
}

/* json_dumps, failing only when memory does. */
static char *
dump(json_t *o)
{
	char	*body;

	if ((body = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("out of memory");
	json_decref(o);
	return body;
}

char *
outbox_mastodon_answer(const char *acct, const char *text,
    const char *reply_to, const char *their_visibility, int private,
    enum lang lang)
{
	json_t		*o;
	char		*status, *safe;
	enum visibility	 vis = outbox_visibility(their_visibility);

	/*
	 * A reply to a followers-only post is direct too, since "private"
	 * from the bot would reach the bot's followers, that is every
	 * member; and never public (unlisted keeps replies out of public
	 * timelines).
	 */
	if (private || vis >= VIS_PRIVATE)
		vis = VIS_DIRECT;
	else if (vis < VIS_UNLISTED)
		vis = VIS_UNLISTED;
	safe = outbox_unmention(text);
	status = xasprintf("@%s %s", acct, safe);
	explicit_bzero(safe, strlen(safe));
	free(safe);
	o = json_pack("{s:s, s:s, s:s}", "status", status,
	    "visibility", visibilities[vis], "language",
	    config_lang_name(lang));
	if (reply_to != NULL)
		json_object_set_new(o, "in_reply_to_id", json_string(reply_to));
	if (vis == VIS_DIRECT)
		json_object_set_new(o, "quitx_to", json_string(acct));
	explicit_bzero(status, strlen(status));
	free(status);
	return dump(o);
}

char *
outbox_mastodon_status(const char *text, enum visibility vis, enum lang lang)
{
	return dump(json_pack("{s:s, s:s, s:s}", "status", text, "visibility",
	    visibilities[vis], "language", config_lang_name(lang)));
}

/* "2026-11-23T10:00:00.000Z": the form atproto's datetimes take. */
static void
iso_time(char *out, size_t size, int64_t t)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	gmtime_r(&tt, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

char *
outbox_bluesky_chat(const char *did, const char *text, json_t *facets,
    int64_t now)
{
	char	at[32];

	iso_time(at, sizeof(at), now - CHAT_CLOCK_SLACK);
	if (facets == NULL)
		facets = richtext_facets(text, NULL, NULL);
	else
		json_incref(facets);
	return dump(json_pack("{s:{s:s, s:s, s:o, s:s}}", "chat", "to", did,
	    "text", text, "facets", facets, "queued_at", at));
}

char *
outbox_bluesky_post(const char *text, json_t *facets,
    const struct bsky_reply_refs *reply, enum lang lang, int64_t now)
{
	json_t	*record;
	char	 rkey[TID_LEN + 1], at[32];

	tid_next(rkey);
	iso_time(at, sizeof(at), now);
	if (facets == NULL)
		facets = richtext_facets(text, NULL, NULL);
	else
		json_incref(facets);
	record = json_pack("{s:s, s:s, s:s, s:[s], s:o}", "$type",
	    "app.bsky.feed.post", "text", text, "createdAt", at, "langs",
	    config_lang_name(lang), "facets", facets);
	if (reply != NULL)
		json_object_set_new(record, "reply", json_pack(
		    "{s:{s:s, s:s}, s:{s:s, s:s}}",
		    "root", "uri", reply->root_uri, "cid", reply->root_cid,
		    "parent", "uri", reply->parent_uri, "cid",
		    reply->parent_cid));
	return dump(json_pack("{s:{s:s, s:o}}", "post", "rkey", rkey,
	    "record", record));
}
