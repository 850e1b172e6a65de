/*
 * stats: what the team watches as a table a person reads at a glance, or
 * as JSON for scripts (stats.h).  The JSON only ever gains keys: scripts
 * written against an older quitx keep working.
 */
#include "quitx/stats.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* 1234567 -> "1,234,567": big counts must be readable at a glance. */
const char *
stats_grouped(char *buf, size_t size, int64_t v)
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

/* The outbox's rows by kind and state, and how much of it went out. */
static void
print_outbox(FILE *out, const struct status *s)
{
	const struct store_status	*st = &s->st;
	char				 a[32], b[32], pct[16];
	int64_t				 sum[OUTBOX_STATE_COUNT];
	size_t				 i;
	int				 k;

	if (st->nkinds == 0) {
		fprintf(out, "  %-16s nothing queued yet\n", "outbox by kind");
		return;
	}
	memset(sum, 0, sizeof(sum));
	fprintf(out, "  %-16s", "outbox by kind");
	for (k = 0; k < OUTBOX_STATE_COUNT; k++)
		fprintf(out, " %10s", store_outbox_state_name(k));
	fputc('\n', out);
	for (i = 0; i < st->nkinds; i++) {
		fprintf(out, "    %-14s", st->kinds[i].kind);
		for (k = 0; k < OUTBOX_STATE_COUNT; k++) {
			fprintf(out, " %10s", stats_grouped(a, sizeof(a),
			    st->kinds[i].n[k]));
			sum[k] += st->kinds[i].n[k];
		}
		fputc('\n', out);
	}
	fprintf(out, "    %-14s", "all");
	for (k = 0; k < OUTBOX_STATE_COUNT; k++)
		fprintf(out, " %10s", stats_grouped(a, sizeof(a), sum[k]));
	status_percent(pct, sizeof(pct), s->delivered, s->deliverable);
	fprintf(out, "\n  %-16s %s of %s (%s; cancelled ones not counted)\n",
	    "delivered", stats_grouped(a, sizeof(a), s->delivered),
	    stats_grouped(b, sizeof(b), s->deliverable), pct);
}

static void
print_scheduled(FILE *out, const struct status *s)
{
	size_t	i;

	if (s->nposts == 0) {
		fprintf(out, "  %-16s none pending\n", "next posts");
		return;
	}
	fprintf(out, "  %-16s (%s)\n", "next posts", s->timezone);
	for (i = 0; i < s->nposts; i++)
		fprintf(out, "    %s  #%-5" PRId64 " %-10s %-20s %s\n",
		    s->posts[i].run_at_local, s->posts[i].id, s->posts[i].kind,
		    s->posts[i].bot != NULL ? s->posts[i].bot : "-",
		    s->posts[i].text);
}

void
stats_print(FILE *out, const char *store_path, const struct status *status)
{
	const struct store_stats	*s = &status->st.stats;
	char				 a[32], b[32], c[32], d[32], e[32];
	int				 i;

	fprintf(out, "quitx stats: %s (schema %d)\n\n", store_path,
	    s->schema_version);
	fprintf(out, "  %-16s mastodon %s   bluesky %s\n", "bot accounts",
	    stats_grouped(a, sizeof(a), s->bot_accounts[NETWORK_MASTODON]),
	    stats_grouped(b, sizeof(b), s->bot_accounts[NETWORK_BLUESKY]));
	fprintf(out, "  %-16s mastodon %s   bluesky %s   total %s\n",
	    "members", stats_grouped(a, sizeof(a), s->members[NETWORK_MASTODON]),
	    stats_grouped(b, sizeof(b), s->members[NETWORK_BLUESKY]),
	    stats_grouped(c, sizeof(c), s->members[NETWORK_MASTODON] +
	    s->members[NETWORK_BLUESKY]));
	fprintf(out, "  %-16s %s   proven %s   unproven %s   contested %s\n",
	    "X claims", stats_grouped(a, sizeof(a), s->claims),
	    stats_grouped(b, sizeof(b), s->claims_proven),
	    stats_grouped(c, sizeof(c), s->claims - s->claims_proven),
	    stats_grouped(d, sizeof(d), s->claims_contested));
	fprintf(out, "  %-16s %s   follow edges %s\n", "uploads",
	    stats_grouped(a, sizeof(a), s->uploads),
	    stats_grouped(b, sizeof(b), s->edges));
	fprintf(out, "  %-16s", "inbox");
	for (i = 0; i < INBOX_STATE_COUNT; i++)
		fprintf(out, " %s %s ", store_inbox_state_name(i),
		    stats_grouped(e, sizeof(e), s->inbox[i]));
	fprintf(out, "\n  %-16s", "outbox");
	for (i = 0; i < OUTBOX_STATE_COUNT; i++)
		fprintf(out, " %s %s ", store_outbox_state_name(i),
		    stats_grouped(e, sizeof(e), s->outbox[i]));
	fprintf(out, "\n  %-16s %s pending\n", "scheduled posts",
	    stats_grouped(a, sizeof(a), s->scheduled_pending));
	if (status->st.match_at == 0)
		fprintf(out, "  %-16s none yet (quitx match)\n", "matches");
	else
		fprintf(out, "  %-16s %s suggestions for %s members, by the"
		    " match of %s\n", "matches",
		    stats_grouped(a, sizeof(a), status->st.suggestions),
		    stats_grouped(b, sizeof(b), status->st.members_suggested),
		    status->match_at_local);
	fputc('\n', out);
	print_outbox(out, status);
	fputc('\n', out);
	print_scheduled(out, status);
}

static json_t *
outbox_by_kind(const struct store_status *st)
{
	json_t	*o = json_object(), *k;
	size_t	 i;
	int	 j;

	for (i = 0; i < st->nkinds; i++) {
		k = json_object();
		for (j = 0; j < OUTBOX_STATE_COUNT; j++)
			json_object_set_new(k, store_outbox_state_name(j),
			    json_integer(st->kinds[i].n[j]));
		json_object_set_new(o, st->kinds[i].kind, k);
	}
	return o;
}

static json_t *
registrations(const struct status *s)
{
	json_t	*days = json_array();
	size_t	 i;

	for (i = 0; i < s->ndays; i++)
		json_array_append_new(days, json_pack("{s:s, s:I, s:I}",
		    "date", s->days[i].date,
		    "mastodon", (json_int_t)s->days[i].n[NETWORK_MASTODON],
		    "bluesky", (json_int_t)s->days[i].n[NETWORK_BLUESKY]));
	return json_pack("{s:s, s:o, s:{s:I, s:I}}", "timezone", s->timezone,
	    "days", days, "earlier",
	    "mastodon", (json_int_t)s->earlier[NETWORK_MASTODON],
	    "bluesky", (json_int_t)s->earlier[NETWORK_BLUESKY]);
}

static json_t *
next_posts(const struct status *s)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < s->nposts; i++)
		json_array_append_new(a, json_pack("{s:I, s:s, s:s?, s:I, s:s,"
		    " s:s}", "id", (json_int_t)s->posts[i].id,
		    "kind", s->posts[i].kind, "bot", s->posts[i].bot,
		    "run_at", (json_int_t)s->posts[i].run_at,
		    "run_at_local", s->posts[i].run_at_local,
		    "text", s->posts[i].text));
	return a;
}

json_t *
stats_json(const struct status *status)
{
	const struct store_stats	*s = &status->st.stats;
	json_t				*inbox = json_object();
	json_t				*outbox = json_object(), *j, *pct;
	int				 i;

	for (i = 0; i < INBOX_STATE_COUNT; i++)
		json_object_set_new(inbox, store_inbox_state_name(i),
		    json_integer(s->inbox[i]));
	for (i = 0; i < OUTBOX_STATE_COUNT; i++)
		json_object_set_new(outbox, store_outbox_state_name(i),
		    json_integer(s->outbox[i]));
	/* per mille, rounded down, as in the table: 100 means every one */
	pct = status->deliverable > 0 ? json_real((double)(status->delivered *
	    1000 / status->deliverable) / 10) : json_null();
	j = json_pack("{s:i, s:{s:I, s:I}, s:{s:I, s:I}, "
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
	json_object_set_new(j, "outbox_by_kind", outbox_by_kind(&status->st));
	json_object_set_new(j, "delivered", json_pack("{s:I, s:I, s:o}",
	    "sent", (json_int_t)status->delivered,
	    "total", (json_int_t)status->deliverable, "percent", pct));
	json_object_set_new(j, "matches", json_pack("{s:o, s:I, s:I}",
	    "match_at", status->st.match_at != 0 ?
	    json_integer(status->st.match_at) : json_null(),
	    "suggestions", (json_int_t)status->st.suggestions,
	    "members_with", (json_int_t)status->st.members_suggested));
	json_object_set_new(j, "next_scheduled", next_posts(status));
	json_object_set_new(j, "registrations", registrations(status));
	return j;
}
