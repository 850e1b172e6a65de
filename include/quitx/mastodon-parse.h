/*
 * mastodon-parse: Mastodon's streaming frames and Notification entities,
 * from JSON text to C values.  Pure functions: no I/O, no logging.
 *
 * Every string handed out is malloc'd, NUL-free, valid UTF-8 (jansson
 * checks it; NUL escapes are refused).  Error reasons are short, printable
 * ASCII and never quote the input, so they can be logged as they are.
 */
#ifndef QUITX_MASTODON_PARSE_H
#define QUITX_MASTODON_PARSE_H

#include <stddef.h>

/* A frame or entity larger than this is refused unparsed. */
#define MASTODON_JSON_MAX	(1024 * 1024)

enum mastodon_event {
	MASTODON_EV_NOTIFICATION,	/* payload: Notification JSON */
	MASTODON_EV_DELETE,		/* payload: the deleted status id */
	MASTODON_EV_OTHER,		/* payload as sent, or NULL */
	MASTODON_EV_ERROR,		/* {"error":...}: the text */
};

/*
 * Parse one WebSocket text frame {"stream":[...],"event":"...",
 * "payload":"..."}.  On success sets *ev and *payload (a malloc'd copy of
 * the payload string, NULL for an event that has none) and returns 0.
 * "notification" and "delete" frames must carry a payload.  A frame with
 * an "error" key is a failed (un)subscription: MASTODON_EV_ERROR with the
 * error text as payload.  Returns -1 with a reason in err (not JSON, not
 * an object, event or payload not a string, stream not an array...).
 */
int	mastodon_frame_parse(const char *frame, size_t len,
	    enum mastodon_event *ev, char **payload, char *err, size_t errsize);

enum mastodon_notif_type {
	MASTODON_NOTIF_MENTION,
	MASTODON_NOTIF_FOLLOW,
	MASTODON_NOTIF_OTHER,
};

struct mastodon_notification {
	char	*id;			/* notification id */
	enum mastodon_notif_type type;
	char	*type_name;		/* as received, for logs */
	/* who acted: always set for mentions and follows, else may be NULL */
	char	*account_id;
	char	*account_acct;		/* "user" or "user@host" */
	int	 account_bot;		/* Account.bot was true */
	/* mentions only (all NULL otherwise) */
	char	*status_id;
	char	*status_visibility;	/* "public" ... "direct" */
	char	*status_language;	/* may be NULL */
	char	*in_reply_to_id;	/* may be NULL */
	char	*in_reply_to_account_id; /* may be NULL */
	char	*text;			/* status.content as text */
	char	**mentions;		/* status.mentions[].acct */
	size_t	 nmentions;
};

/*
 * Parse a Notification entity (a stream payload or an element of
 * GET /api/v1/notifications).  Returns 0, or -1 with a reason in err and
 * n left empty.  A type other than mention and follow parses as
 * MASTODON_NOTIF_OTHER with id and type_name set.  Refused: an id that is
 * not a string (anywhere: notification, account, status, replies), a
 * mention without a status, a mention or follow without an account.
 */
int	mastodon_notification_parse(const char *json, size_t len,
	    struct mastodon_notification *n, char *err, size_t errsize);

/* Free what n holds and zero it; safe on a zeroed or cleared n. */
void	mastodon_notification_clear(struct mastodon_notification *n);

/*
 * Order two ids.  Mastodon ids are decimal snowflakes: all-digit ids
 * compare as numbers (length without leading zeros, then bytes); ids with
 * any other byte sort after every numeric id, bytewise among themselves;
 * NULL sorts first.  0 only for equal strings.  Returns <0, 0 or >0.
 */
int	mastodon_id_cmp(const char *a, const char *b);

/* 1 if s can serve as a paging cursor (1 to 32 ASCII digits), else 0. */
int	mastodon_id_valid(const char *s);

#endif
