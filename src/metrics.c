/*
 * metrics: Prometheus text format.  Every family has HELP and TYPE lines;
 * label values are fixed words, never remote text, so need no escaping.
 */
#define LOG_TAG "metrics"
#include "quitx/metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "quitx/config.h"
#include "quitx/daemon.h"
#include "quitx/bluesky.h"
#include "quitx/mastodon.h"
#include "quitx/store.h"

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *
metrics_render(const struct daemon_state *ds, size_t *len)
{
	struct store_stats	 s;
	char			*buf = NULL;
	FILE			*f;
	size_t			 j;
	int			 i;

	if (store_stats_get(ds->store, &s) == -1)
		return NULL;
	if ((f = open_memstream(&buf, len)) == NULL)
		return NULL;
	family(f, "quitx_build_info", "gauge", "Version of the running quitx.");
	fprintf(f, "quitx_build_info{version=\"%s\"} 1\n", QUITX_VERSION);
	family(f, "quitx_start_time_seconds", "gauge",
	    "Start time of the daemon, Unix seconds.");
	fprintf(f, "quitx_start_time_seconds %lld\n", (long long)ds->started);
	family(f, "quitx_config_reloads_total", "counter",
	    "Configuration reloads (SIGHUP), by result.");
	fprintf(f, "quitx_config_reloads_total{result=\"ok\"} %lu\n",
	    ds->reloads);
	fprintf(f, "quitx_config_reloads_total{result=\"failed\"} %lu\n",
	    ds->reload_failures);
	family(f, "quitx_store_schema_version", "gauge",
	    "Schema version of the store.");
	fprintf(f, "quitx_store_schema_version %d\n", s.schema_version);
	family(f, "quitx_bot_accounts", "gauge",
	    "Configured bot accounts, by network.");
	for (i = 0; i < NETWORK_COUNT; i++)
		fprintf(f, "quitx_bot_accounts{network=\"%s\"} %" PRId64 "\n",
		    config_network_name((enum network)i), s.bot_accounts[i]);
	family(f, "quitx_mastodon_account_state", "gauge",
	    "1 for the state each Mastodon bot account is in.");
	for (j = 0; j < ds->nmastodon; j++)
		for (i = 0; i < MASTODON_STATE_COUNT; i++)
			fprintf(f, "quitx_mastodon_account_state{account=\"%s\","
			    "server=\"%s\",state=\"%s\"} %d\n",
			    mastodon_handle(ds->mastodon[j]),
			    mastodon_server(ds->mastodon[j]),
			    mastodon_state_name((enum mastodon_state)i),
			    mastodon_state(ds->mastodon[j]) ==
			    (enum mastodon_state)i);
	family(f, "quitx_bluesky_account_state", "gauge",
	    "1 for the state each Bluesky bot account is in.");
	for (j = 0; j < ds->nbluesky; j++)
		for (i = 0; i < BLUESKY_STATE_COUNT; i++)
			fprintf(f, "quitx_bluesky_account_state{account=\"%s\","
			    "state=\"%s\"} %d\n",
			    bluesky_handle(ds->bluesky[j]),
			    bluesky_state_name((enum bluesky_state)i),
			    bluesky_state(ds->bluesky[j]) ==
			    (enum bluesky_state)i);
	family(f, "quitx_members", "gauge", "Registered members, by network.");
	for (i = 0; i < NETWORK_COUNT; i++)
		fprintf(f, "quitx_members{network=\"%s\"} %" PRId64 "\n",
		    config_network_name((enum network)i), s.members[i]);
	family(f, "quitx_claims", "gauge", "X handle claims, by proof.");
	fprintf(f, "quitx_claims{state=\"proven\"} %" PRId64 "\n",
	    s.claims_proven);
	fprintf(f, "quitx_claims{state=\"unproven\"} %" PRId64 "\n",
	    s.claims - s.claims_proven);
	family(f, "quitx_claims_contested", "gauge",
	    "Unproven claims on a handle another member claims too.");
	fprintf(f, "quitx_claims_contested %" PRId64 "\n", s.claims_contested);
	family(f, "quitx_uploads", "gauge", "Ingested archives and imports.");
	fprintf(f, "quitx_uploads %" PRId64 "\n", s.uploads);
	family(f, "quitx_follow_edges", "gauge", "Follow edges between X ids.");
	fprintf(f, "quitx_follow_edges %" PRId64 "\n", s.edges);
	family(f, "quitx_inbox_events", "gauge", "Inbox events, by state.");
	for (i = 0; i < INBOX_STATE_COUNT; i++)
		fprintf(f, "quitx_inbox_events{state=\"%s\"} %" PRId64 "\n",
		    store_inbox_state_name((enum inbox_state)i), s.inbox[i]);
	family(f, "quitx_outbox_messages", "gauge",
	    "Outgoing posts and messages, by state.");
	for (i = 0; i < OUTBOX_STATE_COUNT; i++)
		fprintf(f, "quitx_outbox_messages{state=\"%s\"} %" PRId64 "\n",
		    store_outbox_state_name((enum outbox_state)i), s.outbox[i]);
	family(f, "quitx_scheduled_posts_pending", "gauge",
	    "Scheduled posts not yet queued.");
	fprintf(f, "quitx_scheduled_posts_pending %" PRId64 "\n",
	    s.scheduled_pending);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
