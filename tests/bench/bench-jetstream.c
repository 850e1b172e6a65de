/*
 * bench-jetstream: how many Jetstream events the filter reads per second
 * on one core, and the memory it takes.
 *
 * The stream is recorded-style: 1,000,000 commit events shaped as the
 * v1 wire sends them (posts of varied length and language, replies,
 * likes, follows, reposts, deletes, identity events), about one in a
 * thousand concerning one of two bots (a mention facet, a reply to a
 * bot's post, a follow of a bot).  A pool of distinct events is cycled
 * with a rising time_us patched in place, so memory stays that of the
 * filter, not of a million strings.  Prints the median of several runs
 * and the peak RSS; with QUITX_BENCH_NDJSON=FILE it also writes the
 * pool there (one event a line) for the Node comparison,
 * tests/bench/jetstream-node.mjs, which cycles it the same way.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "quitx/bluesky-parse.h"
#include "quitx/xmalloc.h"

#define EVENTS		1000000
#define POOL		10007		/* prime: cycles do not line up */
#define RUNS		5
#define RELEVANT_EVERY	1000

static const char *const bots[] = { "did:plc:ewvi7nxzyoun6zhxrhs64oiz",
    "did:plc:4hqjfn7m6n5hno3doamuhgef" };

static const char *const words[] = { "the", "campaign", "bluesky", "today",
    "je", "quitte", "X", "demain", "🚀", "café", "#QuitX", "https://example."
    "com/article", "réseau", "friends", "日本語", "مرحبا", "👩‍👩‍👧‍👦" };

static void
did_of(char *out, size_t size, unsigned n)
{
	static const char	b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	char			 id[25];
	unsigned		 i, x = n * 2654435761u + 12345;

	for (i = 0; i < 24; i++) {
		id[i] = b32[x % 32];
		x = x * 1103515245u + 12345 + i;
	}
	id[24] = '\0';
	snprintf(out, size, "did:plc:%s", id);
}

static void
rkey_of(char *out, unsigned n)
{
	static const char	s32[] = "234567abcdefghijklmnopqrstuvwxyz";
	uint64_t		v = (UINT64_C(1737360000000000) + n) << 10;
	int			i;

	for (i = 12; i >= 0; i--) {
		out[i] = s32[v & 31];
		v >>= 5;
	}
	out[13] = '\0';
}

/* One event of the pool; relevant ones say so in *hit. */
static char *
make_event(unsigned i, int *hit)
{
	json_t		*rec, *commit, *ev;
	char		 did[64], other[64], rkey[14], text[512], uri[160];
	const char	*coll = "app.bsky.feed.post";
	size_t		 n, len = 0;
	unsigned	 kind = i % 20, w;
	char		*out;

	did_of(did, sizeof(did), i);
	did_of(other, sizeof(other), i * 7 + 3);
	rkey_of(rkey, i);
	*hit = i % RELEVANT_EVERY == RELEVANT_EVERY - 1;
	for (n = 0, w = i; n < 6 + i % 30 && len < 400; n++) {
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s",
		    n ? " " : "", words[w % (sizeof(words) / sizeof(*words))]);
		w = w * 31 + 7;
	}
	rec = json_pack("{s:s, s:s, s:s, s:[s]}", "$type", coll, "text", text,
	    "createdAt", "2025-01-20T08:01:02.345Z", "langs",
	    i % 3 ? "en" : "fr");
	if (*hit) {
		switch ((i / RELEVANT_EVERY) % 3) {
		case 0:		/* a mention facet */
			json_object_set_new(rec, "facets", json_pack(
			    "[{s:{s:i, s:i}, s:[{s:s, s:s}]}]", "index",
			    "byteStart", 0, "byteEnd", 5, "features", "$type",
			    "app.bsky.richtext.facet#mention", "did",
			    bots[i % 2]));
			break;
		case 1:		/* a reply to a bot's post */
			snprintf(uri, sizeof(uri), "at://%s/app.bsky.feed.post/"
			    "3lg2aaaaaaaaa", bots[i % 2]);
			json_object_set_new(rec, "reply", json_pack(
			    "{s:{s:s, s:s}, s:{s:s, s:s}}", "root", "uri", uri,
			    "cid", "bafyreiroot", "parent", "uri", uri, "cid",
			    "bafyreiroot"));
			break;
		default:	/* a follow */
			json_decref(rec);
			coll = "app.bsky.graph.follow";
			rec = json_pack("{s:s, s:s, s:s}", "$type", coll,
			    "subject", bots[i % 2], "createdAt",
			    "2025-01-20T08:01:02.345Z");
		}
	} else if (kind < 4) {
		/* replies to someone else */
		snprintf(uri, sizeof(uri), "at://%s/app.bsky.feed.post/%s",
		    other, rkey);
		json_object_set_new(rec, "reply", json_pack(
		    "{s:{s:s, s:s}, s:{s:s, s:s}}", "root", "uri", uri, "cid",
		    "bafyreiabcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopq",
		    "parent", "uri", uri, "cid", "bafyreiabcdefghijklmnopqrstu"
		    "vwxyz234567abcdefghijklmnopq"));
	} else if (kind < 12) {
		/* likes, reposts, follows of others (all over the network) */
		json_decref(rec);
		coll = kind < 9 ? "app.bsky.feed.like" : kind < 11 ?
		    "app.bsky.feed.repost" : "app.bsky.graph.follow";
		snprintf(uri, sizeof(uri), "at://%s/app.bsky.feed.post/%s",
		    other, rkey);
		rec = kind == 11 ? json_pack("{s:s, s:s, s:s}", "$type", coll,
		    "subject", other, "createdAt", "2025-01-20T08:01:02.345Z") :
		    json_pack("{s:s, s:{s:s, s:s}, s:s}", "$type", coll,
		    "subject", "uri", uri, "cid", "bafyreiabcdefghijklmnopqrst",
		    "createdAt", "2025-01-20T08:01:02.345Z");
	} else if (kind == 12) {
		json_decref(rec);
		ev = json_pack("{s:s, s:I, s:s, s:{s:s, s:s, s:I, s:s}}", "did",
		    did, "time_us", (json_int_t)1737360000000000, "kind",
		    "identity", "identity", "did", did, "handle",
		    "someone.bsky.social", "seq", (json_int_t)30340180350,
		    "time", "2025-01-20T08:01:02.345Z");
		out = json_dumps(ev, JSON_COMPACT);
		json_decref(ev);
		return out;
	}
	commit = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "rev",
	    "3lg2hxvpnkc2a", "operation", kind == 13 ? "update" : "create",
	    "collection", coll, "rkey", rkey, "record", rec, "cid",
	    "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a");
	/* time_us first, 16 digits: patched in place while cycling */
	ev = json_pack("{s:s, s:I, s:s, s:o}", "did", did, "time_us",
	    (json_int_t)1737360000000000, "kind", "commit", "commit", commit);
	out = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(ev);
	return out;
}

static void
set_time(char *ev, uint64_t t)
{
	char	*p = strstr(ev, "\"time_us\":"), num[17];

	snprintf(num, sizeof(num), "%016" PRIu64, t);
	memcpy(p + 10, num, 16);
}

static long
peak_rss_kb(void)
{
	FILE	*f = fopen("/proc/self/status", "r");
	char	 line[256];
	long	 kb = -1;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	if (f != NULL)
		fclose(f);
	return kb;
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
	struct bsky_event	 ev;
	struct timespec		 t0, t1;
	char			*pool[POOL], err[128];
	size_t			 lens[POOL], bytes = 0;
	double			 rate[RUNS];
	const char		*ndjson = getenv("QUITX_BENCH_NDJSON");
	FILE			*out;
	uint64_t		 t = UINT64_C(1737360000000000);
	long			 kept = 0, want = 0, rss_before;
	int			 hits[POOL], i, r;

	for (i = 0; i < POOL; i++) {
		pool[i] = make_event((unsigned)i, &hits[i]);
		lens[i] = strlen(pool[i]);
	}
	for (i = 0; i < EVENTS; i++)
		want += hits[i % POOL];
	if (ndjson != NULL && (out = fopen(ndjson, "w")) != NULL) {
		for (i = 0; i < POOL; i++) {
			fputs(pool[i], out);
			fputc('\n', out);
		}
		fclose(out);
	}
	rss_before = peak_rss_kb();
	for (r = 0; r < RUNS; r++) {
		kept = 0;
		bytes = 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < EVENTS; i++) {
			set_time(pool[i % POOL], t++);
			if (bsky_jetstream_parse(pool[i % POOL], lens[i % POOL],
			    bots, 2, &ev, err, sizeof(err)) == 1)
				kept++;
			bytes += lens[i % POOL];
			bsky_event_clear(&ev);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		rate[r] = EVENTS / ((double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		if (kept != want) {
			fprintf(stderr, "bench-jetstream: kept %ld events, "
			    "want %ld\n", kept, want);
			return 1;
		}
	}
	qsort(rate, RUNS, sizeof(rate[0]), cmp_double);
	printf("jetstream filter: %d events (%.0f bytes each on average, "
	    "%ld concerning the bots), median of %d runs: %.0f events/s "
	    "(%.1f MB/s) on one core\n", EVENTS, (double)bytes / EVENTS,
	    kept, RUNS, rate[RUNS / 2], rate[RUNS / 2] * (double)bytes /
	    EVENTS / 1e6);
	printf("jetstream filter: peak RSS %ld kB (%ld kB of it the event "
	    "pool and the program before filtering)\n", peak_rss_kb(),
	    rss_before);
	for (i = 0; i < POOL; i++)
		free(pool[i]);
	return 0;
}
