/*
 * match: the cross-reference.  Who, among the people a member followed
 * on X, is a member now, ranked, for every member at once.
 *
 * A person is a distinct X id among proven claims; a member belongs to
 * the person of their proven claim (the same X account on Mastodon and
 * on Bluesky is one person, two members).  Person a follows person b
 * when a complete upload of a lists b in its following file, or one of
 * b lists a in its follower file (once, whichever says it).  Each member
 * of a is suggested the discoverable members of everyone a follows:
 * mutual follows first, then by how many persons follow them, then by
 * member id, at most max_per_member per network.
 *
 * match_run reads the store in one snapshot, works in memory up to a
 * budget and in spill files beyond it (memory is O(persons) plus the
 * budget, never O(edges)), and replaces the stored result whole: readers
 * see the old result or the new one, never a mix, and a failure or a
 * crash midway leaves the old one.  One run at a time per store (a lock
 * file beside it says so).
 */
#ifndef QUITX_MATCH_H
#define QUITX_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "quitx/config.h"
#include "quitx/store.h"

struct match_options {
	size_t		 max_per_member;	/* per network of the suggested; 0: 1000 */
	size_t		 memory_mb;		/* pairs held in memory; 0: 256 */
	const char	*tmpdir;		/* spill files; NULL: $TMPDIR or /tmp */
	/*
	 * Tests only: the budget in bytes, overriding memory_mb when not
	 * 0, so that a few hundred follows already spill and split.
	 */
	size_t		 memory_bytes;
};

struct match_stats {
	uint64_t	persons, members, uploads, edges_read, follows;
	uint64_t	suggestions, members_with;	/* rows written; members with >= 1 */
	size_t		partitions;
	double		seconds;
};

/*
 * Full match; replaces the stored result and records when (now) and
 * the stats in campaign_state ('match_at', 'match_stats').  members:
 * those with a proven claim; uploads: the complete uploads of persons;
 * follows: distinct person-to-person follows; partitions: 1 when
 * everything fitted in memory.  0, or -1 with err.
 */
int	match_run(struct store *st, int64_t now, const struct match_options *o,
	    struct match_stats *out, char *err, size_t errsize);

/* The stats as a JSON object (the keys are the field names). */
json_t	*match_stats_json(const struct match_stats *s);

struct suggestion {
	int64_t		 member_id;	/* the suggested member */
	enum network	 network;
	char		*account;	/* Mastodon user@host, or DID */
	char		*handle;	/* Bluesky handle when known, else NULL */
	int		 mutual;
	int64_t		 followers;
	int		 sent;		/* already in suggestion_sent for this member */
};

/*
 * member_id's stored suggestions on network (-1: every network), ranked,
 * skipping members gone or no longer discoverable; at most max (0: all).
 * A member registered after the match (a forgotten member's id given to
 * someone new) is neither suggested nor given the old rows.
 * 0 with *out and *n (free with suggestions_free), or -1.
 */
int	store_suggestions_get(struct store *st, int64_t member_id, int network,
	    size_t max, struct suggestion **out, size_t *n);
void	suggestions_free(struct suggestion *s, size_t n);

/* When the stored result was computed: 1 and *at, 0 if never, -1. */
int	store_match_at(struct store *st, int64_t *at);

/*
 * Whether something that changes matches happened at or after since
 * (give the last match's time: what happened in the second it ran may
 * be after its snapshot): an upload completed, a member registered or
 * changed discoverable, a claim proven.  A member forgotten is not
 * detectable this way, and needs no new match (readers skip them).
 * 1, 0, -1.
 */
int	store_match_stale(struct store *st, int64_t since);

#endif
