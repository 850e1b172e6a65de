/*
 * cmd-schedule: `quitx schedule list|show|cancel`, the team's view of
 * the scheduled posts (the countdown, announcements) and their brake.
 *
 * cancel moves a row from 'pending' only, in one statement: the daemon's
 * runner, which moves it from 'pending' to 'queued' in its own
 * transaction, and the team can never both win.
 */
#include "quitx/cmd.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quitx/clock.h"
#include "quitx/config.h"
#include "quitx/schedule.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

#define WORDS_MAX	48	/* bytes of text a list line shows */

/* The first words of s on one line, cut on a character boundary. */
static void
first_words(const char *s, char *out, size_t size)
{
	size_t	i, o = 0, cut = 0;

	for (i = 0; s[i] != '\0' && o + 4 < size; i++) {
		/* never between the bytes of one character */
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			cut = o;
		if (o >= WORDS_MAX && ((unsigned char)s[i] & 0xc0) != 0x80)
			break;
		out[o++] = s[i] == '\n' || s[i] == '\t' ? ' ' : s[i];
	}
	if (s[i] != '\0') {
		o = cut;
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static int
parse_id(const char *s, int64_t *id)
{
	char		*end;
	long long	 v;

	if (*s == '#')
		s++;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || v <= 0)
		return -1;
	*id = (int64_t)v;
	return 0;
}

static int
list(const struct config *conf, struct store *st)
{
	struct sched_row	*r;
	struct schedule_body	 b;
	char			 when[64], words[WORDS_MAX + 24], why[128];
	char			 acct[80];
	size_t			 n, i;

	if (store_schedule_list(st, &r, &n) == -1)
		return EXIT_RUNTIME;
	if (n == 0) {
		printf("no scheduled posts\n");
		return EXIT_OK;
	}
	printf("%5s  %-9s  %-34s  %-20s  %-9s  %s\n", "ID", "KIND", "ACCOUNT",
	    "RUN AT", "STATE", "TEXT");
	for (i = 0; i < n; i++) {
		clock_format_in(conf->campaign.timezone, r[i].run_at, when,
		    sizeof(when));
		if (schedule_body_parse(r[i].body, &b, why, sizeof(why)) == 0) {
			first_words(b.parts[0], words, sizeof(words));
			if (b.nparts > 1) {
				size_t	l = strlen(words);

				snprintf(words + l, sizeof(words) - l, " (+%zu)",
				    b.nparts - 1);
			}
			schedule_body_clear(&b);
		} else
			snprintf(words, sizeof(words), "(unreadable)");
		snprintf(acct, sizeof(acct), "@%s (%s)", r[i].bot_handle !=
		    NULL ? r[i].bot_handle : "?",
		    config_network_name(r[i].network));
		printf("%5" PRId64 "  %-9s  %-34s  %-20s  %-9s  %s\n", r[i].id,
		    r[i].kind, acct, when, r[i].state, words);
	}
	sched_rows_free(r, n);
	return EXIT_OK;
}

static int
show(const struct config *conf, struct store *st, int64_t id)
{
	struct sched_row	 r;
	struct schedule_body	 b;
	char			 when[64], why[128], key[64], *state, *remote;
	size_t			 i;
	int			 rc;

	if ((rc = store_schedule_get(st, id, &r)) != 1) {
		if (rc == 0)
			fprintf(stderr, "quitx schedule: no scheduled post "
			    "#%" PRId64 "\n", id);
		return EXIT_RUNTIME;
	}
	clock_format_in(conf->campaign.timezone, r.run_at, when, sizeof(when));
	printf("#%" PRId64 " %s (%s)\nfrom:    @%s (%s, %s)%s\nrun at:  %s\n"
	    "state:   %s\n", r.id, r.kind, r.dedupe_key, r.bot_handle != NULL ?
	    r.bot_handle : "?", config_network_name(r.network),
	    config_lang_name(r.lang), r.bot_active ? "" :
	    " -- no longer configured", when, r.state);
	if (schedule_body_parse(r.body, &b, why, sizeof(why)) == -1) {
		printf("body:    unreadable: %s\n", why);
		sched_row_clear(&r);
		return EXIT_RUNTIME;
	}
	if (b.not_after > 0) {
		clock_format_in(conf->campaign.timezone, b.not_after, when,
		    sizeof(when));
		printf("skipped if not out by %s\n", when);
	}
	for (i = 0; i < b.nimages; i++)
		printf("image:   %s (alt: %s)\n", b.images[i].file,
		    b.images[i].alt);
	for (i = 0; i < b.nparts; i++) {
		snprintf(key, sizeof(key), "sched:%" PRId64 ":%zu", r.id,
		    i + 1);
		printf("--- part %zu/%zu", i + 1, b.nparts);
		if (store_outbox_by_key(st, key, &state, &remote) == 1)
			printf(": outbox %s%s%s", state, remote != NULL ?
			    " as " : "", remote != NULL ? remote : "");
		printf("\n%s\n", b.parts[i]);
		free(state);
		free(remote);
	}
	schedule_body_clear(&b);
	sched_row_clear(&r);
	return EXIT_OK;
}

static int
cancel(struct store *st, int64_t id)
{
	struct sched_row	r;
	int			rc;

	/* the store's timestamps are real time, simulated or not */
	if ((rc = store_schedule_set_state(st, id, "pending", "cancelled",
	    (int64_t)time(NULL))) == -1)
		return EXIT_RUNTIME;
	if (rc == 1) {
		printf("#%" PRId64 " cancelled\n", id);
		return EXIT_OK;
	}
	if ((rc = store_schedule_get(st, id, &r)) == 1) {
		fprintf(stderr, "quitx schedule: #%" PRId64 " is %s: only a "
		    "pending post can be cancelled%s\n", id, r.state,
		    strcmp(r.state, "queued") == 0 ? " (it is in the outbox "
		    "already)" : "");
		sched_row_clear(&r);
	} else if (rc == 0)
		fprintf(stderr, "quitx schedule: no scheduled post #%" PRId64
		    "\n", id);
	return EXIT_RUNTIME;
}

int
cmd_schedule(int argc, char **argv)
{
	const char	*path = config_default_path(), *what;
	struct config	*conf;
	struct store	*st;
	char		 err[512];
	int64_t		 id = 0;
	int		 ch, rc, want;

	if (argc < 2)
		return cmd_usage("schedule");
	what = argv[1];
	want = strcmp(what, "list") == 0 ? 0 : strcmp(what, "show") == 0 ||
	    strcmp(what, "cancel") == 0 ? 1 : -1;
	if (want == -1)
		return cmd_usage("schedule");
	optind = 1;
	while ((ch = getopt(argc - 1, argv + 1, "c:")) != -1) {
		if (ch != 'c')
			return cmd_usage("schedule");
		path = optarg;
	}
	if (argc - 1 - optind != want || (want == 1 &&
	    parse_id(argv[1 + optind], &id) == -1))
		return cmd_usage("schedule");
	if ((conf = cmd_load_config(path)) == NULL)
		return EXIT_USAGE;
	if (store_open(conf->store_path, &st, err, sizeof(err)) == -1) {
		fprintf(stderr, "quitx schedule: %s\n", err);
		config_free(conf);
		return EXIT_RUNTIME;
	}
	if (want == 0)
		rc = list(conf, st);
	else if (strcmp(what, "show") == 0)
		rc = show(conf, st, id);
	else
		rc = cancel(st, id);
	store_close(st);
	config_free(conf);
	return rc;
}
