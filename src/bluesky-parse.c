/*
 * bluesky-parse: Jetstream events and notifications to inbox payloads.
 * See bluesky-parse.h.
 */
#include "quitx/bluesky-parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/xmalloc.h"

#define POST_NSID	"app.bsky.feed.post"
#define FOLLOW_NSID	"app.bsky.graph.follow"
#define MENTION_TYPE	"app.bsky.richtext.facet#mention"
#define MENTIONS_MAX	64	/* a post has far fewer; the rest is ignored */
#define DID_MAX		2048	/* the DID syntax's own limit */

static void
set_err(char *err, size_t errsize, const char *msg)
{
	if (errsize > 0)
		snprintf(err, errsize, "%s", msg);
}

void
bsky_event_clear(struct bsky_event *ev)
{
	free(ev->uri);
	free(ev->payload);
	memset(ev, 0, sizeof(*ev));
}

int
bsky_uri_did(const char *uri, char *out, size_t outsize)
{
	const char	*p, *end;
	size_t		 n;

	if (uri == NULL || strncmp(uri, "at://did:", 9) != 0)
		return -1;
	p = uri + 5;
	end = p + strcspn(p, "/?#");
	n = (size_t)(end - p);
	if (n >= outsize)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* 1 if the at-uri is a record of did's repo. */
static int
uri_in_repo(const char *uri, const char *did)
{
	size_t	n = strlen(did);

	return uri != NULL && strncmp(uri, "at://", 5) == 0 &&
	    strncmp(uri + 5, did, n) == 0 && uri[5 + n] == '/';
}

static const char *
str_at(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A strongRef {uri, cid} with both strings, or NULL. */
static json_t *
strong_ref(const json_t *ref)
{
	const char	*uri = str_at(ref, "uri"), *cid = str_at(ref, "cid");

	if (uri == NULL || cid == NULL || strncmp(uri, "at://", 5) != 0)
		return NULL;
	return json_pack("{s:s, s:s}", "uri", uri, "cid", cid);
}

/*
 * The mention facets of a post: their DIDs and the handles as the text
 * writes them (the facet's byte range, less its '@').
 */
static json_t *
mentions_of(const json_t *record, const char *text)
{
	const json_t	*facets = json_object_get(record, "facets"), *f, *feat;
	const json_t	*index;
	json_t		*out = json_array(), *m;
	size_t		 i, j, tlen = strlen(text);
	json_int_t	 start, end;
	const char	*did;

	json_array_foreach(facets, i, f) {
		index = json_object_get(f, "index");
		start = json_integer_value(json_object_get(index,
		    "byteStart"));
		end = json_integer_value(json_object_get(index, "byteEnd"));
		json_array_foreach(json_object_get(f, "features"), j, feat) {
			if (json_array_size(out) >= MENTIONS_MAX)
				break;
			if (strcmp(str_at(feat, "$type") != NULL ?
			    str_at(feat, "$type") : "", MENTION_TYPE) != 0 ||
			    (did = str_at(feat, "did")) == NULL ||
			    strncmp(did, "did:", 4) != 0)
				continue;
			m = json_pack("{s:s}", "did", did);
			/* the visible handle, when the range is sound */
			if (start >= 0 && end > start &&
			    (size_t)end <= tlen) {
				if (text[start] == '@')
					start++;
				json_object_set_new(m, "handle",
				    json_stringn(text + start,
				    (size_t)(end - start)));
				/* a range that cuts a character: no handle */
				if (json_object_get(m, "handle") == NULL)
					json_object_del(m, "handle");
			}
			json_array_append_new(out, m);
		}
	}
	return out;
}

/*
 * The payload of a created record by author did, when it concerns one
 * of the bots: 1 (ev filled), 0 (it does not), -1 (malformed).
 */
static int
normalize(const char *did, const char *handle, const char *uri,
    const char *cid, const char *collection, const json_t *record,
    const char *const *dids, size_t ndids, struct bsky_event *ev,
    char *err, size_t errsize)
{
	const json_t	*reply, *mentions_j, *m;
	json_t		*o, *root = NULL, *parent = NULL, *mentions, *langs;
	const char	*text, *subject, *mdid;
	uint64_t	 bots = 0;
	size_t		 i, k;

	if (!json_is_object(record)) {
		set_err(err, errsize, "record is not an object");
		return -1;
	}
	for (i = 0; i < ndids; i++)
		if (strcmp(did, dids[i]) == 0)
			return 0;	/* a bot's own record */
	if (strcmp(collection, FOLLOW_NSID) == 0) {
		if ((subject = str_at(record, "subject")) == NULL)
			return 0;
		for (i = 0; i < ndids; i++)
			if (strcmp(subject, dids[i]) == 0)
				bots |= UINT64_C(1) << i;
		if (bots == 0)
			return 0;
		o = json_pack("{s:s, s:s, s:s, s:s}", "kind", "follow",
		    "uri", uri, "did", did, "subject", subject);
		if (cid != NULL)
			json_object_set_new(o, "cid", json_string(cid));
		if (handle != NULL)
			json_object_set_new(o, "handle", json_string(handle));
		ev->kind = BSKY_FOLLOW;
		goto done;
	}
	if (strcmp(collection, POST_NSID) != 0)
		return 0;
	if ((text = str_at(record, "text")) == NULL) {
		set_err(err, errsize, "post without text");
		return -1;
	}
	mentions = mentions_of(record, text);
	json_array_foreach(mentions, k, m) {
		mdid = str_at(m, "did");
		for (i = 0; i < ndids; i++)
			if (strcmp(mdid, dids[i]) == 0)
				bots |= UINT64_C(1) << i;
	}
	reply = json_object_get(record, "reply");
	if (reply != NULL) {
		root = strong_ref(json_object_get(reply, "root"));
		parent = strong_ref(json_object_get(reply, "parent"));
		if (root == NULL || parent == NULL) {
			/* an answer we could not thread is still read */
			json_decref(root);
			json_decref(parent);
			root = parent = NULL;
		}
	}
	for (i = 0; parent != NULL && i < ndids; i++)
		if (uri_in_repo(str_at(parent, "uri"), dids[i]) ||
		    uri_in_repo(str_at(root, "uri"), dids[i]))
			bots |= UINT64_C(1) << i;
	if (bots == 0) {
		json_decref(mentions);
		json_decref(root);
		json_decref(parent);
		return 0;
	}
	if (cid == NULL) {
		json_decref(mentions);
		json_decref(root);
		json_decref(parent);
		set_err(err, errsize, "post without cid");
		return -1;
	}
	langs = json_array();
	mentions_j = json_object_get(record, "langs");
	json_array_foreach(mentions_j, i, m)
		if (json_is_string(m) && json_array_size(langs) < 3)
			json_array_append(langs, (json_t *)m);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "kind",
	    "mention", "uri", uri, "cid", cid, "did", did, "text", text,
	    "langs", langs, "mentions", mentions);
	if (handle != NULL)
		json_object_set_new(o, "handle", json_string(handle));
	if (parent != NULL)
		json_object_set_new(o, "reply", json_pack("{s:o, s:o}",
		    "root", root, "parent", parent));
	ev->kind = BSKY_MENTION;
done:
	if (o == NULL) {
		set_err(err, errsize, "field not valid UTF-8");
		ev->kind = BSKY_NONE;
		return -1;
	}
	ev->bots = bots;
	ev->uri = xstrdup(uri);
	ev->payload = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (ev->payload == NULL)
		abort();
	return 1;
}

/* Jetstream's time_us without parsing the frame; 0 if none. */
static int64_t
quick_time_us(const char *frame, size_t len)
{
	static const char	 key[] = "\"time_us\":";
	const char		*p;
	char			 num[24];
	size_t			 n = 0;

	if ((p = memmem(frame, len, key, sizeof(key) - 1)) == NULL)
		return 0;
	p += sizeof(key) - 1;
	while (p < frame + len && *p == ' ')
		p++;
	while (p < frame + len && n < sizeof(num) - 1 && *p >= '0' &&
	    *p <= '9')
		num[n++] = *p++;
	num[n] = '\0';
	return n == 0 || n > 18 ? 0 : strtoll(num, NULL, 10);
}

int
bsky_jetstream_parse(const char *frame, size_t len, const char *const *dids,
    size_t ndids, struct bsky_event *ev, char *err, size_t errsize)
{
	json_t		*root, *commit;
	json_error_t	 jerr;
	const char	*did, *kind, *op, *coll, *rkey, *cid;
	char		*uri;
	size_t		 i;
	int		 rc = 0, named = 0;

	memset(ev, 0, sizeof(*ev));
	if (ndids > BSKY_BOTS_MAX)
		ndids = BSKY_BOTS_MAX;
	ev->time_us = quick_time_us(frame, len);
	for (i = 0; i < ndids && !named; i++)
		named = memmem(frame, len, dids[i], strlen(dids[i])) != NULL;
	if (!named)
		return 0;
	if (len > BSKY_JSON_MAX) {
		set_err(err, errsize, "event too large");
		return -1;
	}
	if ((root = json_loadb(frame, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL || !json_is_object(root)) {
		json_decref(root);
		set_err(err, errsize, "not a JSON object");
		return -1;
	}
	did = str_at(root, "did");
	kind = str_at(root, "kind");
	if (did == NULL || kind == NULL ||
	    !json_is_integer(json_object_get(root, "time_us"))) {
		set_err(err, errsize, "event without did, kind or time_us");
		rc = -1;
		goto out;
	}
	ev->time_us = json_integer_value(json_object_get(root, "time_us"));
	if (strcmp(kind, "commit") != 0)
		goto out;
	commit = json_object_get(root, "commit");
	op = str_at(commit, "operation");
	coll = str_at(commit, "collection");
	rkey = str_at(commit, "rkey");
	cid = str_at(commit, "cid");
	if (op == NULL || coll == NULL || rkey == NULL) {
		set_err(err, errsize, "commit without operation, collection "
		    "or rkey");
		rc = -1;
		goto out;
	}
	if (strcmp(op, "create") != 0 || strncmp(did, "did:", 4) != 0 ||
	    strlen(did) > DID_MAX || strchr(rkey, '/') != NULL ||
	    strchr(coll, '/') != NULL)
		goto out;
	uri = xasprintf("at://%s/%s/%s", did, coll, rkey);
	rc = normalize(did, NULL, uri, cid, coll, json_object_get(commit,
	    "record"), dids, ndids, ev, err, errsize);
	free(uri);
out:
	json_decref(root);
	if (rc != 1) {
		free(ev->uri);
		free(ev->payload);
		ev->uri = ev->payload = NULL;
		ev->kind = BSKY_NONE;
		ev->bots = 0;
	}
	return rc;
}

int
bsky_notification_parse(const json_t *n, const char *bot_did,
    struct bsky_event *ev, char *err, size_t errsize)
{
	const json_t	*author;
	const char	*reason, *uri, *cid, *did, *handle;
	const char	*dids[1];
	char		 coll[128];
	const char	*p, *q;
	int		 rc;

	memset(ev, 0, sizeof(*ev));
	author = json_object_get(n, "author");
	reason = str_at(n, "reason");
	uri = str_at(n, "uri");
	cid = str_at(n, "cid");
	did = str_at(author, "did");
	handle = str_at(author, "handle");
	if (reason == NULL || uri == NULL || did == NULL) {
		set_err(err, errsize, "notification without reason, uri or "
		    "author");
		return -1;
	}
	if (strcmp(reason, "mention") != 0 && strcmp(reason, "reply") != 0 &&
	    strcmp(reason, "follow") != 0)
		return 0;
	/* the record is the author's: at://AUTHOR/COLLECTION/RKEY */
	if (strncmp(did, "did:", 4) != 0 || strncmp(uri, "at://", 5) != 0 ||
	    strncmp(uri + 5, did, strlen(did)) != 0 ||
	    (p = uri + 5 + strlen(did))[0] != '/' ||
	    (q = strchr(p + 1, '/')) == NULL || q[1] == '\0' ||
	    strchr(q + 1, '/') != NULL ||
	    (size_t)(q - p - 1) >= sizeof(coll)) {
		set_err(err, errsize, "notification uri is not an at-uri");
		return -1;
	}
	memcpy(coll, p + 1, (size_t)(q - p - 1));
	coll[q - p - 1] = '\0';
	dids[0] = bot_did;
	rc = normalize(did, handle, uri, cid, coll, json_object_get(n,
	    "record"), dids, 1, ev, err, errsize);
	if (rc != 1)
		ev->kind = BSKY_NONE;
	return rc;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
bsky_post_clear(struct bsky_post *p)
{
	size_t	i;

	free(p->uri);
	free(p->cid);
	free(p->did);
	free(p->handle);
	free(p->text);
	free(p->lang);
	for (i = 0; i < p->nmentions; i++) {
		free(p->mentions[i]);
		free(p->mention_dids[i]);
	}
	free(p->mentions);
	free(p->mention_dids);
	free(p->root_uri);
	free(p->root_cid);
	free(p->parent_uri);
	memset(p, 0, sizeof(*p));
}

int
bsky_post_parse(const char *payload, struct bsky_post *p, char *err,
    size_t errsize)
{
	json_t		*o, *m, *reply;
	json_error_t	 jerr;
	const char	*kind, *h;
	size_t		 i;

	memset(p, 0, sizeof(*p));
	if ((o = json_loads(payload, 0, &jerr)) == NULL) {
		set_err(err, errsize, "not JSON");
		return -1;
	}
	kind = str_at(o, "kind");
	if (kind == NULL || str_at(o, "uri") == NULL ||
	    str_at(o, "did") == NULL) {
		json_decref(o);
		set_err(err, errsize, "payload without kind, uri or did");
		return -1;
	}
	p->kind = strcmp(kind, "mention") == 0 ? BSKY_MENTION :
	    strcmp(kind, "follow") == 0 ? BSKY_FOLLOW : BSKY_NONE;
	p->uri = xstrdup(str_at(o, "uri"));
	p->did = xstrdup(str_at(o, "did"));
	p->cid = dup_or_null(str_at(o, "cid"));
	p->handle = dup_or_null(str_at(o, "handle"));
	p->text = xstrdup(str_at(o, "text") != NULL ? str_at(o, "text") : "");
	p->lang = dup_or_null(json_string_value(json_array_get(
	    json_object_get(o, "langs"), 0)));
	m = json_object_get(o, "mentions");
	p->mentions = xcalloc(json_array_size(m) + 1, sizeof(char *));
	p->mention_dids = xcalloc(json_array_size(m) + 1, sizeof(char *));
	for (i = 0; i < json_array_size(m); i++) {
		h = str_at(json_array_get(m, i), "handle");
		if (str_at(json_array_get(m, i), "did") == NULL)
			continue;
		p->mention_dids[p->nmentions] = xstrdup(str_at(
		    json_array_get(m, i), "did"));
		p->mentions[p->nmentions++] = xstrdup(h != NULL ? h : "");
	}
	reply = json_object_get(o, "reply");
	p->root_uri = dup_or_null(str_at(json_object_get(reply, "root"),
	    "uri"));
	p->root_cid = dup_or_null(str_at(json_object_get(reply, "root"),
	    "cid"));
	p->parent_uri = dup_or_null(str_at(json_object_get(reply, "parent"),
	    "uri"));
	json_decref(o);
	return 0;
}
