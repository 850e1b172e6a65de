/*
 * follows: a member's Mastodon follows-import file, behind a personal
 * link (GET /f/<token>).  The file lists the member's suggestions that
 * are on Mastodon and still discoverable, best first, in the CSV that
 * Mastodon's Preferences > Import and export > Import reads as a
 * "Following list".  Only the token's SHA-256 is stored.
 */
#ifndef QUITX_FOLLOWS_H
#define QUITX_FOLLOWS_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* How long a follows-import link works. */
#define FOLLOWS_LINK_DAYS	180

/* Record a link's token hash for member_id.  0 or -1. */
int	store_follows_token_add(struct store *st, int64_t member_id,
	    const unsigned char *hash, size_t hashlen, int64_t now,
	    int64_t expires_at);

/*
 * The member a link's token hash belongs to: 1 (valid, *member_id
 * set), 2 (expired: whose it was is not told), 0 (unknown), -1 (the
 * store failed).
 */
int	store_follows_token_find(struct store *st, const unsigned char *hash,
	    size_t hashlen, int64_t now, int64_t *member_id);

/*
 * The member's stored suggestions on Mastodon that are still
 * discoverable, by rank: *accounts, a malloc'd array of *n malloc'd
 * "user@host" (free each, then it; NULL when *n is 0).  0 or -1.
 */
int	store_follows_accounts(struct store *st, int64_t member_id,
	    char ***accounts, size_t *n);

/*
 * A new link to member_id's file, valid FOLLOWS_LINK_DAYS days:
 * "PUBLIC_URL/f/TOKEN" (malloc'd; a secret: wipe it with explicit_bzero
 * once used), or NULL when the store failed.
 */
char	*follows_link(struct store *st, const char *public_url,
	    int64_t member_id, int64_t now);

#endif
