/*
 * cmd-announce: `quitx announce`, the team's one-off posts.
 *
 * The text (a file, or standard input) becomes one scheduled_post per
 * selected bot account, which the daemon hands to the outbox at its
 * time.  Every part is checked against every target network's limit
 * before anything is written: a refusal names the part and its count,
 * and leaves the store as it was.  --preview prints what each network
 * would receive, composed by schedule_compose like the daemon's runner,
 * and writes nothing.  --image FILE --alt TEXT (up to four) go with the
 * first part; each file is checked now against each target network's
 * limits, and again by the daemon when it uploads it.
 */
#include "quitx/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include <jansson.h>

#include "quitx/clock.h"
#include "quitx/config.h"
#include "quitx/media.h"
#include "quitx/richtext.h"
#include "quitx/schedule.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

/* an announcement is a few posts: more is a mistake (a wrong file) */
#define TEXT_MAX	(64 * 1024)
#define PARTS_MAX	25
/* --at this far in the past is refused */
#define PAST_SLACK	300
#define FUTURE_MAX	(400 * 86400)	/* seconds: a date typed wrong */
/* an alt text's bytes, as the config's countdown images allow */
#define ALT_MAX		1000

struct target {
	const struct config_account	*acct;
	int64_t				 bot_id;
	int				 max_chars;
};

/* The whole of path ("-": standard input), at most TEXT_MAX bytes. */
static char *
read_text(const char *path)
{
	FILE	*f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char	*buf;
	size_t	 n;

	if (f == NULL) {
		fprintf(stderr, "quitx announce: %s: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	buf = xmalloc(TEXT_MAX + 1);
	n = fread(buf, 1, TEXT_MAX + 1, f);
	if (ferror(f)) {
		/* a folder, an I/O error: not "the text is empty" */
		fprintf(stderr, "quitx announce: %s: %s\n", path,
		    strerror(errno));
		if (f != stdin)
			fclose(f);
		free(buf);
		return NULL;
	}
	if (f != stdin)
		fclose(f);
	if (n > TEXT_MAX) {
		fprintf(stderr, "quitx announce: %s: longer than %d bytes\n",
		    path, TEXT_MAX);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (!richtext_utf8_valid(buf, n)) {
		fprintf(stderr, "quitx announce: %s: not valid UTF-8 text\n",
		    path);
		free(buf);
		return NULL;
	}
	return buf;
}

/* s and its NUL into a 64-bit FNV-1a. */
static uint64_t
fnv_add(uint64_t h, const char *s)
{
	for (;; s++) {
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
		if (*s == '\0')
			return h;
	}
}

/* A hash of the post: the same text and pictures at the same time is one. */
static uint64_t
body_hash(const struct schedule_body *b)
{
	uint64_t	h = 14695981039346656037ULL;
	size_t		i;

	for (i = 0; i < b->nparts; i++)
		h = fnv_add(h, b->parts[i]);
	for (i = 0; i < b->nimages; i++)
		h = fnv_add(fnv_add(h, b->images[i].file), b->images[i].alt);
	return h;
}

/* --image FILE: made absolute (the daemon reads it from elsewhere). */
static int
image_add(struct schedule_body *b, const char *file)
{
	char	abs[PATH_MAX];

	if (b->nimages == SCHEDULE_IMAGES_MAX) {
		fprintf(stderr, "quitx announce: at most %d images\n",
		    SCHEDULE_IMAGES_MAX);
		return -1;
	}
	if (b->nimages > 0 && b->images[b->nimages - 1].alt == NULL) {
		fprintf(stderr, "quitx announce: --image %s: the one before "
		    "has no --alt\n", file);
		return -1;
	}
	if (realpath(file, abs) == NULL) {
		fprintf(stderr, "quitx announce: --image %s: %s\n", file,
		    strerror(errno));
		return -1;
	}
	/* it is kept in the post's JSON, which holds UTF-8 only */
	if (!richtext_utf8_valid(abs, strlen(abs))) {
		fprintf(stderr, "quitx announce: --image %s: the path is not "
		    "UTF-8\n", file);
		return -1;
	}
	b->images[b->nimages++].file = xstrdup(abs);
	return 0;
}

/* --alt TEXT: the last --image's. */
static int
alt_add(struct schedule_body *b, const char *alt)
{
	size_t	n = strlen(alt);

	if (b->nimages == 0 || b->images[b->nimages - 1].alt != NULL) {
		fprintf(stderr, "quitx announce: --alt goes after its "
		    "--image\n");
		return -1;
	}
	if (n == 0 || n > ALT_MAX || !richtext_utf8_valid(alt, n)) {
		fprintf(stderr, "quitx announce: --alt: 1 to %d bytes of "
		    "UTF-8 text\n", ALT_MAX);
		return -1;
	}
	b->images[b->nimages - 1].alt = xstrdup(alt);
	return 0;
}

/*
 * The pictures against a network's limits (a Mastodon instance's are
 * checked again when uploading: the command does not ask it).
 */
static int
images_check(const struct schedule_body *b, enum network net, char *why,
    size_t whysize)
{
	struct media_file	f;
	size_t			i;

	for (i = 0; i < b->nimages; i++) {
		if (media_load(b->images[i].file, net == NETWORK_BLUESKY ?
		    MEDIA_BSKY_IMAGE_MAX : MEDIA_FILE_MAX,
		    (1u << MEDIA_TYPE_COUNT) - 1, config_network_name(net), &f,
		    why, whysize) == -1)
			return -1;
		media_file_clear(&f);
	}
	return 0;
}

/* Whether name (a handle, "@handle", or a network) selects a. */
static int
selects(const char *name, const struct config_account *a)
{
	if (*name == '@')
		name++;
	return strcasecmp(name, a->handle) == 0 ||
	    strcmp(name, config_network_name(a->network)) == 0 ||
	    strcmp(name, config_lang_name(a->lang)) == 0;
}

/* The accounts LIST names (NULL: all).  Count, or -1 after saying why. */
static int
targets_pick(const struct config *conf, const char *list, struct target *t)
{
	char	*copy, *name, *save = NULL;
	size_t	 i, n = 0;
	int	 found, rc = 0;
	unsigned char picked[256];

	memset(picked, 0, sizeof(picked));
	if (list == NULL) {
		for (i = 0; i < conf->naccounts && i < sizeof(picked); i++)
			picked[i] = 1;
	} else {
		copy = xstrdup(list);
		for (name = strtok_r(copy, ", ", &save); name != NULL;
		    name = strtok_r(NULL, ", ", &save)) {
			found = 0;
			for (i = 0; i < conf->naccounts && i < sizeof(picked);
			    i++)
				if (selects(name, &conf->accounts[i]))
					picked[i] = found = 1;
			if (!found) {
				fprintf(stderr, "quitx announce: no account "
				    "'%s' in the config (a handle, "
				    "mastodon, bluesky, en or fr)\n", name);
				rc = -1;
			}
		}
		free(copy);
	}
	for (i = 0; i < conf->naccounts && i < sizeof(picked); i++)
		if (picked[i])
			t[n++].acct = &conf->accounts[i];
	if (rc == 0 && n == 0)
		fprintf(stderr, "quitx announce: no account selected\n");
	return rc == -1 || n == 0 ? -1 : (int)n;
}

static void
print_images(const struct schedule_body *b)
{
	size_t	i;

	for (i = 0; i < b->nimages; i++)
		printf("image: %s (alt: %s)\n", b->images[i].file,
		    b->images[i].alt);
}

static void
print_preview(const struct target *t, const struct schedule_body *b,
    const struct schedule_msg *m, size_t n, const char *when)
{
	const struct config_account	*a = t->acct;
	char				*facets;
	size_t				 i;

	printf("=== @%s (%s, %s) at %s\n", a->handle,
	    config_network_name(a->network), config_lang_name(a->lang),
	    when);
	for (i = 0; i < n; i++) {
		printf("--- part %zu/%zu: %zu of %zu %s\n", i + 1, n,
		    m[i].length, m[i].limit, a->network == NETWORK_MASTODON ?
		    "characters" : "graphemes");
		printf("%s\n", m[i].text);
		if (m[i].facets != NULL) {
			facets = json_dumps(m[i].facets, JSON_COMPACT |
			    JSON_SORT_KEYS);
			printf("facets: %s\n", facets != NULL ? facets : "[]");
			free(facets);
		}
		if (m[i].nimages > 0)
			print_images(b);
	}
}

int
cmd_announce(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "at",		required_argument, NULL, 'a' },
		{ "accounts",	required_argument, NULL, 'A' },
		{ "thread",	no_argument,	   NULL, 't' },
		{ "preview",	no_argument,	   NULL, 'p' },
		{ "image",	required_argument, NULL, 'i' },
		{ "alt",	required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char			*path = config_default_path();
	const char			*at = NULL, *list = NULL, *why;
	struct config			*conf = NULL;
	struct store			*st = NULL;
	struct target			*t = NULL;
	struct schedule_body		 b;
	struct schedule_resolver	 res;
	struct schedule_msg		*m;
	char				*text = NULL, **parts = NULL, *body;
	char				 err[512], when[64], key[128];
	size_t				 nparts = 0, nm, i;
	int64_t				 run_at, id;
	int				 ch, thread = 0, preview = 0, nt, k;
	int				 rc = EXIT_USAGE, bad = 0;

	memset(&b, 0, sizeof(b));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'a': at = optarg; break;
		case 'A': list = optarg; break;
		case 't': thread = 1; break;
		case 'p': preview = 1; break;
		case 'i':
			if (image_add(&b, optarg) == -1)
				goto out;
			break;
		case 'l':
			if (alt_add(&b, optarg) == -1)
				goto out;
			break;
		default:
			rc = cmd_usage("announce");
			goto out;
		}
	}
	if (b.nimages > 0 && b.images[b.nimages - 1].alt == NULL) {
		fprintf(stderr, "quitx announce: every --image needs its "
		    "--alt (what the picture shows, for who cannot see it)\n");
		goto out;
	}
	if (optind + 1 != argc) {
		rc = cmd_usage("announce");
		goto out;
	}
	if ((conf = cmd_load_config(path)) == NULL)
		goto out;
	if ((text = read_text(argv[optind])) == NULL)
		goto out;
	if (thread)
		nparts = schedule_split_thread(text, &parts);
	else {
		/* one post: the file's last line break is not part of it */
		parts = xcalloc(2, sizeof(*parts));
		i = strlen(text);
		while (i > 0 && (text[i - 1] == '\n' || text[i - 1] == '\r'))
			i--;
		text[i] = '\0';
		if (i > 0)
			parts[nparts++] = xstrdup(text);
	}
	if (nparts == 0 || nparts > PARTS_MAX) {
		fprintf(stderr, "quitx announce: %s\n", nparts == 0 ?
		    "nothing to post: the text is empty" :
		    "more than 25 parts: is this the right file?");
		goto out;
	}
	if (at == NULL)
		run_at = clock_now();
	else if (clock_parse_time(at, conf->campaign.timezone, &run_at,
	    &why) == -1) {
		fprintf(stderr, "quitx announce: --at %s: %s\n", at, why);
		goto out;
	}
	/* a typo in the date must not post at once, nor in a century */
	if (run_at < clock_now() - PAST_SLACK) {
		fprintf(stderr, "quitx announce: --at %s is in the past\n", at);
		goto out;
	}
	if (run_at > clock_now() + FUTURE_MAX) {
		fprintf(stderr, "quitx announce: --at %s is more than 400 days "
		    "ahead\n", at);
		goto out;
	}
	clock_format_in(conf->campaign.timezone, run_at, when, sizeof(when));
	t = xcalloc(conf->naccounts + 1, sizeof(*t));
	if ((nt = targets_pick(conf, list, t)) == -1)
		goto out;
	rc = EXIT_RUNTIME;
	if (store_open(conf->store_path, &st, err, sizeof(err)) == -1) {
		fprintf(stderr, "quitx announce: %s\n", err);
		goto out;
	}
	for (k = 0; k < nt; k++) {
		/*
		 * An account the daemon has not run yet is refused: syncing
		 * from this file would deactivate the accounts the daemon
		 * runs that it lacks (edited, not reloaded yet).
		 */
		t[k].bot_id = store_bot_account_id(st, t[k].acct);
		if (t[k].bot_id == -1 && !preview) {
			fprintf(stderr, "quitx announce: @%s (%s) is not known "
			    "to the daemon yet: start or reload it first\n",
			    t[k].acct->handle,
			    config_network_name(t[k].acct->network));
			rc = EXIT_USAGE;
			goto out;
		}
		t[k].max_chars = t[k].acct->network == NETWORK_MASTODON ?
		    schedule_max_chars_known(st, t[k].bot_id) : 0;
	}

	/* every part against every network, before anything is written */
	b.parts = parts;
	b.nparts = nparts;
	memset(&res, 0, sizeof(res));
	res.st = st;
	for (k = 0; k < nt; k++) {
		b.lang = t[k].acct->lang;
		if (images_check(&b, t[k].acct->network, err,
		    sizeof(err)) == -1 || schedule_compose(&b,
		    t[k].acct->network, t[k].max_chars,
		    schedule_resolve_member, &res, run_at, &m, &nm, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "quitx announce: @%s (%s): %s\n",
			    t[k].acct->handle,
			    config_network_name(t[k].acct->network), err);
			bad = 1;
			continue;
		}
		if (preview)
			print_preview(&t[k], &b, m, nm, when);
		schedule_msgs_free(m, nm);
	}
	if (bad) {
		fprintf(stderr, "quitx announce: nothing was scheduled%s\n",
		    thread ? "" : " (--thread splits the text on blank lines)");
		rc = EXIT_USAGE;
		goto out;
	}
	if (preview) {
		rc = EXIT_OK;
		goto out;
	}

	if (store_transaction_begin(st) == -1)
		goto out;
	/* like a countdown's, an announcement is not posted hours late */
	b.not_after = run_at + conf->countdown.grace;
	for (k = 0; k < nt; k++) {
		b.lang = t[k].acct->lang;
		body = schedule_body_dump(&b);
		snprintf(key, sizeof(key), "announce:%" PRId64 ":%" PRId64
		    ":%016" PRIx64, t[k].bot_id, run_at,
		    body_hash(&b));
		/* the store's timestamps are real time, simulated or not */
		ch = store_schedule_add(st, "announce", key, t[k].bot_id,
		    run_at, body, (int64_t)time(NULL), &id);
		free(body);
		if (ch == -1) {
			store_transaction_rollback(st);
			goto out;
		}
		printf("%s #%" PRId64 ": @%s (%s) at %s, %zu post%s\n",
		    ch == 1 ? "scheduled" : "already scheduled", id,
		    t[k].acct->handle, config_network_name(t[k].acct->network),
		    when, nparts, nparts == 1 ? "" : "s");
	}
	if (store_transaction_commit(st) == -1) {
		store_transaction_rollback(st);
		goto out;
	}
	rc = EXIT_OK;
out:
	for (i = 0; i < nparts; i++)
		free(parts[i]);
	free(parts);
	for (i = 0; i < b.nimages; i++) {
		free(b.images[i].file);
		free(b.images[i].alt);
	}
	free(t);
	free(text);
	if (st != NULL)
		store_close(st);
	config_free(conf);
	return rc;
}
