/*
 * bench-match: the cross-reference at three sizes, and a projection to
 * the campaign's: a million members, a hundred million edges.
 *
 * Each size is a fresh store populated through the store's API: N
 * members (BENCH_MATCH_MEMBERS, default 100,000, and a quarter and a
 * half of it), one person in ten on Bluesky too (a second member of the
 * same X account), every person with a proven claim and one complete
 * upload whose following and follower files agree with everyone else's.
 * Out-degrees are geometric around MEAN_FOLLOWING and targets are skewed
 * as the project's generator draws them (one draw in eight goes to a
 * "celebrity", the first persons being followed by most), so a follow
 * is two edge rows: ~100 rows per person, all between persons, the
 * worst case for the match (in real archives most ids are not members
 * and cost only a lookup).  Populating uses synchronous = OFF on the
 * bench's own connection (a commit per upload and file would otherwise
 * be most of the bench's time); the runs measured use the store as
 * quitx opens it.
 *
 * Measured: `quitx match` (the real binary, a generated config), three
 * runs per size, the median wall time, the peak RSS (wait4) and the peak
 * WAL size (polled); then the same in-process with a 16 MB budget, so
 * that it spills, to show what the budget bounds; one member's stored
 * suggestions read with store_suggestions_get (median over 1,000
 * members); and one store_match_stale on a store that is not stale
 * (its worst case: every table walked).
 *
 * BENCH_MATCH_STORE=path only populates a store of BENCH_MATCH_MEMBERS
 * members there and stops, for profiling `quitx match` by hand.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "quitx/match.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"
/* the bench's own connection, to populate without a sync per commit */
#include "../../src/store-internal.h"

#define RUNS		3
#define SIZES		3
#define MEAN_FOLLOWING	50
#define READS		1000
#define SPILL_MB	16
#define TARGET_MEMBERS	1000000.0
#define TARGET_EDGES	100000000.0

struct rng {
	uint64_t	s;
};

struct graph {
	uint32_t	 n;
	size_t		*out_off, *in_off;
	uint32_t	*out, *in;
	size_t		 follows;
};

struct measured {
	int	status;
	double	secs;
	long	rss_kib;
	off_t	wal_max;
};

struct size_result {
	uint32_t	members, persons;
	uint64_t	edges, follows, suggestions;
	size_t		partitions, spill_partitions;
	double		secs, spill_secs, read_us, rows_avg, stale_ms;
	long		rss_kib, spill_rss_kib;
	off_t		wal_max;
};

static double
now_seconds(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t
rng_next(struct rng *r)
{
	/* xorshift64*: deterministic, good enough for a graph */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

static double
rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* the generator's skew (tests/tools/gen-archive.c, pick_target) */
static uint32_t
pick_target(struct rng *r, uint32_t n)
{
	double	u, v;

	if ((rng_next(r) & 7) == 0) {
		u = 1.0 - rng_unit(r);
		v = 1.0 / u - 1.0;
	} else {
		u = rng_unit(r);
		v = u * u * u * n;
	}
	return v >= n - 1 ? n - 1 : (uint32_t)v;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
graph_build(struct graph *g, uint32_t n, uint64_t seed)
{
	struct rng	 r = { seed | 1 };
	uint32_t	*stamp, i, j;
	size_t		 cap, e, k, got, tries, *cur;

	memset(g, 0, sizeof(*g));
	g->n = n;
	g->out_off = xcalloc((size_t)n + 1, sizeof(*g->out_off));
	g->in_off = xcalloc((size_t)n + 1, sizeof(*g->in_off));
	cap = (size_t)n * MEAN_FOLLOWING + 1024;
	g->out = xreallocarray(NULL, cap, sizeof(*g->out));
	stamp = xcalloc(n, sizeof(*stamp));
	for (i = 0, e = 0; i < n; i++) {
		g->out_off[i] = e;
		/* geometric out-degree, at least one */
		for (k = 1; rng_next(&r) % MEAN_FOLLOWING != 0; k++)
			;
		if (k > n - 1)
			k = n - 1;
		if (cap - e < k) {
			while (cap - e < k)
				cap *= 2;
			g->out = xreallocarray(g->out, cap, sizeof(*g->out));
		}
		for (got = tries = 0; got < k && tries++ < 16 * k + 64; ) {
			j = pick_target(&r, n);
			if (j == i || stamp[j] == i + 1)
				continue;
			stamp[j] = i + 1;
			g->out[e + got++] = j;
		}
		qsort(g->out + e, got, sizeof(*g->out), cmp_u32);
		e += got;
	}
	g->out_off[n] = e;
	g->follows = e;
	free(stamp);
	for (e = 0; e < g->follows; e++)
		g->in_off[g->out[e] + 1]++;
	for (j = 0; j < n; j++)
		g->in_off[j + 1] += g->in_off[j];
	g->in = xreallocarray(NULL, g->follows + 1, sizeof(*g->in));
	cur = xreallocarray(NULL, (size_t)n + 1, sizeof(*cur));
	memcpy(cur, g->in_off, ((size_t)n + 1) * sizeof(*cur));
	for (i = 0; i < n; i++)
		for (e = g->out_off[i]; e < g->out_off[i + 1]; e++)
			g->in[cur[g->out[e]]++] = i;
	free(cur);
}

static void
graph_free(struct graph *g)
{
	free(g->out_off);
	free(g->in_off);
	free(g->out);
	free(g->in);
}

/* X ids grow with the index, so sorted indexes give sorted ids */
static int64_t
xid(uint32_t i)
{
	return 1000000000000000LL + (int64_t)i * 7919;
}

static void
die(const char *what, struct store *st)
{
	fprintf(stderr, "bench-match: %s: %s\n", what,
	    st != NULL ? store_errmsg(st) : "");
	exit(1);
}

/* A store of members (persons = 10 in 11 of them); returns the edges. */
static uint64_t
populate(const char *db, uint32_t members, uint32_t *persons_out,
    uint64_t seed)
{
	struct store_edge_writer	*w;
	struct upload_outcome		 out;
	struct store			*st;
	struct graph			 g;
	int64_t				*ids, id, *first, uid;
	uint64_t			 edges = 0;
	uint32_t			 persons, i, made = 0;
	size_t				 e, n;
	char				 err[512], acct[64], handle[32];

	persons = (uint32_t)(((uint64_t)members * 10 + 10) / 11);
	*persons_out = persons;
	graph_build(&g, persons, seed);
	if (store_open(db, &st, err, sizeof(err)) == -1) {
		fprintf(stderr, "bench-match: %s\n", err);
		exit(1);
	}
	if (sqlite3_exec(st->db, "PRAGMA synchronous = OFF", NULL, NULL,
	    NULL) != SQLITE_OK)
		die("pragma", st);
	first = xreallocarray(NULL, persons, sizeof(*first));
	for (i = 0; i < persons; i++) {
		if (i % 5000 == 0 && store_transaction_begin(st) == -1)
			die("begin", st);
		snprintf(acct, sizeof(acct), "u%u@m.example", i);
		snprintf(handle, sizeof(handle), "u%u", i);
		if (store_member_import(st, NETWORK_MASTODON, acct, NULL, 1000,
		    &first[i]) == -1 ||
		    store_claim_prove(st, first[i], handle, xid(i),
		    PROOF_IMPORT, 1000) == -1)
			die("member", st);
		made++;
		if (i % 10 == 5 && made < members) {
			snprintf(acct, sizeof(acct), "u%u.bsky.example", i);
			if (store_member_import(st, NETWORK_BLUESKY, acct, acct,
			    1000, &id) == -1 ||
			    store_claim_prove(st, id, handle, xid(i),
			    PROOF_IMPORT, 1000) == -1)
				die("member", st);
			made++;
		}
		if ((i % 5000 == 4999 || i + 1 == persons) &&
		    store_transaction_commit(st) == -1)
			die("commit", st);
	}
	ids = xreallocarray(NULL, persons, sizeof(*ids));
	for (i = 0; i < persons; i++) {
		if (store_upload_begin(st, first[i], UPLOAD_IMPORT, 1000,
		    &uid) == -1 || (w = store_edge_writer_new(st, uid)) == NULL)
			die("upload", st);
		for (n = 0, e = g.out_off[i]; e < g.out_off[i + 1]; e++)
			ids[n++] = xid(g.out[e]);
		if (n > 0 && store_edge_writer_add(w, EDGE_FOLLOWING, ids,
		    n) == -1)
			die("edges", st);
		edges += n;
		for (n = 0, e = g.in_off[i]; e < g.in_off[i + 1]; e++)
			ids[n++] = xid(g.in[e]);
		if (n > 0 && store_edge_writer_add(w, EDGE_FOLLOWER, ids,
		    n) == -1)
			die("edges", st);
		edges += n;
		store_edge_writer_free(w);
		snprintf(handle, sizeof(handle), "u%u", i);
		if (store_upload_complete(st, uid, xid(i), handle,
		    (int64_t)(g.in_off[i + 1] - g.in_off[i]),
		    (int64_t)(g.out_off[i + 1] - g.out_off[i]), 1000,
		    &out) == -1)
			die("complete", st);
		upload_outcome_clear(&out);
	}
	store_close(st);
	free(ids);
	free(first);
	graph_free(&g);
	return edges;
}

/*
 * Run argv (or, when argv is NULL, fn in a child), output to out_path;
 * wall time, peak RSS, and the WAL's peak size polled every 10 ms.
 */
static struct measured
run(const char *const argv[], int (*fn)(void *), void *arg,
    const char *out_path, const char *wal)
{
	struct measured	 m = { -1, 0, 0, 0 };
	struct rusage	 ru;
	struct timespec	 nap = { 0, 10000000 };
	struct stat	 sb;
	double		 t0 = now_seconds();
	pid_t		 pid, w;
	int		 st, fd;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd == -1)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		if (argv == NULL)
			_exit(fn(arg));
		execvp(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	if (pid == -1)
		return m;
	while ((w = wait4(pid, &st, WNOHANG, &ru)) == 0) {
		if (stat(wal, &sb) == 0 && sb.st_size > m.wal_max)
			m.wal_max = sb.st_size;
		nanosleep(&nap, NULL);
	}
	if (w != pid)
		return m;
	m.secs = now_seconds() - t0;
	m.rss_kib = ru.ru_maxrss;
	m.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return m;
}

static void
show_output(const char *path)
{
	char	*s = tu_slurp(path);

	fprintf(stderr, "%s", s != NULL ? s : "(no output)\n");
	free(s);
}

/* In a child: match_run with a small budget, its stats as JSON. */
static int
spill_child(void *arg)
{
	struct match_options	 o = { 0 };
	struct match_stats	 s;
	struct store		*st;
	json_t			*j;
	char			 err[512];

	o.memory_mb = SPILL_MB;
	if (store_open(arg, &st, err, sizeof(err)) == -1 ||
	    match_run(st, (int64_t)time(NULL), &o, &s, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	store_close(st);
	j = match_stats_json(&s);
	json_dumpf(j, stdout, JSON_COMPACT);
	json_decref(j);
	/* the child leaves with _exit: stdio is not flushed for it */
	fflush(stdout);
	return 0;
}

static uint64_t
json_u64(const char *path, const char *key)
{
	char	*s = tu_slurp(path), *p;
	json_t	*j;
	uint64_t v = 0;

	/* quitx may log before its JSON: start at the object */
	if (s != NULL && (p = strchr(s, '{')) != NULL &&
	    (j = json_loads(p, JSON_DISABLE_EOF_CHECK, NULL)) != NULL) {
		v = (uint64_t)json_integer_value(json_object_get(j, key));
		json_decref(j);
	}
	free(s);
	return v;
}

/* store_suggestions_get for READS members: median microseconds. */
static void
reads(const char *db, uint32_t members, struct size_result *r)
{
	struct suggestion	*s;
	struct store		*st;
	struct rng		 g = { 0x5eed };
	double			 t[READS], t0;
	size_t			 n, rows = 0;
	int64_t			 id;
	char			 err[512];
	int			 i, stale;

	if (store_open(db, &st, err, sizeof(err)) == -1) {
		fprintf(stderr, "bench-match: %s\n", err);
		exit(1);
	}
	for (i = 0; i < READS; i++) {
		id = 1 + (int64_t)(rng_next(&g) % members);
		t0 = now_seconds();
		if (store_suggestions_get(st, id, -1, 0, &s, &n) == -1)
			die("read", st);
		t[i] = (now_seconds() - t0) * 1e6;
		rows += n;
		suggestions_free(s, n);
	}
	qsort(t, READS, sizeof(t[0]), cmp_double);
	r->read_us = t[READS / 2];
	r->rows_avg = (double)rows / READS;
	t0 = now_seconds();
	stale = store_match_stale(st, (int64_t)time(NULL));
	r->stale_ms = (now_seconds() - t0) * 1e3;
	if (stale != 0)
		fprintf(stderr, "bench-match: the store is stale?\n");
	store_close(st);
}

static void
one_size(const char *quitx, uint32_t members, uint64_t seed,
    struct size_result *r)
{
	struct measured	 m;
	char		*dir = tu_tmpdir(), *db, *wal, *conf, *out;
	double		 secs[RUNS], spill[RUNS], t0;
	long		 rss = 0, spill_rss = 0;
	off_t		 wal_max = 0;
	int		 i;

	memset(r, 0, sizeof(*r));
	r->members = members;
	db = xasprintf("%s/quitx.db", dir);
	wal = xasprintf("%s/quitx.db-wal", dir);
	out = xasprintf("%s/out.txt", dir);
	t0 = now_seconds();
	r->edges = populate(db, members, &r->persons, seed);
	fprintf(stderr, "bench-match: %u members, %" PRIu64 " edge rows"
	    " populated in %.1f s\n", members, r->edges, now_seconds() - t0);
	tu_write(dir, "token", 0600, "unused\n");
	tu_link_messages(dir);
	conf = tu_write(dir, "quitx.conf", 0600, "store = \"%s\";\n"
	    "log_level = \"warning\";\n"
	    "accounts = ( { network = \"mastodon\"; server ="
	    " \"https://m.example\"; handle = \"HelloQuitX\"; language = \"en\";"
	    " token_file = \"%s/token\"; } );\n", db, dir);
	for (i = 0; i < RUNS; i++) {
		m = run((const char *[]){ quitx, "match", "-c", conf, "--json",
		    NULL }, NULL, NULL, out, wal);
		if (m.status != 0) {
			show_output(out);
			exit(1);
		}
		secs[i] = m.secs;
		rss = m.rss_kib > rss ? m.rss_kib : rss;
		wal_max = m.wal_max > wal_max ? m.wal_max : wal_max;
	}
	r->follows = json_u64(out, "follows");
	r->suggestions = json_u64(out, "suggestions");
	r->partitions = (size_t)json_u64(out, "partitions");
	for (i = 0; i < RUNS; i++) {
		m = run(NULL, spill_child, db, out, wal);
		if (m.status != 0) {
			show_output(out);
			exit(1);
		}
		spill[i] = m.secs;
		spill_rss = m.rss_kib > spill_rss ? m.rss_kib : spill_rss;
		wal_max = m.wal_max > wal_max ? m.wal_max : wal_max;
	}
	r->spill_partitions = (size_t)json_u64(out, "partitions");
	qsort(secs, RUNS, sizeof(secs[0]), cmp_double);
	qsort(spill, RUNS, sizeof(spill[0]), cmp_double);
	r->secs = secs[RUNS / 2];
	r->spill_secs = spill[RUNS / 2];
	r->rss_kib = rss;
	r->spill_rss_kib = spill_rss;
	r->wal_max = wal_max;
	reads(db, members, r);
	printf("match: %u members (%u persons), %" PRIu64 " edge rows, %"
	    PRIu64 " follows -> %" PRIu64 " suggestions: median %.2f s over"
	    " %d runs, peak RSS %ld KiB, %zu partition%s (256 MB budget);"
	    " with a %d MB budget: %.2f s, %zu partitions, peak RSS %ld KiB;"
	    " peak WAL %.1f MB\n", members, r->persons, r->edges, r->follows,
	    r->suggestions, r->secs, RUNS, r->rss_kib, r->partitions,
	    r->partitions == 1 ? "" : "s", SPILL_MB, r->spill_secs,
	    r->spill_partitions, r->spill_rss_kib, (double)r->wal_max / 1e6);
	printf("match: one member's suggestions (store_suggestions_get, %.1f"
	    " rows on average): median %.0f us over %d members; a not-stale"
	    " store_match_stale: %.1f ms\n", r->rows_avg, r->read_us, READS,
	    r->stale_ms);
	fflush(stdout);
	tu_rmtree(dir);
	free(dir);
	free(db);
	free(wal);
	free(out);
	free(conf);
}

/*
 * Least squares t = a + b x over the sizes (x: edge rows), and the
 * same for the peak RSS of the spilling runs against members, where the
 * budget is fixed and the rest grows with members.
 */
static void
fit(const double *x, const double *y, int n, double *a, double *b)
{
	double	sx = 0, sy = 0, sxx = 0, sxy = 0;
	int	i;

	for (i = 0; i < n; i++) {
		sx += x[i];
		sy += y[i];
		sxx += x[i] * x[i];
		sxy += x[i] * y[i];
	}
	*b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
	*a = (sy - *b * sx) / n;
}

int
main(void)
{
	const char		*env = getenv("BENCH_MATCH_MEMBERS");
	const char		*keep = getenv("BENCH_MATCH_STORE");
	const char		*quitx = tu_quitx_bin();
	struct size_result	 r[SIZES];
	double			 x[SIZES], y[SIZES], a, b, t_mem, t_spill,
				 rss_a, rss_b, per_edge;
	long			 v = 100000;
	char			*end;
	int			 i;

	if (env != NULL) {
		errno = 0;
		v = strtol(env, &end, 10);
		if (errno != 0 || *end != '\0' || v < 1000 || v > 5000000) {
			fprintf(stderr, "bench-match: BENCH_MATCH_MEMBERS must be"
			    " 1000 to 5000000\n");
			return 1;
		}
	}
	if (keep != NULL) {
		printf("%s: %" PRIu64 " edge rows\n", keep,
		    populate(keep, (uint32_t)v, &r[0].persons, 1));
		return 0;
	}
	for (i = 0; i < SIZES; i++)
		one_size(quitx, (uint32_t)(v / 4 << i), 0x9e3779b97f4a7c15ULL +
		    (uint64_t)i, &r[i]);
	/* time: linear in edge rows (reads, records, radix sort, rows out) */
	for (i = 0; i < SIZES; i++) {
		x[i] = (double)r[i].edges;
		y[i] = r[i].spill_secs;
	}
	fit(x, y, SIZES, &a, &b);
	t_spill = a + b * TARGET_EDGES;
	for (i = 0; i < SIZES; i++)
		y[i] = r[i].secs;
	fit(x, y, SIZES, &a, &per_edge);
	t_mem = a + per_edge * TARGET_EDGES;
	/* memory: the spilling runs, budget fixed, against members */
	for (i = 0; i < SIZES; i++) {
		x[i] = r[i].members;
		y[i] = (double)r[i].spill_rss_kib;
	}
	fit(x, y, SIZES, &rss_a, &rss_b);
	printf("match: projection to %.0f members / %.0f edge rows, the model"
	    " t = a + b * edge rows (every phase is linear: the scan, two"
	    " records an edge row, radix sorts, rows out; the rankings'"
	    " sorts are n log n in a member's own list, ~50) fitted over the"
	    " %d sizes: %.0f s with the 256 MB budget (%.0f ns an edge row),"
	    " %.0f s with %d MB; both spill at that size (two 8-byte records"
	    " an edge row: %.0f MB); peak RSS %.0f MB (%.0f bytes a member,"
	    " fitted on the %d MB runs, plus the 256 MB budget)\n",
	    TARGET_MEMBERS, TARGET_EDGES, SIZES, t_mem, per_edge * 1e9,
	    t_spill, SPILL_MB, TARGET_EDGES * 16 / 1e6,
	    (rss_a + rss_b * TARGET_MEMBERS - SPILL_MB * 1024.0) / 1024 + 256,
	    rss_b * 1024, SPILL_MB);
	(void)b;
	return 0;
}
