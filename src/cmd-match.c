/*
 * cmd-match: `quitx match [-c FILE] [--member WHO] [--json]`: run the
 * cross-reference on the configured store, or show one member's stored
 * suggestions.  It can run while the daemon does: the store is shared
 * in WAL mode and the result is swapped in whole.
 */
#define LOG_TAG "match"
#include "quitx/cmd.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "quitx/config.h"
#include "quitx/log.h"
#include "quitx/match.h"
#include "quitx/stats.h"
#include "quitx/store.h"

/* 1234567 -> "1,234,567"; the match's counts are far below 2^63 */
static const char *
grouped(char *buf, size_t size, uint64_t v)
{
	return stats_grouped(buf, size, (int64_t)v);
}

static void
print_stats(const char *path, const struct match_stats *s)
{
	char	a[32], b[32];

	printf("quitx match: %s\n\n", path);
	printf("  %-20s %s\n", "persons", grouped(a, sizeof(a), s->persons));
	printf("  %-20s %s\n", "members", grouped(a, sizeof(a), s->members));
	printf("  %-20s %s\n", "uploads", grouped(a, sizeof(a), s->uploads));
	printf("  %-20s %s\n", "edges read",
	    grouped(a, sizeof(a), s->edges_read));
	printf("  %-20s %s\n", "follows", grouped(a, sizeof(a), s->follows));
	printf("  %-20s %s for %s members\n", "suggestions",
	    grouped(a, sizeof(a), s->suggestions),
	    grouped(b, sizeof(b), s->members_with));
	printf("  %-20s %zu%s\n", "partitions", s->partitions,
	    s->partitions == 1 ? " (in memory)" : " (spilled to disk)");
	printf("  %-20s %.1f\n", "seconds", s->seconds);
}

static int
run_match(struct store *st, const struct config *conf, int json)
{
	struct match_options	 o = { 0, 0, NULL, 0 };
	struct match_stats	 s;
	const char		*path = conf->store_path;
	json_t			*j;
	char			 err[512];

	/* the daemon's settings: the same store, the same result */
	o.max_per_member = (size_t)conf->campaign.match_max;
	o.memory_mb = (size_t)conf->campaign.match_memory_mb;
	if (match_run(st, (int64_t)time(NULL), &o, &s, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "quitx match: %s: %s\n", path, err);
		return EXIT_RUNTIME;
	}
	if (json) {
		if ((j = match_stats_json(&s)) == NULL)
			return EXIT_RUNTIME;
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(j);
	} else
		print_stats(path, &s);
	return EXIT_OK;
}

/* "3 minutes" */
static void
ago(char *buf, size_t size, int64_t secs)
{
	static const struct { int64_t len; const char *unit; } units[] = {
		{ 86400, "day" }, { 3600, "hour" }, { 60, "minute" },
		{ 1, "second" },
	};
	size_t	i;
	int64_t	n;

	if (secs < 1) {
		snprintf(buf, size, "just now");
		return;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]) - 1; i++)
		if (secs >= units[i].len)
			break;
	n = secs / units[i].len;
	snprintf(buf, size, "%" PRId64 " %s%s ago", n, units[i].unit,
	    n == 1 ? "" : "s");
}

static json_t *
suggestions_json(const struct member *m, int64_t at,
    const struct suggestion *s, size_t n)
{
	json_t	*j, *a;
	size_t	 i;

	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:I, s:I, s:s, s:s,"
		    " s:o, s:b, s:I, s:b}", "rank", (json_int_t)(i + 1),
		    "member_id", (json_int_t)s[i].member_id,
		    "network", config_network_name(s[i].network),
		    "account", s[i].account,
		    "handle", s[i].handle != NULL ? json_string(s[i].handle) :
		    json_null(), "mutual", s[i].mutual,
		    "followers", (json_int_t)s[i].followers,
		    "sent", s[i].sent));
	j = json_pack("{s:s, s:s, s:I, s:o}", "member", m->account,
	    "network", config_network_name(m->network), "match_at",
	    (json_int_t)at, "suggestions", a);
	return j;
}

static int
show_member(struct store *st, const char *path, const char *who, int json)
{
	struct suggestion	*s;
	struct member		 m;
	json_t			*j;
	char			 when[64], name[320];
	int64_t			 at;
	size_t			 n, i;
	int			 rc;

	if ((rc = store_member_find(st, who, &m)) != 1) {
		if (rc == 0)
			fprintf(stderr, "quitx match: no member %s\n", who);
		else
			fprintf(stderr, "quitx match: cannot read %s: %s\n",
			    path, store_errmsg(st));
		return rc == 0 ? EXIT_USAGE : EXIT_RUNTIME;
	}
	if ((rc = store_match_at(st, &at)) != 1) {
		if (rc == 0)
			fprintf(stderr, "quitx match: no match has run on %s"
			    " yet (run quitx match)\n", path);
		else
			fprintf(stderr, "quitx match: cannot read %s: %s\n",
			    path, store_errmsg(st));
		member_clear(&m);
		return EXIT_RUNTIME;
	}
	if (store_suggestions_get(st, m.id, -1, 0, &s, &n) == -1) {
		fprintf(stderr, "quitx match: cannot read %s: %s\n", path,
		    store_errmsg(st));
		member_clear(&m);
		return EXIT_RUNTIME;
	}
	if (json) {
		j = suggestions_json(&m, at, s, n);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(j);
	} else {
		ago(when, sizeof(when), (int64_t)time(NULL) - at);
		printf("%s (%s): %zu suggestion%s, from the match of %s\n",
		    m.account, config_network_name(m.network), n,
		    n == 1 ? "" : "s", when);
		for (i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "%s%s",
			    s[i].network == NETWORK_MASTODON ? "@" : "",
			    s[i].handle != NULL ? s[i].handle : s[i].account);
			printf("  %4zu  %-8s  %-40s  %-6s  %" PRId64
			    " follower%s%s\n", i + 1,
			    config_network_name(s[i].network), name,
			    s[i].mutual ? "mutual" : "", s[i].followers,
			    s[i].followers == 1 ? "" : "s",
			    s[i].sent ? "  (sent)" : "");
		}
	}
	suggestions_free(s, n);
	member_clear(&m);
	return EXIT_OK;
}

int
cmd_match(int argc, char **argv)
{
	static const struct option	longopts[] = {
		{ "member", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct config	*conf;
	struct store	*st;
	struct stat	 sb;
	const char	*path = config_default_path(), *who = NULL;
	char		 err[512];
	int		 ch, json = 0, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (ch == 'c')
			path = optarg;
		else if (ch == 'm')
			who = optarg;
		else if (ch == 'j')
			json = 1;
		else
			return cmd_usage("match");
	}
	if (optind != argc)
		return cmd_usage("match");
	if ((conf = cmd_load_config(path)) == NULL)
		return EXIT_USAGE;
	log_set_level(conf->log_level);
	if (stat(conf->store_path, &sb) == -1) {
		fprintf(stderr, "quitx match: no store at %s yet (quitx run "
		    "creates it)\n", conf->store_path);
		config_free(conf);
		return EXIT_RUNTIME;
	}
	if (store_open(conf->store_path, &st, err, sizeof(err)) == -1) {
		fprintf(stderr, "quitx match: %s\n", err);
		config_free(conf);
		return EXIT_RUNTIME;
	}
	rc = who != NULL ? show_member(st, conf->store_path, who, json) :
	    run_match(st, conf, json);
	store_close(st);
	config_free(conf);
	return rc;
}
