/*
 * cmd-import: `quitx import archive --member ACCOUNT PATH...` and
 * `quitx import population FILE.tsv`, for data the campaign collected
 * elsewhere.  Both can run while the daemon does (the store is shared in
 * WAL mode) and both change nothing when the input is bad: an archive
 * is one upload that completes or vanishes; a population file is read
 * whole and checked before its first line is written.
 */
#define LOG_TAG "import"
#include "quitx/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "quitx/command.h"
#include "quitx/config.h"
#include "quitx/ingest.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

/* population lines written per transaction */
#define IMPORT_TXN_LINES	5000

static double
now_seconds(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A progress line on a terminal; nothing when stderr is a file. */
struct progress {
	int		 tty;
	double		 start;
	uint64_t	 total;		/* 0: unknown */
	double		 scale;		/* done / scale is shown in unit */
	const char	*unit;
};

static void
progress_show(uint64_t done, void *arg)
{
	struct progress	*p = arg;
	double		 secs = now_seconds() - p->start;

	if (!p->tty)
		return;
	if (p->total > 0)
		fprintf(stderr, "\r  %5.1f%%  %.0f %s, %.1f s",
		    100.0 * (double)done / (double)p->total,
		    (double)done / p->scale, p->unit, secs);
	else
		fprintf(stderr, "\r  %.0f %s, %.1f s", (double)done / p->scale,
		    p->unit, secs);
	fflush(stderr);
}

static void
progress_done(struct progress *p)
{
	if (p->tty)
		fprintf(stderr, "\r\033[K");
}

/* Total bytes of the paths (files, or the files of folders), for the %. */
static uint64_t
paths_size(char **paths, int n)
{
	struct stat	sb;
	uint64_t	total = 0;
	int		i;

	for (i = 0; i < n; i++)
		if (stat(paths[i], &sb) == 0 && S_ISREG(sb.st_mode))
			total += (uint64_t)sb.st_size;
	return total;
}

static int
open_store(const struct config *conf, const char *cmd, struct store **st)
{
	char	err[512];

	if (store_open(conf->store_path, st, err, sizeof(err)) == -1) {
		fprintf(stderr, "quitx %s: %s\n", cmd, err);
		return -1;
	}
	return 0;
}

static int
import_archive(const struct config *conf, const char *who, char **paths,
    int npaths)
{
	struct zipread_limits	 limits;
	struct ingest_result	 res;
	struct progress		 prog;
	struct member		 m;
	struct ingest		*g;
	struct store		*st;
	double			 secs;
	int			 i, rc = EXIT_RUNTIME, found;

	if (open_store(conf, "import archive", &st) == -1)
		return EXIT_RUNTIME;
	if ((found = store_member_find(st, who, &m)) != 1) {
		if (found == 0)
			fprintf(stderr, "quitx import archive: no member %s"
			    " (they register by writing to a bot, or come from"
			    " quitx import population)\n", who);
		store_close(st);
		return found == 0 ? EXIT_USAGE : EXIT_RUNTIME;
	}
	if ((g = ingest_new(st, m.id, UPLOAD_IMPORT,
	    (int64_t)time(NULL))) == NULL) {
		fprintf(stderr, "quitx import archive: the store failed: %s\n",
		    store_errmsg(st));
		goto out;
	}
	zipread_limits_default(&limits);
	prog.tty = isatty(STDERR_FILENO);
	prog.start = now_seconds();
	prog.total = paths_size(paths, npaths);
	prog.scale = 1e6;
	prog.unit = "MB read";
	ingest_on_progress(g, progress_show, &prog);
	for (i = 0; i < npaths; i++)
		if (ingest_path(g, paths[i], &limits) == -1)
			break;
	if (ingest_finish(g, (int64_t)time(NULL), &res) == -1) {
		progress_done(&prog);
		fprintf(stderr, "quitx import archive: nothing imported: %s\n",
		    ingest_error(g));
		rc = ingest_errcode(g) == INGEST_STORE ? EXIT_RUNTIME :
		    EXIT_USAGE;
		goto out;
	}
	progress_done(&prog);
	secs = now_seconds() - prog.start;
	printf("imported the archive of @%s (X id %" PRId64 ") for %s:"
	    " %" PRId64 " followers, %" PRId64 " following (%" PRId64
	    " entries read) in %.1f s, %.0f edges/s\n", res.x_handle, res.x_id,
	    m.account, res.followers, res.following, res.entries, secs,
	    secs > 0 ? (double)(res.followers + res.following) / secs : 0.0);
	if (res.outcome.claimed != NULL &&
	    strcasecmp(res.outcome.claimed, res.x_handle) != 0)
		printf("their X handle was @%s; it is now @%s, proven by this"
		    " import\n", res.outcome.claimed, res.x_handle);
	if (res.outcome.replaced > 0)
		printf("it replaces their earlier upload\n");
	ingest_result_clear(&res);
	rc = EXIT_OK;
out:
	ingest_free(g);
	member_clear(&m);
	store_close(st);
	return rc;
}

/* One line of a population file: x_id, X handle, Mastodon, Bluesky. */
struct pop_line {
	int64_t	 x_id;
	char	*handle, *mastodon, *bluesky;
};

/* Split line (modified) into its four fields; NULL on success, or why. */
static const char *
pop_parse(char *line, struct pop_line *pl)
{
	char		*f[4], *p = line, *end, *at;
	unsigned long long v;
	int		 i;

	for (i = 0; i < 4; i++) {
		f[i] = p;
		if ((p = strchr(p, '\t')) == NULL) {
			if (i != 3)
				return "expected 4 tab-separated fields:"
				    " x_id, x_handle, mastodon_acct,"
				    " bluesky_handle";
			break;
		}
		*p++ = '\0';
	}
	if (p != NULL)
		return "more than 4 fields";
	if (*f[0] == '\0' || strlen(f[0]) > 19 ||
	    strspn(f[0], "0123456789") != strlen(f[0]))
		return "x_id must be a decimal number of at most 19 digits";
	errno = 0;
	v = strtoull(f[0], &end, 10);
	if (errno != 0 || v > INT64_MAX)
		return "x_id is too large";
	pl->x_id = (int64_t)v;
	if (!command_x_handle_valid(f[1], strlen(f[1])))
		return "x_handle must be 1 to 15 letters, digits or _";
	pl->handle = f[1];
	pl->mastodon = *f[2] != '\0' ? f[2] : NULL;
	pl->bluesky = *f[3] != '\0' ? f[3] : NULL;
	if (pl->mastodon != NULL && *pl->mastodon == '@')
		pl->mastodon++;
	if (pl->mastodon != NULL && ((at = strchr(pl->mastodon, '@')) == NULL ||
	    (*at = '\0', !config_mastodon_username_valid(pl->mastodon)) ||
	    (*at = '@', !config_dns_name_valid(at + 1))))
		return "mastodon_acct must be user@server";
	if (pl->bluesky != NULL && *pl->bluesky == '@')
		pl->bluesky++;
	if (pl->bluesky != NULL && !config_dns_name_valid(pl->bluesky))
		return "bluesky_handle must be a domain name like"
		    " alice.bsky.social";
	return NULL;
}

static int
pop_write(struct store *st, const struct pop_line *pl, int64_t now,
    int64_t *members)
{
	int64_t	id;

	if (pl->mastodon != NULL) {
		if (store_member_import(st, NETWORK_MASTODON, pl->mastodon,
		    NULL, now, &id) == -1 ||
		    store_claim_prove(st, id, pl->handle, pl->x_id,
		    PROOF_IMPORT, now) == -1)
			return -1;
		(*members)++;
	}
	/*
	 * Until the Bluesky connector resolves it to a DID, an imported
	 * Bluesky member is known by its handle.
	 */
	if (pl->bluesky != NULL) {
		if (store_member_import(st, NETWORK_BLUESKY, pl->bluesky,
		    pl->bluesky, now, &id) == -1 ||
		    store_claim_prove(st, id, pl->handle, pl->x_id,
		    PROOF_IMPORT, now) == -1)
			return -1;
		(*members)++;
	}
	return 0;
}

/*
 * Two passes: every line is checked first (a bad one stops the import
 * before anything is written), then lines are written in transactions
 * of IMPORT_TXN_LINES, so the daemon keeps its turn at the store.
 */
static int
import_population(const struct config *conf, const char *path)
{
	struct pop_line	 pl;
	struct progress	 prog;
	struct store	*st = NULL;
	FILE		*f;
	char		*line = NULL;
	const char	*why;
	size_t		 cap = 0;
	ssize_t		 len;
	int64_t		 lineno = 0, lines = 0, members = 0, skipped = 0;
	int64_t		 now = (int64_t)time(NULL);
	int		 pass, rc = EXIT_RUNTIME, in_txn = 0;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "quitx import population: %s: %s\n", path,
		    strerror(errno));
		return EXIT_USAGE;
	}
	prog.tty = isatty(STDERR_FILENO);
	prog.start = now_seconds();
	prog.total = 0;
	prog.scale = 1;
	prog.unit = "lines";
	for (pass = 0; pass < 2; pass++) {
		rewind(f);
		lineno = 0;
		while ((len = getline(&line, &cap, f)) != -1) {
			lineno++;
			while (len > 0 && (line[len - 1] == '\n' ||
			    line[len - 1] == '\r'))
				line[--len] = '\0';
			if (len == 0 || line[0] == '#')
				continue;
			if ((why = pop_parse(line, &pl)) != NULL) {
				if (pass == 1) {
					fprintf(stderr, "quitx import population:"
					    " %s changed while it was read\n",
					    path);
					goto out;
				}
				fprintf(stderr, "%s:%" PRId64 ": %s\n", path,
				    lineno, why);
				rc = EXIT_USAGE;
				goto out;
			}
			if (pass == 0) {
				lines++;
				continue;
			}
			if (pl.mastodon == NULL && pl.bluesky == NULL) {
				skipped++;	/* on neither network yet */
				continue;
			}
			if (!in_txn && store_transaction_begin(st) == -1)
				goto out;
			in_txn = 1;
			if (pop_write(st, &pl, now, &members) == -1)
				goto out;
			if (lineno % IMPORT_TXN_LINES == 0) {
				if (store_transaction_commit(st) == -1)
					goto out;
				in_txn = 0;
				progress_show((uint64_t)lineno, &prog);
			}
		}
		if (ferror(f)) {
			fprintf(stderr, "quitx import population: %s: %s\n",
			    path, strerror(errno));
			goto out;
		}
		if (pass == 0 && open_store(conf, "import population",
		    &st) == -1)
			goto out;
		prog.total = (uint64_t)lines;
	}
	if (in_txn && store_transaction_commit(st) == -1)
		goto out;
	in_txn = 0;
	progress_done(&prog);
	printf("imported %" PRId64 " people from %s: %" PRId64 " network"
	    " accounts made members with a proven X id, %" PRId64 " on neither"
	    " network, in %.1f s\n", lines, path, members, skipped,
	    now_seconds() - prog.start);
	rc = EXIT_OK;
out:
	if (in_txn) {
		store_transaction_rollback(st);
		fprintf(stderr, "quitx import population: stopped at line %"
		    PRId64 ": %s\n", lineno, store_errmsg(st));
	}
	if (st != NULL)
		store_close(st);
	free(line);
	fclose(f);
	return rc;
}

int
cmd_import(int argc, char **argv)
{
	static const struct option	longopts[] = {
		{ "member", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct config	*conf;
	const char	*path = config_default_path(), *member = NULL, *what;
	int		 ch, rc;

	if (argc < 2)
		return cmd_usage("import");
	what = argv[1];
	optind = 1;
	while ((ch = getopt_long(argc - 1, argv + 1, "c:", longopts,
	    NULL)) != -1) {
		if (ch == 'c')
			path = optarg;
		else if (ch == 'm')
			member = optarg;
		else
			return cmd_usage("import");
	}
	argc -= optind + 1;
	argv += optind + 1;
	if (strcmp(what, "archive") == 0) {
		if (member == NULL || argc < 1) {
			fprintf(stderr, "quitx import archive: give --member"
			    " ACCOUNT and at least one PATH\n");
			return cmd_usage("import");
		}
	} else if (strcmp(what, "population") == 0) {
		if (member != NULL || argc != 1)
			return cmd_usage("import");
	} else {
		fprintf(stderr, "quitx import: import what? 'archive' or"
		    " 'population', not '%s'\n", what);
		return cmd_usage("import");
	}
	if ((conf = cmd_load_config(path)) == NULL)
		return EXIT_USAGE;
	rc = *what == 'a' ? import_archive(conf, member, argv, argc) :
	    import_population(conf, argv[0]);
	config_free(conf);
	return rc;
}
