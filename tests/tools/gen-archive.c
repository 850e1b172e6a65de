/*
 * gen-archive: synthetic X (Twitter) data archives and populations, for
 * the tests, the benchmarks and `make demo`.
 *
 * Same command line and same file layout as the shared gen-x-archive
 * tool, written from scratch so that quitx needs nothing outside its
 * tree to build, test or demonstrate itself:
 *
 *	OUT/population.tsv	x_id, x_handle, mastodon_acct, bluesky_handle:
 *				tab separated, one line per user, no header;
 *				an empty column means no account there
 *	OUT/archives/<handle>/data/{manifest,account,follower,following}.js
 *				for the first --archives users only
 *	OUT/archives/<handle>.zip
 *				the same files zipped (deflate) as X ships
 *				them, among media entries a reader must skip
 *	OUT/big/data/{account,follower}.js
 *				one huge follower file (--big-followers N),
 *				streamed in constant memory
 *
 * The .js files are byte for byte in X's layout:
 * `window.YTD.<type>.part0 = [` then pretty-printed entries joined by
 * ",\n", then `]`, no final newline.
 *
 * The follow graph is skewed: out-degrees are exponential around
 * --mean-following, and targets favour low indices, the very first users
 * being "celebrities" that most people follow.  following.js and
 * follower.js agree by construction (A lists B as followed iff B lists A
 * as follower).  X ids are 64-bit decimals: a quarter of the users get
 * odd ids just above 2^53 and another quarter 19-digit snowflake-like
 * ids, none of which survive a round trip through a double.
 *
 * Everything derives from --seed through xoshiro256** (seeded with
 * splitmix64), one stream per purpose so that, say, --on-mastodon does
 * not change the graph: the same options give the same bytes, zips
 * included.  No libm (the project does not link it): the logarithm the
 * exponential law needs is computed here.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <zip.h>

#define PROG		"gen-archive"
#define EXIT_IO		1
#define EXIT_USAGE	2

#define USERS_MAX	50000000ULL	/* indices are uint32_t */
#define EDGES_MAX	1000000000.0	/* 4 GB of graph: surely a typo */
#define MEAN_MAX	1000000.0
#define BIG_MAX		10000000000ULL	/* 1.3 TB of follower.js */

#define SMALL_BUF	(256 * 1024)
#define BIG_BUF		(8 * 1024 * 1024)
#define ENTRY_MAX	256		/* one formatted edge fits */
#define PRINTF_MAX	1024		/* one w_printf() */

#define ZIP_MTIME	((time_t)1737374400)	/* 2025-01-20 12:00 UTC */
#define TWEPOCH_MS	1288834974657ULL	/* snowflake time origin */
#define LN2		0.69314718055994530942

#define DEFAULT_USERS	1000
#define DEFAULT_MEAN	40.0
#define DEFAULT_MASTO	0.4
#define DEFAULT_BSKY	0.6
#define DEFAULT_SEED	20250120
#define DEFAULT_MDOMAIN	"mamot.example"
#define DEFAULT_BDOMAIN	"bsky.example"

enum stream { STREAM_POPULATION = 1, STREAM_GRAPH, STREAM_MEDIA };

enum {
	OPT_USERS = 256, OPT_ARCHIVES, OPT_MEAN, OPT_MASTO, OPT_BSKY,
	OPT_ZIP, OPT_BIG, OPT_SEED, OPT_OUT, OPT_MDOMAIN, OPT_BDOMAIN
};

struct opts {
	uint64_t	 users;
	uint64_t	 archives;
	int		 archives_set;
	double		 mean;
	double		 on_mastodon;
	double		 on_bluesky;
	int		 zip;
	uint64_t	 big;
	uint64_t	 seed;
	const char	*out;
	const char	*mdomain;
	const char	*bdomain;
};

struct rng {
	uint64_t	 s[4];
};

/* a file written through our own buffer, errors are fatal */
struct writer {
	FILE		*fp;
	char		 path[PATH_MAX];
	char		*buf;
	size_t		 len, cap;
	uint64_t	 bytes;
};

/* "{\n  \"<kind>\" : {\n    \"accountId\" : \"", built once per file */
struct edgefmt {
	char		 head[64];
	size_t		 headlen;
};

struct graph {
	uint32_t	 n, holders;
	uint64_t	 edges;
	size_t		*out_off;	/* n + 1: following of i */
	uint32_t	*out;		/* ascending for each i */
	size_t		*in_off;	/* holders + 1: followers of j */
	uint32_t	*in;		/* ascending for each j */
};

static uint64_t	 total_bytes;

static void	 usage(FILE *, int) __attribute__((noreturn));
static void	 die_usage(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static void	 die_io(const char *) __attribute__((noreturn));
static void	 die_mem(void) __attribute__((noreturn));
static void	 w_printf(struct writer *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 path_fmt(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static const char usage_text[] =
"usage: " PROG " --out DIR [--users N] [--archives K] [--mean-following M]\n"
"                   [--on-mastodon FRACTION] [--on-bluesky FRACTION] [--zip]\n"
"                   [--big-followers N] [--seed S] [--mastodon-domain D]\n"
"                   [--bluesky-domain D] [--help]\n";

static const char help_text[] =
"\n"
"Synthetic X (Twitter) data archives, for tests and benchmarks.\n"
"\n"
"Writes, for a population of N synthetic X users with a skewed follow\n"
"graph (an empty column: no account on that network):\n"
"  OUT/population.tsv    x_id  x_handle  mastodon_acct  bluesky_handle\n"
"  OUT/archives/<handle>/data/{manifest,account,follower,following}.js\n"
"                        for the first --archives users only\n"
"  OUT/archives/<handle>.zip\n"
"                        the same, zipped as X ships them, with media\n"
"                        entries to skip (--zip)\n"
"  OUT/big/data/{account,follower}.js\n"
"                        one huge follower file (--big-followers)\n"
"\n"
"Everything is deterministic for a given --seed.\n"
"\n"
"Examples:\n"
"  " PROG " --users 1000 --archives 200 --out out/pop\n"
"  " PROG " --users 0 --big-followers 5000000 --out out/big\n"
"\n"
"options:\n"
"  --out DIR                where to write (created if needed; required)\n"
"  --users N                population size (default 1000)\n"
"  --archives K             how many upload an archive (default: a fifth)\n"
"  --mean-following M       mean accounts a user follows (default 40)\n"
"  --on-mastodon FRACTION   share on Mastodon (default 0.4)\n"
"  --on-bluesky FRACTION    share on Bluesky (default 0.6)\n"
"  --mastodon-domain D      their Mastodon instance (default\n"
"                           " DEFAULT_MDOMAIN ")\n"
"  --bluesky-domain D       their Bluesky handles' domain (default\n"
"                           " DEFAULT_BDOMAIN ")\n"
"  --zip                    also write each archive as a zip\n"
"  --big-followers N        also write one follower.js of N entries\n"
"  --seed S                 random seed (default 20250120)\n"
"  -h, --help               show this help and exit\n";

static void
usage(FILE *fp, int status)
{
	fputs(usage_text, fp);
	if (status == 0)
		fputs(help_text, fp);
	exit(status);
}

static void
die_usage(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr, EXIT_USAGE);
}

static void
die_io(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", PROG, what, strerror(errno));
	exit(EXIT_IO);
}

static void
die_mem(void)
{
	fprintf(stderr, "%s: out of memory\n", PROG);
	exit(EXIT_IO);
}

static void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		die_mem();
	return p;
}

static void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		die_mem();
	if ((p = realloc(p, n * size == 0 ? 1 : n * size)) == NULL)
		die_mem();
	return p;
}

/*
 * Options.
 */

static uint64_t
parse_u64(const char *name, const char *s, uint64_t max)
{
	unsigned long long	 v;
	char			*end;

	errno = 0;
	if (*s < '0' || *s > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		goto bad;
	return v;
bad:
	die_usage("%s: expected an integer from 0 to %" PRIu64 ", got '%s'",
	    name, max, s);
}

static double
parse_real(const char *name, const char *s, double max)
{
	double	 v;
	char	*end;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(v >= 0 && v <= max))
		die_usage("%s: expected a number from 0 to %g, got '%s'",
		    name, max, s);
	return v;
}

/* a DNS-ish name: it ends up in handles and in a TSV file */
static const char *
parse_domain(const char *name, const char *s)
{
	const char	*p;

	if (*s == '\0' || *s == '.' || strlen(s) > 253)
		goto bad;
	for (p = s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.')
			continue;
		goto bad;
	}
	return s;
bad:
	die_usage("%s: expected a domain name (letters, digits, '-', '.'), "
	    "got '%s'", name, s);
}

static void
parse_options(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "users",		required_argument, NULL, OPT_USERS },
		{ "archives",		required_argument, NULL, OPT_ARCHIVES },
		{ "mean-following",	required_argument, NULL, OPT_MEAN },
		{ "on-mastodon",	required_argument, NULL, OPT_MASTO },
		{ "on-bluesky",		required_argument, NULL, OPT_BSKY },
		{ "zip",		no_argument,	   NULL, OPT_ZIP },
		{ "big-followers",	required_argument, NULL, OPT_BIG },
		{ "seed",		required_argument, NULL, OPT_SEED },
		{ "out",		required_argument, NULL, OPT_OUT },
		{ "mastodon-domain",	required_argument, NULL, OPT_MDOMAIN },
		{ "bluesky-domain",	required_argument, NULL, OPT_BDOMAIN },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL,			0,		   NULL, 0 }
	};
	int	 ch;

	memset(o, 0, sizeof(*o));
	o->users = DEFAULT_USERS;
	o->mean = DEFAULT_MEAN;
	o->on_mastodon = DEFAULT_MASTO;
	o->on_bluesky = DEFAULT_BSKY;
	o->seed = DEFAULT_SEED;
	o->mdomain = DEFAULT_MDOMAIN;
	o->bdomain = DEFAULT_BDOMAIN;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_USERS:
			o->users = parse_u64("--users", optarg, USERS_MAX);
			break;
		case OPT_ARCHIVES:
			o->archives = parse_u64("--archives", optarg,
			    USERS_MAX);
			o->archives_set = 1;
			break;
		case OPT_MEAN:
			o->mean = parse_real("--mean-following", optarg,
			    MEAN_MAX);
			break;
		case OPT_MASTO:
			o->on_mastodon = parse_real("--on-mastodon", optarg,
			    1.0);
			break;
		case OPT_BSKY:
			o->on_bluesky = parse_real("--on-bluesky", optarg,
			    1.0);
			break;
		case OPT_ZIP:
			o->zip = 1;
			break;
		case OPT_BIG:
			o->big = parse_u64("--big-followers", optarg,
			    BIG_MAX);
			break;
		case OPT_SEED:
			o->seed = parse_u64("--seed", optarg, UINT64_MAX);
			break;
		case OPT_OUT:
			if (*optarg == '\0')
				die_usage("--out: empty directory name");
			o->out = optarg;
			break;
		case OPT_MDOMAIN:
			o->mdomain = parse_domain("--mastodon-domain",
			    optarg);
			break;
		case OPT_BDOMAIN:
			o->bdomain = parse_domain("--bluesky-domain",
			    optarg);
			break;
		case 'h':
			usage(stdout, 0);
		case ':':
			die_usage("%s needs a value", argv[optind - 1]);
		default:
			if (optopt > 0 && optopt < 256)
				die_usage("unknown option -%c", optopt);
			die_usage("bad option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (o->out == NULL)
		die_usage("--out DIR is required");
	if (!o->archives_set)
		o->archives = o->users / 5;
	if (o->archives > o->users)
		o->archives = o->users;
	if ((double)o->users * (o->mean < 1 ? 1 : o->mean) > EDGES_MAX)
		die_usage("--users %" PRIu64 " with --mean-following %g is "
		    "more than %.0f edges", o->users, o->mean, EDGES_MAX);
}

/*
 * Random numbers: xoshiro256**, seeded by splitmix64.
 */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	 z;

	z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_init(struct rng *r, uint64_t seed, enum stream stream)
{
	uint64_t	 x;
	int		 i;

	x = seed ^ ((uint64_t)stream * 0xd1b54a32d192ed03ULL);
	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(struct rng *r)
{
	uint64_t	*s = r->s, result, t;

	result = rotl(s[1] * 5, 7) * 9;
	t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* uniform in [0, 1) */
static double
rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* uniform in [0, n), n > 0 */
static uint64_t
rng_below(struct rng *r, uint64_t n)
{
	uint64_t	 v;

	v = (uint64_t)(rng_unit(r) * (double)n);
	return v >= n ? n - 1 : v;
}

/*
 * ln(u) for u = r / 2^53 in (0, 1], r in [1, 2^53]: split u into
 * m * 2^e with m in [1, 2), and ln(m) = 2 atanh((m - 1) / (m + 1)),
 * whose series converges fast since the argument is at most 1/3.
 */
static double
ln_unit(uint64_t r)
{
	double	 m, s, s2, t, sum;
	int	 e, k;

	e = 63 - __builtin_clzll(r);
	m = (double)r / (double)(1ULL << e);
	s = (m - 1) / (m + 1);
	s2 = s * s;
	t = s;
	sum = 0;
	for (k = 1; k < 30; k += 2) {
		sum += t / k;
		t *= s2;
	}
	return 2 * sum + (e - 53) * LN2;
}

/*
 * Population.
 */

static uint64_t
user_id(uint32_t i)
{
	switch (i % 4) {
	case 1:
		/* odd, just above 2^53: a double rounds it */
		return (1ULL << 53) + 1 + 2ULL * 7919 * i;
	case 3:
		/* 19 digits, like the snowflake ids of accounts since 2013 */
		return 1500000000000000001ULL + 2ULL * 7919 * i;
	default:
		return 100000 + 7919ULL * i;
	}
}

static void
user_handle(char *buf, size_t size, uint32_t i)
{
	snprintf(buf, size, "user%07" PRIu32, i);
}

/* when a user joined: snowflake ids carry it, older ones get 2007-09 */
static void
user_created(char *buf, size_t size, uint64_t id, uint32_t i)
{
	struct tm	 tm;
	uint64_t	 ms;
	time_t		 t;

	if (id >= (1ULL << 53))
		ms = (id >> 22) + TWEPOCH_MS;
	else
		ms = (1172707200ULL + (uint64_t)i * 7919 % (3 * 365) *
		    86400 + (uint64_t)i * 4801 % 86400) * 1000 + i % 1000;
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, size, "2012-03-04T05:06:07.000Z");
		return;
	}
	snprintf(buf + strlen(buf), size - strlen(buf), ".%03uZ",
	    (unsigned)(ms % 1000));
}

/*
 * Output.
 */

static void
path_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "%s: path too long under --out\n", PROG);
		exit(EXIT_IO);
	}
}

static void
mkdir_p(const char *path)
{
	char	 tmp[PATH_MAX];
	char	*p;

	path_fmt(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/' || p[-1] == '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0777) == -1 && errno != EEXIST)
			die_io(tmp);
		*p = '/';
	}
	if (mkdir(tmp, 0777) == -1 && errno != EEXIST)
		die_io(tmp);
}

static void
w_open(struct writer *w, const char *path, size_t cap)
{
	path_fmt(w->path, sizeof(w->path), "%s", path);
	if ((w->fp = fopen(path, "w")) == NULL)
		die_io(path);
	/* we buffer ourselves and hand stdio big blocks */
	setvbuf(w->fp, NULL, _IONBF, 0);
	w->buf = xcalloc(1, cap);
	w->cap = cap;
	w->len = 0;
	w->bytes = 0;
}

static void
w_flush(struct writer *w)
{
	if (w->len > 0 && fwrite(w->buf, 1, w->len, w->fp) != w->len)
		die_io(w->path);
	w->bytes += w->len;
	w->len = 0;
}

/* room for need bytes (need <= cap) at w->buf + w->len */
static char *
w_room(struct writer *w, size_t need)
{
	if (w->cap - w->len < need)
		w_flush(w);
	return w->buf + w->len;
}

static void
w_put(struct writer *w, const void *p, size_t n)
{
	if (n > w->cap) {
		w_flush(w);
		if (fwrite(p, 1, n, w->fp) != n)
			die_io(w->path);
		w->bytes += n;
		return;
	}
	memcpy(w_room(w, n), p, n);
	w->len += n;
}

static void
w_str(struct writer *w, const char *s)
{
	w_put(w, s, strlen(s));
}

static void
w_printf(struct writer *w, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;
	int	 n;

	p = w_room(w, PRINTF_MAX);
	va_start(ap, fmt);
	n = vsnprintf(p, PRINTF_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PRINTF_MAX) {
		fprintf(stderr, "%s: internal error: line too long\n", PROG);
		exit(EXIT_IO);
	}
	w->len += (size_t)n;
}

static void
w_close(struct writer *w)
{
	w_flush(w);
	if (fclose(w->fp) == EOF)
		die_io(w->path);
	w->fp = NULL;
	free(w->buf);
	w->buf = NULL;
	total_bytes += w->bytes;
}

static char *
put_u64(char *p, uint64_t v)
{
	char	 tmp[20];
	size_t	 n = 0;

	do {
		tmp[sizeof(tmp) - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	memcpy(p, tmp + sizeof(tmp) - n, n);
	return p + n;
}

#define PUT_LIT(p, s)	do {					\
	memcpy((p), (s), sizeof(s) - 1);			\
	(p) += sizeof(s) - 1;					\
} while (0)

static void
edgefmt_init(struct edgefmt *f, const char *kind)
{
	int	 n;

	n = snprintf(f->head, sizeof(f->head),
	    "{\n  \"%s\" : {\n    \"accountId\" : \"", kind);
	f->headlen = (size_t)n;
}

/* window.YTD.<kind>.part0 = [ */
static void
ytd_open(struct writer *w, const char *kind)
{
	w_printf(w, "window.YTD.%s.part0 = [\n", kind);
}

static void
ytd_close(struct writer *w)
{
	w_str(w, "\n]");
}

/* one {"<kind>": {"accountId", "userLink"}} entry, X's pretty style */
static void
ytd_edge(struct writer *w, const struct edgefmt *f, uint64_t id, int first)
{
	char	 digits[20], *p, *start, *e;
	size_t	 nd;

	e = put_u64(digits, id);
	nd = (size_t)(e - digits);
	start = p = w_room(w, ENTRY_MAX);
	if (!first)
		PUT_LIT(p, ",\n");
	memcpy(p, f->head, f->headlen);
	p += f->headlen;
	memcpy(p, digits, nd);
	p += nd;
	PUT_LIT(p, "\",\n    \"userLink\" : "
	    "\"https://twitter.com/intent/user?user_id=");
	memcpy(p, digits, nd);
	p += nd;
	PUT_LIT(p, "\"\n  }\n}");
	w->len += (size_t)(p - start);
}

static void
write_population(const struct opts *o, uint32_t n)
{
	struct writer	 w;
	struct rng	 r;
	char		 path[PATH_MAX], handle[32];
	uint32_t	 i;
	int		 masto, bsky;

	rng_init(&r, o->seed, STREAM_POPULATION);
	path_fmt(path, sizeof(path), "%s/population.tsv", o->out);
	w_open(&w, path, SMALL_BUF);
	for (i = 0; i < n; i++) {
		user_handle(handle, sizeof(handle), i);
		masto = rng_unit(&r) < o->on_mastodon;
		bsky = rng_unit(&r) < o->on_bluesky;
		w_printf(&w, "%" PRIu64 "\t%s\t", user_id(i), handle);
		if (masto)
			w_printf(&w, "%s@%s", handle, o->mdomain);
		w_str(&w, "\t");
		if (bsky)
			w_printf(&w, "%s.%s", handle, o->bdomain);
		w_str(&w, "\n");
	}
	w_close(&w);
}

/*
 * The follow graph.
 */

/*
 * Whom a user follows: one draw in eight is a "celebrity", with
 * P(j >= t) = 1 / (t + 1), so user 0 gets half of those; the others
 * follow n u^3, a density in j^(-2/3) that still favours low indices.
 */
static uint32_t
pick_target(struct rng *r, uint32_t n)
{
	double	 u, v;

	if ((rng_next(r) & 7) == 0) {
		u = 1.0 - rng_unit(r);		/* (0, 1] */
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
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
build_graph(const struct opts *o, struct graph *g)
{
	struct rng	 r;
	uint32_t	*stamp, i, j, n;
	uint64_t	 k, got, tries, limit;
	size_t		 cap, e, *cur;

	memset(g, 0, sizeof(*g));
	g->n = n = (uint32_t)o->users;
	g->holders = (uint32_t)o->archives;
	g->out_off = xcalloc((size_t)n + 1, sizeof(*g->out_off));
	g->in_off = xcalloc((size_t)g->holders + 1, sizeof(*g->in_off));
	cap = (size_t)n * 8 + 64;
	g->out = xreallocarray(NULL, cap, sizeof(*g->out));
	stamp = xcalloc(n, sizeof(*stamp));	/* i + 1: i follows it */
	rng_init(&r, o->seed, STREAM_GRAPH);

	e = 0;
	for (i = 0; i < n; i++) {
		g->out_off[i] = e;
		if (n < 2)
			continue;
		/* exponential out-degree, at least one, at most n - 1 */
		k = (uint64_t)(-o->mean * ln_unit((rng_next(&r) >> 11) + 1));
		if (k < 1)
			k = 1;
		if (k > n - 1)
			k = n - 1;
		if (cap - e < k) {
			while (cap - e < k)
				cap *= 2;
			g->out = xreallocarray(g->out, cap, sizeof(*g->out));
		}
		/* draw until k distinct; if unlucky, sweep for the rest */
		got = tries = 0;
		limit = 16 * k + 64;
		while (got < k && tries++ < limit) {
			j = pick_target(&r, n);
			if (j == i || stamp[j] == i + 1)
				continue;
			stamp[j] = i + 1;
			g->out[e + got++] = j;
		}
		for (j = (uint32_t)rng_below(&r, n); got < k; j = (j + 1) % n) {
			if (j == i || stamp[j] == i + 1)
				continue;
			stamp[j] = i + 1;
			g->out[e + got++] = j;
		}
		qsort(g->out + e, (size_t)k, sizeof(*g->out), cmp_u32);
		e += (size_t)k;
	}
	g->out_off[n] = e;
	g->edges = e;
	free(stamp);

	/* followers, for archive holders only; i ascending keeps them sorted */
	for (e = 0; e < g->edges; e++)
		if (g->out[e] < g->holders)
			g->in_off[g->out[e] + 1]++;
	for (j = 0; j < g->holders; j++)
		g->in_off[j + 1] += g->in_off[j];
	g->in = xcalloc(g->in_off[g->holders], sizeof(*g->in));
	cur = xcalloc((size_t)g->holders + 1, sizeof(*cur));
	memcpy(cur, g->in_off, ((size_t)g->holders + 1) * sizeof(*cur));
	for (i = 0; i < n; i++)
		for (e = g->out_off[i]; e < g->out_off[i + 1]; e++)
			if (g->out[e] < g->holders)
				g->in[cur[g->out[e]]++] = i;
	free(cur);
}

static void
free_graph(struct graph *g)
{
	free(g->out_off);
	free(g->out);
	free(g->in_off);
	free(g->in);
}

/*
 * Archives.
 */

static void
write_edges(const char *path, const char *kind, const uint32_t *idx,
    size_t count)
{
	struct writer	 w;
	struct edgefmt	 f;
	size_t		 i;

	edgefmt_init(&f, kind);
	w_open(&w, path, SMALL_BUF);
	ytd_open(&w, kind);
	for (i = 0; i < count; i++)
		ytd_edge(&w, &f, user_id(idx[i]), i == 0);
	ytd_close(&w);
	w_close(&w);
}

static void
write_account(const char *path, const char *handle, uint64_t id,
    uint32_t i)
{
	struct writer	 w;
	char		 created[64];

	user_created(created, sizeof(created), id, i);
	w_open(&w, path, SMALL_BUF);
	ytd_open(&w, "account");
	w_printf(&w,
	    "{\n"
	    "  \"account\" : {\n"
	    "    \"email\" : \"%s@mail.example\",\n"
	    "    \"createdVia\" : \"web\",\n"
	    "    \"username\" : \"%s\",\n"
	    "    \"accountId\" : \"%" PRIu64 "\",\n"
	    "    \"createdAt\" : \"%s\",\n"
	    "    \"accountDisplayName\" : \"User %" PRIu32 "\"\n"
	    "  }\n"
	    "}", handle, handle, id, created, i);
	ytd_close(&w);
	w_close(&w);
}

static void
manifest_type(struct writer *w, const char *type, size_t count, int last)
{
	w_printf(w,
	    "    \"%s\": {\n"
	    "      \"files\": [\n"
	    "        {\n"
	    "          \"fileName\": \"data/%s.js\",\n"
	    "          \"globalName\": \"YTD.%s.part0\",\n"
	    "          \"count\": \"%zu\"\n"
	    "        }\n"
	    "      ]\n"
	    "    }%s\n", type, type, type, count, last ? "" : ",");
}

static void
write_manifest(const char *path, const char *handle, uint64_t id,
    uint32_t i, size_t followers, size_t following)
{
	struct writer	 w;

	w_open(&w, path, SMALL_BUF);
	w_printf(&w,
	    "window.__THAR_CONFIG = {\n"
	    "  \"userInfo\": {\n"
	    "    \"accountId\": \"%" PRIu64 "\",\n"
	    "    \"userName\": \"%s\",\n"
	    "    \"displayName\": \"User %" PRIu32 "\"\n"
	    "  },\n"
	    "  \"dataTypes\": {\n", id, handle, i);
	manifest_type(&w, "account", 1, 0);
	manifest_type(&w, "follower", followers, 0);
	manifest_type(&w, "following", following, 1);
	w_str(&w, "  }\n}");
	w_close(&w);
}

static void
za_fail(zip_t *za, const char *zpath)
{
	fprintf(stderr, "%s: %s: %s\n", PROG, zpath, zip_strerror(za));
	zip_discard(za);
	exit(EXIT_IO);
}

static void
za_add(zip_t *za, const char *zpath, const char *name, zip_source_t *src,
    zip_int32_t method)
{
	zip_int64_t	 idx;

	if (src == NULL)
		za_fail(za, zpath);
	if ((idx = zip_file_add(za, name, src, ZIP_FL_OVERWRITE)) < 0) {
		zip_source_free(src);
		za_fail(za, zpath);
	}
	/* fixed times and modes: same seed, same zip */
	if (zip_set_file_compression(za, (zip_uint64_t)idx, method, 0) == -1 ||
	    zip_file_set_mtime(za, (zip_uint64_t)idx, ZIP_MTIME, 0) == -1 ||
	    zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0,
	    ZIP_OPSYS_UNIX, 0100644U << 16) == -1)
		za_fail(za, zpath);
}

static void
za_add_file(zip_t *za, const char *zpath, const char *dir, const char *name)
{
	char	 path[PATH_MAX], entry[64];

	path_fmt(path, sizeof(path), "%s/%s", dir, name);
	path_fmt(entry, sizeof(entry), "data/%s", name);
	za_add(za, zpath, entry, zip_source_file(za, path, 0, -1),
	    ZIP_CM_DEFLATE);
}

static void
za_add_text(zip_t *za, const char *zpath, const char *name, const char *s)
{
	za_add(za, zpath, name, zip_source_buffer(za, s, strlen(s), 0),
	    ZIP_CM_DEFLATE);
}

/* a picture-like blob of random bytes, stored as X stores its media */
static void
za_add_media(zip_t *za, const char *zpath, const char *folder, uint64_t id,
    struct rng *r)
{
	static const char	 b62[] = "0123456789abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	static const unsigned char jfif[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00,
				     0x10, 'J', 'F', 'I', 'F', 0x00 };
	zip_source_t		*src;
	unsigned char		*buf;
	char			 name[128], key[16];
	size_t			 len, i;

	for (i = 0; i < sizeof(key) - 1; i++)
		key[i] = b62[rng_below(r, sizeof(b62) - 1)];
	key[i] = '\0';
	path_fmt(name, sizeof(name), "data/%s/%" PRIu64 "-%s.jpg", folder,
	    id, key);
	len = 2048 + (size_t)rng_below(r, 6144);
	buf = xcalloc(1, len);
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)rng_next(r);
	memcpy(buf, jfif, sizeof(jfif));
	buf[len - 2] = 0xff;
	buf[len - 1] = 0xd9;
	if ((src = zip_source_buffer(za, buf, len, 1)) == NULL)
		free(buf);
	za_add(za, zpath, name, src, ZIP_CM_STORE);
}

static void
write_zip(const char *zpath, const char *dir, uint64_t id, struct rng *r)
{
	static const char	 html[] = "<!DOCTYPE html>\n<html><head>"
				     "<title>Your archive</title></head>"
				     "<body>archive</body></html>\n";
	struct stat		 sb;
	zip_error_t		 ze;
	zip_t			*za;
	int			 zerr;

	if ((za = zip_open(zpath, ZIP_CREATE | ZIP_TRUNCATE, &zerr)) == NULL) {
		zip_error_init_with_code(&ze, zerr);
		fprintf(stderr, "%s: %s: %s\n", PROG, zpath,
		    zip_error_strerror(&ze));
		zip_error_fini(&ze);
		exit(EXIT_IO);
	}
	/* media among the data files: readers must pick, not assume */
	za_add_file(za, zpath, dir, "account.js");
	za_add_file(za, zpath, dir, "follower.js");
	za_add_media(za, zpath, "tweets_media", rng_next(r) >> 2, r);
	za_add_file(za, zpath, dir, "following.js");
	za_add_file(za, zpath, dir, "manifest.js");
	za_add_text(za, zpath, "Your archive.html", html);
	za_add_media(za, zpath, "profile_media", id, r);
	if (zip_close(za) == -1)
		za_fail(za, zpath);
	if (stat(zpath, &sb) == -1)
		die_io(zpath);
	total_bytes += (uint64_t)sb.st_size;
}

static void
write_archives(const struct opts *o, const struct graph *g)
{
	struct rng	 r;
	char		 dir[PATH_MAX], path[PATH_MAX], handle[32];
	uint64_t	 id;
	size_t		 nin, nout;
	uint32_t	 i;

	rng_init(&r, o->seed, STREAM_MEDIA);
	for (i = 0; i < g->holders; i++) {
		user_handle(handle, sizeof(handle), i);
		id = user_id(i);
		nout = g->out_off[i + 1] - g->out_off[i];
		nin = g->in_off[i + 1] - g->in_off[i];
		path_fmt(dir, sizeof(dir), "%s/archives/%s/data", o->out,
		    handle);
		mkdir_p(dir);

		path_fmt(path, sizeof(path), "%s/account.js", dir);
		write_account(path, handle, id, i);
		path_fmt(path, sizeof(path), "%s/follower.js", dir);
		write_edges(path, "follower", g->in + g->in_off[i], nin);
		path_fmt(path, sizeof(path), "%s/following.js", dir);
		write_edges(path, "following", g->out + g->out_off[i], nout);
		path_fmt(path, sizeof(path), "%s/manifest.js", dir);
		write_manifest(path, handle, id, i, nin, nout);

		if (o->zip) {
			path_fmt(path, sizeof(path), "%s/archives/%s.zip",
			    o->out, handle);
			write_zip(path, dir, id, &r);
		}
	}
}

/*
 * One huge follower file, for the benchmarks.  X lists followers by when
 * they followed, so their ids come in no order: a quarter are old
 * accounts (ids under 2^33), the rest snowflake ids above 2^60.  Both
 * are k times an odd constant modulo a power of two, a bijection, so the
 * ids are scattered yet never repeat.  About 130 bytes an entry.
 */
static void
write_big(const struct opts *o)
{
	struct writer	 w;
	struct edgefmt	 f;
	char		 dir[PATH_MAX], path[PATH_MAX];
	uint64_t	 k, id;

	path_fmt(dir, sizeof(dir), "%s/big/data", o->out);
	mkdir_p(dir);

	path_fmt(path, sizeof(path), "%s/account.js", dir);
	w_open(&w, path, SMALL_BUF);
	ytd_open(&w, "account");
	w_str(&w,
	    "{\n"
	    "  \"account\" : {\n"
	    "    \"username\" : \"bigmedia\",\n"
	    "    \"accountId\" : \"42\",\n"
	    "    \"createdAt\" : \"2009-01-01T00:00:00.000Z\",\n"
	    "    \"accountDisplayName\" : \"Big Media\"\n"
	    "  }\n"
	    "}");
	ytd_close(&w);
	w_close(&w);

	path_fmt(path, sizeof(path), "%s/follower.js", dir);
	edgefmt_init(&f, "follower");
	w_open(&w, path, BIG_BUF);
	ytd_open(&w, "follower");
	for (k = 0; k < o->big; k++) {
		if (k % 4 == 0)
			id = ((k + 1) * 0x9e3779b97f4a7c15ULL) & ((1ULL << 33) - 1);
		else
			id = ((k * 0x9e3779b97f4a7c15ULL) & ((1ULL << 60) - 1)) |
			    1ULL << 60;
		ytd_edge(&w, &f, id == 0 ? 1 : id, k == 0);
	}
	ytd_close(&w);
	w_close(&w);
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	struct graph	 g;

	parse_options(argc, argv, &o);
	mkdir_p(o.out);
	write_population(&o, (uint32_t)o.users);
	build_graph(&o, &g);
	write_archives(&o, &g);
	if (o.big > 0)
		write_big(&o);
	printf("%s: %" PRIu64 " users, %" PRIu32 " archives%s, %" PRIu64
	    " edges, %" PRIu64 " big followers, %" PRIu64 " bytes in %s\n",
	    PROG, o.users, g.holders, o.zip ? " (zipped too)" : "", g.edges,
	    o.big, total_bytes, o.out);
	free_graph(&g);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "%s: stdout: %s\n", PROG, strerror(errno));
		return EXIT_IO;
	}
	return 0;
}
