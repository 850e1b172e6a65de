/*
 * cmd-campaign: `quitx campaign plan|preview|start`, the team's look at
 * the campaign day before it happens, and its start button.
 *
 * plan, preview and start --dry-run compose exactly what the daemon
 * would queue (campaign.c, the same code) inside a transaction they roll
 * back: what they show is what the day sends, and they change nothing.
 */
#include "quitx/cmd.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "quitx/campaign.h"
#include "quitx/config.h"
#include "quitx/match.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

/*
 * The networks' published default budgets, for the time estimate:
 * Mastodon 300 statuses per 3 hours per account; Bluesky 5,000 points
 * an hour for repo writes at 3 points a post (1,666 posts an hour);
 * Bluesky chat publishes none: assumed one message every 2 seconds.
 */
#define MASTODON_PER_HOUR	100.0
#define BLUESKY_POSTS_PER_HOUR	1666.0
#define BLUESKY_CHAT_PER_HOUR	1800.0
#define DUE_BATCH		1000

/* What one bot account would send. */
struct plan_bot {
	int64_t		 id;
	enum network	 network;
	char		*handle;
	size_t		 messages, members, intros, asks;
	int64_t		 last_member;
};

struct plan {
	struct plan_bot	*bots;
	size_t		 nbots;
	FILE		*out;		/* the dry run's file, or NULL */
	int		 show;		/* preview: print each row */
	size_t		 rows;
};

static struct plan_bot *
plan_bot(struct plan *p, int64_t id)
{
	size_t	i;

	for (i = 0; i < p->nbots; i++)
		if (p->bots[i].id == id)
			return &p->bots[i];
	return NULL;
}

static void
print_row(FILE *f, const struct campaign_row *r, const struct plan_bot *b)
{
	fprintf(f, "--- %s from @%s (%s)%s%s, part %zu, %zu %s\n", r->kind,
	    b != NULL ? b->handle : "?", config_network_name(r->network),
	    r->recipient != NULL ? " to " : "", r->recipient != NULL ?
	    r->recipient : "", r->part + 1, r->length,
	    r->network == NETWORK_MASTODON ? "characters" : "graphemes");
	fprintf(f, "%s\n", r->text);
}

static int
on_row(const struct campaign_row *r, void *arg)
{
	struct plan	*p = arg;
	struct plan_bot	*b = plan_bot(p, r->bot_account_id);
	json_t		*o;

	p->rows++;
	if (b != NULL) {
		if (strcmp(r->kind, "intro") == 0)
			b->intros++;
		else if (strcmp(r->kind, "ask_follow") == 0)
			b->asks++;
		else {
			b->messages++;
			if (r->member_id != b->last_member)
				b->members++;
			b->last_member = r->member_id;
		}
	}
	if (p->show)
		print_row(stdout, r, b);
	if (p->out != NULL) {
		o = json_pack("{s:s, s:s, s:s, s:s?, s:I, s:s, s:I, s:s}",
		    "bot", b != NULL ? b->handle : "", "network",
		    config_network_name(r->network), "kind", r->kind, "to",
		    r->recipient, "part", (json_int_t)r->part + 1, "text",
		    r->text, "length", (json_int_t)r->length, "idem_key",
		    r->idem_key);
		json_object_set_new(o, "body", json_loads(r->body, 0, NULL));
		if (json_dumpf(o, p->out, JSON_COMPACT) == -1 ||
		    fputc('\n', p->out) == EOF) {
			json_decref(o);
			return -1;
		}
		json_decref(o);
	}
	return 0;
}

static void
plan_free(struct plan *p)
{
	size_t	i;

	for (i = 0; i < p->nbots; i++)
		free(p->bots[i].handle);
	free(p->bots);
}

static int
plan_init(struct store *st, struct plan *p)
{
	struct bot_row	*b;
	size_t		 n, i;

	memset(p, 0, sizeof(*p));
	if (store_bot_accounts_active(st, &b, &n) == -1)
		return -1;
	p->bots = xcalloc(n + 1, sizeof(*p->bots));
	for (i = 0; i < n; i++) {
		p->bots[i].id = b[i].id;
		p->bots[i].network = b[i].network;
		p->bots[i].handle = xstrdup(b[i].handle);
	}
	p->nbots = n;
	bot_rows_free(b, n);
	return 0;
}

/* Compose the day: intros and every member due, to env's hook.  0, -1. */
static int
compose_all(struct campaign_env *env)
{
	int64_t	ids[DUE_BATCH], after = 0;
	int	n, i, deferred;

	if (campaign_queue_intros(env) == -1)
		return -1;
	do {
		if ((n = store_campaign_due(env->st, after, ids,
		    DUE_BATCH)) == -1)
			return -1;
		for (i = 0; i < n; i++) {
			if (campaign_queue_member(env, ids[i], COMPOSE_NEW,
			    &deferred) == -1)
				return -1;
			after = ids[i];
		}
	} while (n == DUE_BATCH);
	return 0;
}

static void
print_duration(double hours)
{
	if (hours < 1.0 / 60)
		printf("under a minute");
	else if (hours < 1)
		printf("about %.0f min", hours * 60);
	else
		printf("about %.0f h %02.0f min", (double)(int)hours,
		    (hours - (int)hours) * 60);
}

static void
print_plan(const struct config *conf, struct store *st, const struct plan *p,
    int64_t now)
{
	const struct config_campaign	*c = &conf->campaign;
	struct store_stats		 s;
	int64_t				 start, at;
	double				 h, hmax = 0;
	size_t				 i;
	int				 started;

	started = campaign_started(st, conf, now, &start);
	printf("campaign day: %04d-%02d-%02d %02d:%02d %s", c->year, c->month,
	    c->day, c->hour, c->minute, c->timezone);
	if (started == 1)
		printf(" (started %" PRId64 " min ago)\n", (now - start) / 60);
	else
		printf(" (in %" PRId64 " days %" PRId64 " h)\n",
		    (start - now) / 86400, (start - now) % 86400 / 3600);
	if (store_stats_get(st, &s) == 0)
		printf("members: %" PRId64 " on Mastodon, %" PRId64 " on "
		    "Bluesky; %" PRId64 " proven X ids\n",
		    s.members[NETWORK_MASTODON], s.members[NETWORK_BLUESKY],
		    s.claims_proven);
	if (store_match_at(st, &at) == 1)
		printf("last match: %" PRId64 " min ago\n", (now - at) / 60);
	else
		printf("no match yet: run 'quitx match' (the daemon runs it "
		    "when something changes)\n");
	printf("\nto send (at the current matches):\n");
	for (i = 0; i < p->nbots; i++) {
		const struct plan_bot *b = &p->bots[i];
		size_t posts = b->messages + b->intros + b->asks;

		if (b->network == NETWORK_MASTODON)
			h = (double)posts / MASTODON_PER_HOUR;
		else
			h = (double)b->messages / BLUESKY_CHAT_PER_HOUR +
			    (double)(b->intros + b->asks) /
			    BLUESKY_POSTS_PER_HOUR;
		if (h > hmax)
			hmax = h;
		printf("  @%s (%s): %zu message%s to %zu member%s, %zu "
		    "introduction post%s: ", b->handle,
		    config_network_name(b->network), b->messages,
		    b->messages == 1 ? "" : "s", b->members,
		    b->members == 1 ? "" : "s", b->intros,
		    b->intros == 1 ? "" : "s");
		print_duration(h);
		printf("\n");
	}
	printf("delivery, the accounts sending side by side: ");
	print_duration(hmax);
	printf("\n(at the networks' published budgets: Mastodon 300 posts "
	    "per 3 h, Bluesky\n1,666 posts an hour, chat assumed 1 message "
	    "per 2 s; the daemon follows\nthe limits each server "
	    "advertises)\n");
}

static int
open_store(const struct config *conf, const char *name, struct store **st)
{
	struct stat	sb;
	char		err[512];

	if (stat(conf->store_path, &sb) == -1) {
		fprintf(stderr, "quitx campaign %s: no store at %s yet (quitx "
		    "run creates it)\n", name, conf->store_path);
		return -1;
	}
	if (store_open(conf->store_path, st, err, sizeof(err)) == -1) {
		fprintf(stderr, "quitx campaign %s: %s\n", name, err);
		return -1;
	}
	return 0;
}

int
cmd_campaign(int argc, char **argv)
{
	static const struct option	longopts[] = {
		{ "member", required_argument, NULL, 'm' },
		{ "dry-run", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char		*path = config_default_path(), *what;
	const char		*member = NULL, *dry = NULL;
	struct config		*conf;
	struct store		*st = NULL;
	struct campaign_env	 env;
	struct plan		 p;
	struct member		 m;
	int64_t			 now = (int64_t)time(NULL);
	int			 ch, rc = EXIT_RUNTIME, deferred, n;

	if (argc < 2)
		return cmd_usage("campaign");
	what = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (ch == 'c')
			path = optarg;
		else if (ch == 'm' && strcmp(what, "preview") == 0)
			member = optarg;
		else if (ch == 'n' && strcmp(what, "start") == 0)
			dry = optarg;
		else
			return cmd_usage("campaign");
	}
	if (optind != argc || (strcmp(what, "plan") != 0 &&
	    strcmp(what, "preview") != 0 && strcmp(what, "start") != 0) ||
	    (strcmp(what, "preview") == 0 && member == NULL))
		return cmd_usage("campaign");
	if ((conf = cmd_load_config(path)) == NULL)
		return EXIT_USAGE;
	if (open_store(conf, what, &st) == -1)
		goto out;
	if (strcmp(what, "start") == 0 && dry == NULL) {
		if (campaign_start_now(st, now) == -1) {
			fprintf(stderr, "quitx campaign start: %s\n",
			    store_errmsg(st));
			goto out;
		}
		printf("The campaign day starts now: the running daemon "
		    "queues the introductions and\nsuggestion messages "
		    "within seconds ('quitx stats' shows the outbox).\n");
		rc = EXIT_OK;
		goto out;
	}
	if (plan_init(st, &p) == -1)
		goto out;
	memset(&env, 0, sizeof(env));
	env.st = st;
	env.conf = conf;
	env.now = now;
	env.emit = on_row;
	env.arg = &p;
	env.dry_run = 1;
	if (dry != NULL && (p.out = fopen(dry, "w")) == NULL) {
		fprintf(stderr, "quitx campaign start: %s: cannot write\n",
		    dry);
		plan_free(&p);
		goto out;
	}
	if (store_transaction_begin(st) == -1) {
		plan_free(&p);
		goto out;
	}
	if (member != NULL) {
		memset(&m, 0, sizeof(m));
		if ((n = store_member_find(st, member, &m)) != 1) {
			fprintf(stderr, "quitx campaign preview: %s is not a "
			    "member\n", member);
			rc = n == 0 ? EXIT_USAGE : EXIT_RUNTIME;
		} else {
			p.show = 1;
			n = campaign_queue_member(&env, m.id, COMPOSE_NEW,
			    &deferred);
			if (n == 0)
				n = campaign_queue_member(&env, m.id,
				    COMPOSE_ALL, &deferred);
			if (n == 0)
				printf("%s has no suggestion yet%s\n", member,
				    m.messages_stopped ? " (and asked for no "
				    "messages)" : "");
			rc = n == -1 ? EXIT_RUNTIME : EXIT_OK;
		}
		member_clear(&m);
	} else if (compose_all(&env) == -1)
		fprintf(stderr, "quitx campaign %s: %s\n", what,
		    store_errmsg(st));
	else {
		if (dry != NULL)
			printf("%zu rows written to %s (nothing queued)\n",
			    p.rows, dry);
		else
			print_plan(conf, st, &p, now);
		rc = EXIT_OK;
	}
	/* a look, never a change */
	store_transaction_rollback(st);
	if (p.out != NULL && fclose(p.out) == EOF) {
		fprintf(stderr, "quitx campaign start: %s: write failed\n",
		    dry);
		rc = EXIT_RUNTIME;
	}
	plan_free(&p);
out:
	store_close(st);
	config_free(conf);
	return rc;
}
