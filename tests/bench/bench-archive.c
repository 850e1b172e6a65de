/*
 * bench-archive: how fast a huge follower.js (5 million entries, the
 * ~650 MB a large media account gets) goes through the streaming parser,
 * fed in 64 KiB chunks as it would come out of a zip, and proof that
 * parsing adds no memory that grows with the file: the peak RSS is read
 * after the file is in memory and again after parsing it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quitx/archive.h"
#include "quitx/xmalloc.h"

#define ENTRIES	5000000
#define RUNS	5
#define CHUNK	(64 * 1024)

struct gen {
	char	*buf;
	size_t	 len, cap;
};

static void
gen_add(struct gen *g, const char *s, size_t n)
{
	if (g->len + n > g->cap) {
		g->cap = (g->len + n) * 2;
		g->buf = xreallocarray(g->buf, g->cap, 1);
	}
	memcpy(g->buf + g->len, s, n);
	g->len += n;
}

/* The real layout, as X writes it; ids spread up to 19 digits. */
static char *
gen_followers(size_t n, size_t *lenp)
{
	struct gen	g = { NULL, 0, 0 };
	char		e[256];
	size_t		i;
	int		k;
	int64_t		id;

	gen_add(&g, "window.YTD.follower.part0 = [\n", 30);
	for (i = 0; i < n; i++) {
		id = (int64_t)(1000 + i * 7919) +
		    (i % 3 == 0 ? INT64_C(1500000000000000000) : 0);
		k = snprintf(e, sizeof(e), "{\n  \"follower\" : {\n    "
		    "\"accountId\" : \"%" PRId64 "\",\n    \"userLink\" : "
		    "\"https://twitter.com/intent/user?user_id=%" PRId64
		    "\"\n  }\n}%s\n", id, id, i + 1 < n ? "," : "");
		gen_add(&g, e, (size_t)k);
	}
	gen_add(&g, "]", 1);
	*lenp = g.len;
	return g.buf;
}

/* VmHWM from /proc/self/status, in KiB (0 if unknown). */
static long
peak_rss_kib(void)
{
	FILE	*f;
	char	 line[256];
	long	 kib = 0;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

static int
count_id(int64_t id, void *arg)
{
	int64_t	*sum = arg;

	*sum += id & 0xff;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(void)
{
	struct archive_parser	*p;
	struct timespec		 t0, t1;
	double			 secs[RUNS], med;
	char			*buf;
	size_t			 len, off, n;
	long			 before, after;
	int64_t			 sum;
	int			 r;

	buf = gen_followers(ENTRIES, &len);
	before = peak_rss_kib();
	for (r = 0; r < RUNS; r++) {
		sum = 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		p = archive_parser_new(ARCHIVE_FOLLOWER, count_id, &sum);
		for (off = 0; off < len; off += n) {
			n = len - off < CHUNK ? len - off : CHUNK;
			if (archive_parser_feed(p, buf + off, n) == -1)
				break;
		}
		if (archive_parser_finish(p) == -1 ||
		    archive_parser_count(p) != ENTRIES) {
			fprintf(stderr, "bench-archive: %s\n",
			    archive_error(p) ? archive_error(p) : "bad count");
			return 1;
		}
		archive_parser_free(p);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs[r] = (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	}
	after = peak_rss_kib();
	qsort(secs, RUNS, sizeof(secs[0]), cmp_double);
	med = secs[RUNS / 2];
	printf("x archive: %d follower entries (%.0f MB) in %d KiB chunks: "
	    "median %.0f entries/s, %.0f MB/s over %d runs, one core; peak "
	    "RSS %ld KiB with the file in memory, %ld KiB after parsing "
	    "(+%ld KiB)\n", ENTRIES, (double)len / 1e6, CHUNK / 1024,
	    ENTRIES / med, (double)len / 1e6 / med, RUNS, before, after,
	    after - before);
	free(buf);
	return 0;
}
