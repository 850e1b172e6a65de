/*
 * stats: the store's counts as a table a person reads at a glance, or as
 * JSON for scripts.
 */
#include "quitx/stats.h"

#include <inttypes.h>
#include <stdio.h>

/* 1234567 -> "1,234,567": big counts must be readable at a glance. */
static const char *
grouped(char *buf, size_t size, int64_t v)
{
	char	digits[32];
	size_t	n, i, o = 0;
	int	len;

	len = snprintf(digits, sizeof(digits), "%" PRId64, v);
	n = (size_t)len;
	for (i = 0; i < n && o + 2 < size; i++) {
		buf[o++] = digits[i];
		if (digits[i] != '-' && (n - i - 1) % 3 == 0 && i + 1 < n)
			buf[o++] = ',';
	}
	buf[o] = '\0';
	return buf;
}

void
stats_print(FILE *out, const char *store_path, const struct store_stats *s)
{
	char	a[32], b[32], c[32], d[32], e[32];
	int	i;

	fprintf(out, "quitx stats: %s (schema %d)\n\n", store_path,
	    s->schema_version);
	fprintf(out, "  %-16s mastodon %s   bluesky %s\n", "bot accounts",
	    grouped(a, sizeof(a), s->bot_accounts[NETWORK_MASTODON]),
	    grouped(b, sizeof(b), s->bot_accounts[NETWORK_BLUESKY]));
	fprintf(out, "  %-16s mastodon %s   bluesky %s   total %s\n",
	    "members", grouped(a, sizeof(a), s->members[NETWORK_MASTODON]),
	    grouped(b, sizeof(b), s->members[NETWORK_BLUESKY]),
	    grouped(c, sizeof(c), s->members[NETWORK_MASTODON] +
	    s->members[NETWORK_BLUESKY]));
	fprintf(out, "  %-16s %s   proven %s   unproven %s   contested %s\n",
	    "X claims", grouped(a, sizeof(a), s->claims),
	    grouped(b, sizeof(b), s->claims_proven),
	    grouped(c, sizeof(c), s->claims - s->claims_proven),
	    grouped(d, sizeof(d), s->claims_contested));
	fprintf(out, "  %-16s %s   follow edges %s\n", "uploads",
	    grouped(a, sizeof(a), s->uploads), grouped(b, sizeof(b), s->edges));
	fprintf(out, "  %-16s", "inbox");
	for (i = 0; i < INBOX_STATE_COUNT; i++)
		fprintf(out, " %s %s ", store_inbox_state_name(i),
		    grouped(e, sizeof(e), s->inbox[i]));
	fprintf(out, "\n  %-16s", "outbox");
	for (i = 0; i < OUTBOX_STATE_COUNT; i++)
		fprintf(out, " %s %s ", store_outbox_state_name(i),
		    grouped(e, sizeof(e), s->outbox[i]));
	fprintf(out, "\n  %-16s %s pending\n", "scheduled posts",
	    grouped(a, sizeof(a), s->scheduled_pending));
}

json_t *
stats_json(const struct store_stats *s)
{
	json_t	*inbox = json_object(), *outbox = json_object();
	int	 i;

	for (i = 0; i < INBOX_STATE_COUNT; i++)
		json_object_set_new(inbox, store_inbox_state_name(i),
		    json_integer(s->inbox[i]));
	for (i = 0; i < OUTBOX_STATE_COUNT; i++)
		json_object_set_new(outbox, store_outbox_state_name(i),
		    json_integer(s->outbox[i]));
	return json_pack("{s:i, s:{s:I, s:I}, s:{s:I, s:I}, "
	    "s:{s:I, s:I, s:I}, s:I, s:I, s:o, s:o, s:I}",
	    "schema_version", s->schema_version,
	    "bot_accounts", "mastodon", (json_int_t)s->bot_accounts[0],
	    "bluesky", (json_int_t)s->bot_accounts[1],
	    "members", "mastodon", (json_int_t)s->members[0],
	    "bluesky", (json_int_t)s->members[1],
	    "claims", "total", (json_int_t)s->claims,
	    "proven", (json_int_t)s->claims_proven,
	    "contested", (json_int_t)s->claims_contested,
	    "uploads", (json_int_t)s->uploads,
	    "edges", (json_int_t)s->edges,
	    "inbox", inbox, "outbox", outbox,
	    "scheduled_pending", (json_int_t)s->scheduled_pending);
}
