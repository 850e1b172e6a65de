/*
 * mastodon-parse: streaming frames and Notification entities, with
 * jansson.  Only the fields the bot acts on are read; everything else in
 * the (large) entities is ignored, so new server fields never break us.
 * The fields that are read are checked for type: an id that arrives as a
 * JSON number would have lost digits in some other client already, and
 * acting on a wrong id is worse than refusing the notification.
 */
#define LOG_TAG "mastodon"
#include "quitx/mastodon-parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "quitx/html-text.h"
#include "quitx/xmalloc.h"

/* The longest id mastodon_id_valid accepts: a 64-bit snowflake is 20. */
#define MASTODON_ID_MAX	32

static void	mastodon_err(char *err, size_t errsize, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

static void
mastodon_err(char *err, size_t errsize, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errsize == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
}

/*
 * jansson's reasons end with " near '<input bytes>'": cut that, so that
 * an error reason never carries what the server sent (callers log it as
 * is).  What is left is jansson's own text and numbers.
 */
static void
mastodon_jerr(json_error_t *jerr)
{
	char	*p;

	if ((p = strstr(jerr->text, " near '")) != NULL)
		*p = '\0';
	for (p = jerr->text; *p != '\0'; p++) {
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	}
}

/*
 * The JSON object in buf, or NULL with a reason.  Duplicate keys are
 * refused (which one would a server mean?), and so is "\u0000": the
 * strings we hand out are C strings.
 */
static json_t *
mastodon_load(const char *buf, size_t len, const char *what, char *err,
    size_t errsize)
{
	json_error_t	 jerr;
	json_t		*root;

	if (buf == NULL) {
		mastodon_err(err, errsize, "%s: no data", what);
		return NULL;
	}
	if (len > MASTODON_JSON_MAX) {
		mastodon_err(err, errsize, "%s: too large (%zu bytes, at most "
		    "%d)", what, len, MASTODON_JSON_MAX);
		return NULL;
	}
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		mastodon_jerr(&jerr);
		mastodon_err(err, errsize, "%s: not JSON: %s at byte %d", what,
		    jerr.text, jerr.position);
		return NULL;
	}
	if (!json_is_object(root)) {
		mastodon_err(err, errsize, "%s: not a JSON object", what);
		json_decref(root);
		return NULL;
	}
	return root;
}

/*
 * Copy the string at obj.key into *out.  Absent or null gives NULL, or
 * an error if the field is required; any other type is an error.
 */
static int
mastodon_string(const json_t *obj, const char *key, int required,
    char **out, const char *what, char *err, size_t errsize)
{
	const json_t	*v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return 0;
		mastodon_err(err, errsize, "%s%s missing", what, key);
		return -1;
	}
	if (!json_is_string(v)) {
		mastodon_err(err, errsize, "%s%s is not a string", what, key);
		return -1;
	}
	*out = xstrdup(json_string_value(v));
	return 0;
}

int
mastodon_frame_parse(const char *frame, size_t len, enum mastodon_event *ev,
    char **payload, char *err, size_t errsize)
{
	const json_t	*v, *stream;
	const char	*event;
	json_t		*root;
	size_t		 i;
	int		 rc = -1;

	*ev = MASTODON_EV_OTHER;
	*payload = NULL;
	if ((root = mastodon_load(frame, len, "frame", err, errsize)) == NULL)
		return -1;
	if (json_object_get(root, "error") != NULL) {
		/* {"error":"Unknown stream type","status":400} */
		if (mastodon_string(root, "error", 1, payload, "frame: ", err,
		    errsize) == -1)
			goto out;
		*ev = MASTODON_EV_ERROR;
		rc = 0;
		goto out;
	}
	/*
	 * stream names the subscription (["user:notification"]); servers
	 * before 3.3 did not send it, so only its shape is checked.
	 */
	if ((stream = json_object_get(root, "stream")) != NULL) {
		if (!json_is_array(stream)) {
			mastodon_err(err, errsize, "frame: stream is not an "
			    "array");
			goto out;
		}
		for (i = 0; i < json_array_size(stream); i++) {
			if (!json_is_string(json_array_get(stream, i))) {
				mastodon_err(err, errsize, "frame: stream[%zu] "
				    "is not a string", i);
				goto out;
			}
		}
	}
	if ((v = json_object_get(root, "event")) == NULL) {
		mastodon_err(err, errsize, "frame: no event");
		goto out;
	}
	if (!json_is_string(v)) {
		mastodon_err(err, errsize, "frame: event is not a string");
		goto out;
	}
	event = json_string_value(v);
	/* the payload is always a string, JSON text for entity events */
	if (mastodon_string(root, "payload", 0, payload, "frame: ", err,
	    errsize) == -1)
		goto out;
	if (strcmp(event, "notification") == 0)
		*ev = MASTODON_EV_NOTIFICATION;
	else if (strcmp(event, "delete") == 0)
		*ev = MASTODON_EV_DELETE;
	if (*ev != MASTODON_EV_OTHER && *payload == NULL) {
		mastodon_err(err, errsize, "frame: %s without payload",
		    *ev == MASTODON_EV_DELETE ? "delete" : "notification");
		goto out;
	}
	rc = 0;
out:
	if (rc == -1) {
		free(*payload);
		*payload = NULL;
		*ev = MASTODON_EV_OTHER;
	}
	json_decref(root);
	return rc;
}

/* The acting account; required for the types the bot acts on. */
static int
mastodon_account(const json_t *root, struct mastodon_notification *n,
    int required, char *err, size_t errsize)
{
	const json_t	*acct = json_object_get(root, "account");

	if (acct == NULL || json_is_null(acct)) {
		if (!required)
			return 0;
		mastodon_err(err, errsize, "notification %s: no account",
		    n->type == MASTODON_NOTIF_MENTION ? "mention" : "follow");
		return -1;
	}
	if (!json_is_object(acct)) {
		mastodon_err(err, errsize, "notification: account is not an "
		    "object");
		return -1;
	}
	if (mastodon_string(acct, "id", 1, &n->account_id,
	    "notification: account.", err, errsize) == -1 ||
	    mastodon_string(acct, "acct", 1, &n->account_acct,
	    "notification: account.", err, errsize) == -1)
		return -1;
	/* bot is a boolean; anything else (old servers: absent) is "no" */
	n->account_bot = json_is_true(json_object_get(acct, "bot"));
	return 0;
}

static int
mastodon_mentions(const json_t *status, struct mastodon_notification *n,
    char *err, size_t errsize)
{
	const json_t	*list = json_object_get(status, "mentions");
	const json_t	*m, *acct;
	size_t		 i, count;

	if (list == NULL || json_is_null(list))
		return 0;
	if (!json_is_array(list)) {
		mastodon_err(err, errsize, "notification: status.mentions is "
		    "not an array");
		return -1;
	}
	if ((count = json_array_size(list)) == 0)
		return 0;
	n->mentions = xcalloc(count, sizeof(*n->mentions));
	for (i = 0; i < count; i++) {
		m = json_array_get(list, i);
		acct = json_is_object(m) ? json_object_get(m, "acct") : NULL;
		if (!json_is_string(acct)) {
			mastodon_err(err, errsize, "notification: "
			    "status.mentions[%zu].acct is not a string", i);
			return -1;
		}
		n->mentions[i] = xstrdup(json_string_value(acct));
		n->nmentions++;
	}
	return 0;
}

/* The mentioning status: ids, visibility, text and who it mentions. */
static int
mastodon_status(const json_t *root, struct mastodon_notification *n,
    char *err, size_t errsize)
{
	static const char	 what[] = "notification: status.";
	const json_t		*status = json_object_get(root, "status");
	const json_t		*content;

	if (status == NULL || json_is_null(status)) {
		mastodon_err(err, errsize, "notification mention: no status");
		return -1;
	}
	if (!json_is_object(status)) {
		mastodon_err(err, errsize, "notification: status is not an "
		    "object");
		return -1;
	}
	if (mastodon_string(status, "id", 1, &n->status_id, what, err,
	    errsize) == -1 ||
	    mastodon_string(status, "visibility", 1, &n->status_visibility,
	    what, err, errsize) == -1 ||
	    mastodon_string(status, "language", 0, &n->status_language,
	    what, err, errsize) == -1 ||
	    mastodon_string(status, "in_reply_to_id", 0, &n->in_reply_to_id,
	    what, err, errsize) == -1 ||
	    mastodon_string(status, "in_reply_to_account_id", 0,
	    &n->in_reply_to_account_id, what, err, errsize) == -1)
		return -1;
	content = json_object_get(status, "content");
	if (!json_is_string(content)) {
		mastodon_err(err, errsize, "%scontent %s", what,
		    content == NULL ? "missing" : "is not a string");
		return -1;
	}
	n->text = html_text(json_string_value(content),
	    json_string_length(content));
	return mastodon_mentions(status, n, err, errsize);
}

int
mastodon_notification_parse(const char *json, size_t len,
    struct mastodon_notification *n, char *err, size_t errsize)
{
	json_t	*root;
	int	 rc = -1;

	memset(n, 0, sizeof(*n));
	if ((root = mastodon_load(json, len, "notification", err,
	    errsize)) == NULL)
		return -1;
	if (mastodon_string(root, "id", 1, &n->id, "notification: ", err,
	    errsize) == -1 ||
	    mastodon_string(root, "type", 1, &n->type_name, "notification: ",
	    err, errsize) == -1)
		goto out;
	if (n->id[0] == '\0') {
		mastodon_err(err, errsize, "notification: empty id");
		goto out;
	}
	if (strcmp(n->type_name, "mention") == 0)
		n->type = MASTODON_NOTIF_MENTION;
	else if (strcmp(n->type_name, "follow") == 0)
		n->type = MASTODON_NOTIF_FOLLOW;
	else
		n->type = MASTODON_NOTIF_OTHER;
	if (mastodon_account(root, n, n->type != MASTODON_NOTIF_OTHER, err,
	    errsize) == -1)
		goto out;
	if (n->type == MASTODON_NOTIF_MENTION &&
	    mastodon_status(root, n, err, errsize) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		mastodon_notification_clear(n);
	json_decref(root);
	return rc;
}

void
mastodon_notification_clear(struct mastodon_notification *n)
{
	size_t	i;

	free(n->id);
	free(n->type_name);
	free(n->account_id);
	free(n->account_acct);
	free(n->status_id);
	free(n->status_visibility);
	free(n->status_language);
	free(n->in_reply_to_id);
	free(n->in_reply_to_account_id);
	free(n->text);
	for (i = 0; i < n->nmentions; i++)
		free(n->mentions[i]);
	free(n->mentions);
	memset(n, 0, sizeof(*n));
}

/* 1 if s is one or more ASCII digits and nothing else. */
static int
mastodon_id_numeric(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
	}
	return 1;
}

int
mastodon_id_cmp(const char *a, const char *b)
{
	const char	*da, *db;
	size_t		 la, lb;
	int		 na, nb, c;

	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	na = mastodon_id_numeric(a);
	nb = mastodon_id_numeric(b);
	if (na != nb)
		return na ? -1 : 1;
	if (!na)
		return strcmp(a, b);
	for (da = a; da[0] == '0' && da[1] != '\0'; da++)
		;
	for (db = b; db[0] == '0' && db[1] != '\0'; db++)
		;
	la = strlen(da);
	lb = strlen(db);
	if (la != lb)
		return la < lb ? -1 : 1;
	if ((c = strcmp(da, db)) != 0)
		return c;
	/* the same number written with more or fewer zeros: fewer first */
	la = strlen(a);
	lb = strlen(b);
	return (la > lb) - (la < lb);
}

int
mastodon_id_valid(const char *s)
{
	return s != NULL && mastodon_id_numeric(s) &&
	    strlen(s) <= MASTODON_ID_MAX;
}
