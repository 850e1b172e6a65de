/*
 * campaign-text: the texts of the campaign day, ready to send.  Pure
 * functions (no I/O, no logging): the member's private suggestion
 * messages, the public introductions, Mastodon's length count, and the
 * follows-import CSV file.  campaign.c queues what these compose.
 *
 * Every text is cut into parts at line ends only, each part within the
 * network's limit, in as few parts as the order of the lines allows
 * (each part is filled as far as it goes).
 */
#ifndef QUITX_CAMPAIGN_TEXT_H
#define QUITX_CAMPAIGN_TEXT_H

#include <stddef.h>

#include <jansson.h>

#include "quitx/config.h"
#include "quitx/templates.h"

/* What Mastodon counts for any URL it finds in a status. */
#define CAMPAIGN_MASTODON_URL_CHARS	23

struct campaign_account {
	enum network	 network;
	const char	*account;	/* Mastodon user@host, or DID */
	const char	*handle;	/* Bluesky handle (NULL: not known) */
};

struct campaign_part {
	char	*text;		/* exactly what is posted/sent */
	json_t	*facets;	/* Bluesky: the facets array (owned); Mastodon: NULL */
};

/*
 * One member's suggestion messages: a header (in lang, with the count
 * n + more), a blank line, then the suggested accounts one per line,
 * then "...and N more" when more > 0, then, after a blank line, the CSV
 * line when csv_link != NULL (csv_count people on Mastodon, the link to
 * their import file).  followup: the header says these are new since
 * the last message.
 *
 * An account is written by its own network's rules:
 *   - Mastodon "@user@host".  On Mastodon every '@' is followed by a
 *     WORD JOINER (U+2060), in the templates' text too: a direct
 *     status reaches everyone it mentions, and only the member may.
 *   - Bluesky "@handle"; sent on Bluesky it gets a mention facet to its
 *     DID (the account).  With no known handle the DID is written, with
 *     no facet.
 * Links in Bluesky parts (the CSV link) get link facets too.
 *
 * Limits: Mastodon, room characters as Mastodon counts them
 * (campaign_mastodon_length; the caller already took off the
 * "@member " the status starts with); Bluesky, a chat message's 1000
 * graphemes and 10000 bytes (room is not used).
 *
 * A part after the first goes on with the list, without the header: a
 * member reads the parts one after the other, in one conversation.
 *
 * 0 with *parts (free with campaign_parts_free) and *nparts set, or -1
 * when a template renders empty or one line (the header, an account,
 * the CSV line) does not fit a part alone: nothing is returned then.
 */
int	campaign_suggestion_parts(const struct templates *t, enum lang lang,
	    enum network net, size_t room, const struct campaign_account *list,
	    size_t n, size_t more, const char *csv_link, size_t csv_count,
	    int followup, struct campaign_part **parts, size_t *nparts);

/*
 * Public introductions: each part is a post that starts with the header
 * (so each one says why it mentions people, whoever it notifies), a
 * blank line, then members as real mentions, one per line, as many as
 * the limit allows: Mastodon "@user@host" (counted as "@user") in room
 * characters; Bluesky "@handle" with a mention facet, in 300 graphemes
 * and 3000 bytes (room is not used).  Members of the other network, and
 * Bluesky members with no known handle, are skipped (no one to
 * mention); none left: 0 parts.  The caller threads the parts.
 *
 * 0, or -1 when the header renders empty or the header and one member
 * do not fit a post together.
 */
int	campaign_intro_parts(const struct templates *t, enum lang lang,
	    enum network net, size_t room, const struct campaign_account *members,
	    size_t n, struct campaign_part **parts, size_t *nparts);

void	campaign_parts_free(struct campaign_part *p, size_t n);

/*
 * 1 when a Bluesky account can be named with a mention: its DID (the
 * facet) and its handle (the text) are both known.
 */
int	campaign_bluesky_named(const char *account, const char *handle);

/*
 * Mastodon's count of a status text: grapheme clusters, once every URL
 * is 23 characters and every mention "@user@domain" is "@user" (a
 * WORD JOINER is a cluster of its own).  Where Mastodon's rules are not
 * followed exactly (a URL this does not parse with certainty), the
 * count is never less than Mastodon's.
 */
size_t	campaign_mastodon_length(const char *text);

/*
 * Mastodon's follows-import CSV of accounts ("user@host"):
 *	Account address,Show boosts,Notify on new posts,Languages\n
 * then "user@host,true,false,\n" per account.  An account that cannot
 * be an address (no '@', or a comma, quote, control character) is left
 * out rather than break the file.  malloc'd; *len (when not NULL) its
 * length.
 */
char	*campaign_follows_csv(const char *const *accounts, size_t n,
	    size_t *len);

#endif
