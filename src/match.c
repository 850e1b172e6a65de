/*
 * match: the cross-reference engine (no SQL: store-match.c reads and
 * writes for it).
 *
 * 1. Members with a proven claim are read in id order; each distinct X
 *    id becomes a person, numbered in order of its first member, and an
 *    open-addressing table maps X ids to persons.  Memory here is
 *    O(members): some 70 bytes each, measured at a million.
 * 2. The edges of every complete upload of a person are read in key
 *    order; each one whose other end is a person is a follow f -> t,
 *    written as two records: (f, t, OUT) for f and (t, f, IN) for t.  A
 *    record is 64 bits: receiver << 32 | other << 1 | flag.  Everything
 *    a receiver needs (whom they follow, who follows them back, how many
 *    follow them) then sits under its own key, whatever file said it.
 * 3. Records stay in memory up to the budget (a sort needs as much
 *    again, the out-lists half as much: records = budget / 20).  Beyond
 *    it they go to spill files by ranges of member indexes (a record to
 *    each range holding a member of its receiver), ranges then
 *    processed in order: adjacent small ones together, an oversized one
 *    split again.
 * 4. A partition is sorted (radix), duplicates dropped (the same follow
 *    from both files), and swept: IN records count the receiver's
 *    followers, OUT records make its out-list, mutual when the IN record
 *    of the same pair came just before.  Follower counts are only whole
 *    once every partition is swept, so with several partitions the
 *    out-lists (4 bytes a follow) go to a file and the ranking is a
 *    third pass.
 * 5. Each member's out-list becomes the discoverable members of the
 *    persons in it, sorted by one 64-bit key (not mutual, fewer
 *    followers, member index), capped per network, and written in
 *    (member id, rank) order, so the result's b-tree only ever appends.
 *
 * Memory: O(members) plus the budget; one person's records may exceed
 * the budget (a partition is never smaller than one member), which at a
 * million persons is at most a few tens of megabytes.
 */
#define LOG_TAG "match"
#include "match-internal.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quitx/log.h"
#include "quitx/xmalloc.h"

#define DEFAULT_MAX_PER		1000
#define DEFAULT_MEMORY_MB	256
/* rows per transaction of the staging table: a few MB of WAL */
#define TXN_ROWS		100000
/* spill files: open at once in the scan, and per split */
#define MAX_BUCKETS		128	/* < MANY */
#define MANY			0xff
#define MAX_FANOUT		64
/* records per spill buffer, at least */
#define MIN_SPILL_BUF		512
#define MIN_RECORDS		16

#define NO_PERSON		UINT32_MAX
#define PERSON_MAX		0x7fffffffu	/* 31 bits in a record */
#define MUTUAL_BIT		0x80000000u

#define MF_BLUESKY		0x01
#define MF_DISCOVERABLE		0x02

#define REC(recv, other, out) \
	((uint64_t)(recv) << 32 | (uint64_t)(other) << 1 | (uint64_t)(out))

/* X id -> person: open addressing, linear probing, grown at half full */
struct xmap {
	int64_t		*keys;
	uint32_t	*vals;		/* NO_PERSON: free */
	size_t		 mask, used;
};

/* A partition's out-lists in the spill file: its member range. */
struct part {
	uint32_t	lo, hi;
	uint64_t	off;		/* bytes */
	size_t		words;
};

struct engine {
	struct store		*st;
	size_t			 max_per;
	size_t			 cap;		/* records a partition holds */
	const char		*tmpdir;
	char			*err;
	size_t			 errsize;
	struct match_stats	*stats;

	/* members with a proven claim, in id order */
	size_t			 nmembers, mcap;
	int64_t			*mid;
	uint32_t		*mperson;
	uint8_t			*mflags;

	/* persons, numbered in order of their first member */
	size_t			 npersons;
	struct xmap		 map;
	uint32_t		*poff;		/* npersons + 1 */
	uint32_t		*pmem;		/* member indexes, ascending */
	uint32_t		*followers;

	/* complete uploads of persons */
	size_t			 nuploads, ucap;
	int64_t			*uid;
	uint32_t		*uperson;
	uint64_t		 declared;	/* edges they declared */
	uint32_t		 uploader;	/* of the upload being read */
	size_t			 uploads_done;

	/* records: in memory, or spilled by member range */
	uint64_t		*recs;
	size_t			 nrecs, rcap;
	struct spill		*buckets;
	size_t			 nbuckets;
	uint8_t			*pbucket;	/* a person's, or MANY */

	/* a partition's records and the sort's scratch, kept from one
	 * partition to the next: fresh ones would cost a page fault a page
	 * each time (measured: a third of the partitions' time) */
	uint64_t		*pa, *pb;
	size_t			 bufcap;

	/* out-lists: the partition's, and the file when several */
	uint32_t		*ol;
	size_t			 olen, olcap;
	struct spill		 olfile;
	struct part		*parts;
	size_t			 nparts, pcap;

	/* ranking */
	uint64_t		*keys;
	size_t			 kcap;
	struct match_writer	*w;
	int64_t			*receivers;	/* members given rows */
	size_t			 nreceivers;
};

static double
now_seconds(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
fail(struct engine *e, const char *what)
{
	if (e->err[0] == '\0')
		snprintf(e->err, e->errsize, "%s", what);
	return -1;
}

/* A store call failed: what, and the database's reason, unless a
 * callback of ours already said why. */
static int
fail_db(struct engine *e, const char *what)
{
	if (e->err[0] == '\0')
		snprintf(e->err, e->errsize, "%s: %s", what,
		    store_errmsg(e->st));
	return -1;
}

/* --- X id -> person --- */

static inline size_t
xhash(int64_t k)
{
	uint64_t	x = (uint64_t)k;

	/* X ids are snowflakes: their low bits are a counter, mix them */
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

static void
xmap_alloc(struct xmap *m, size_t slots)
{
	m->keys = xcalloc(slots, sizeof(*m->keys));
	m->vals = xreallocarray(NULL, slots, sizeof(*m->vals));
	memset(m->vals, 0xff, slots * sizeof(*m->vals));
	m->mask = slots - 1;
	m->used = 0;
}

static inline uint32_t
xmap_get(const struct xmap *m, int64_t k)
{
	size_t	i = xhash(k) & m->mask;

	while (m->vals[i] != NO_PERSON) {
		if (m->keys[i] == k)
			return m->vals[i];
		i = (i + 1) & m->mask;
	}
	return NO_PERSON;
}

static void xmap_put(struct xmap *, int64_t, uint32_t);

static void
xmap_grow(struct xmap *m)
{
	struct xmap	old = *m;
	size_t		i;

	xmap_alloc(m, (old.mask + 1) * 2);
	for (i = 0; i <= old.mask; i++)
		if (old.vals[i] != NO_PERSON)
			xmap_put(m, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

/* k must not be there yet */
static void
xmap_put(struct xmap *m, int64_t k, uint32_t v)
{
	size_t	i;

	if ((m->used + 1) * 2 > m->mask + 1)
		xmap_grow(m);
	i = xhash(k) & m->mask;
	while (m->vals[i] != NO_PERSON)
		i = (i + 1) & m->mask;
	m->keys[i] = k;
	m->vals[i] = v;
	m->used++;
}

/* --- 1. members and persons --- */

static int
on_member(void *arg, const struct match_member_row *row)
{
	struct engine	*e = arg;
	uint32_t	 p;
	size_t		 i;

	if (e->nmembers >= NO_PERSON - 1)
		return fail(e, "too many members for one match");
	if (e->nmembers == e->mcap) {
		e->mcap = e->mcap ? e->mcap * 2 : 1024;
		e->mid = xreallocarray(e->mid, e->mcap, sizeof(*e->mid));
		e->mperson = xreallocarray(e->mperson, e->mcap,
		    sizeof(*e->mperson));
		e->mflags = xreallocarray(e->mflags, e->mcap,
		    sizeof(*e->mflags));
	}
	if ((p = xmap_get(&e->map, row->x_id)) == NO_PERSON) {
		if (e->npersons >= PERSON_MAX)
			return fail(e, "too many persons for one match");
		p = (uint32_t)e->npersons++;
		xmap_put(&e->map, row->x_id, p);
	}
	i = e->nmembers++;
	e->mid[i] = row->id;
	e->mperson[i] = p;
	e->mflags[i] = (row->network == NETWORK_BLUESKY ? MF_BLUESKY : 0) |
	    (row->discoverable ? MF_DISCOVERABLE : 0);
	return 0;
}

/* Each person's members, ascending (their first is the smallest). */
static void
persons_index(struct engine *e)
{
	uint32_t	*at;
	size_t		 i, p;

	e->poff = xcalloc(e->npersons + 1, sizeof(*e->poff));
	e->pmem = xreallocarray(NULL, e->nmembers > 0 ? e->nmembers : 1,
	    sizeof(*e->pmem));
	e->followers = xcalloc(e->npersons > 0 ? e->npersons : 1,
	    sizeof(*e->followers));
	for (i = 0; i < e->nmembers; i++)
		e->poff[e->mperson[i] + 1]++;
	for (p = 0; p < e->npersons; p++)
		e->poff[p + 1] += e->poff[p];
	at = xreallocarray(NULL, e->npersons + 1, sizeof(*at));
	memcpy(at, e->poff, (e->npersons + 1) * sizeof(*at));
	for (i = 0; i < e->nmembers; i++)
		e->pmem[at[e->mperson[i]]++] = (uint32_t)i;
	free(at);
}

static int
on_upload(void *arg, int64_t upload_id, int64_t x_id, int64_t edges)
{
	struct engine	*e = arg;
	uint32_t	 p;

	/* nobody's follows in it can be a person's: not worth reading */
	if ((p = xmap_get(&e->map, x_id)) == NO_PERSON)
		return 0;
	if (e->nuploads == e->ucap) {
		e->ucap = e->ucap ? e->ucap * 2 : 1024;
		e->uid = xreallocarray(e->uid, e->ucap, sizeof(*e->uid));
		e->uperson = xreallocarray(e->uperson, e->ucap,
		    sizeof(*e->uperson));
	}
	e->uid[e->nuploads] = upload_id;
	e->uperson[e->nuploads++] = p;
	if (edges > 0)
		e->declared += (uint64_t)edges;
	return 0;
}

/* --- 2. and 3. records, in memory or spilled --- */

/* The first member index of sub-range k of [lo, hi) cut in f. */
static inline uint32_t
range_lo(uint32_t lo, uint32_t hi, size_t f, size_t k)
{
	return lo + (uint32_t)(((uint64_t)k * (hi - lo) + f - 1) / f);
}

/*
 * Append rec to each of the f spills cutting [lo, hi) that holds a
 * member of its receiver.
 */
static int
route(struct engine *e, uint64_t rec, struct spill *to, size_t f,
    uint32_t lo, uint32_t hi)
{
	uint32_t	p = (uint32_t)(rec >> 32), j, i;
	size_t		b, last = SIZE_MAX;

	for (j = e->poff[p]; j < e->poff[p + 1]; j++) {
		if ((i = e->pmem[j]) < lo)
			continue;
		if (i >= hi)
			break;
		b = (size_t)((uint64_t)(i - lo) * f / (hi - lo));
		if (b == last)
			continue;
		last = b;
		if (spill_put(&to[b], rec, e->err, e->errsize) == -1)
			return -1;
	}
	return 0;
}

static struct spill *
spills_open(struct engine *e, size_t n, size_t bufrecs)
{
	struct spill	*s = xcalloc(n, sizeof(*s));
	size_t		 i;

	for (i = 0; i < n; i++)
		s[i].fd = -1;
	for (i = 0; i < n; i++)
		if (spill_open(&s[i], e->tmpdir, bufrecs, e->err,
		    e->errsize) == -1)
			break;
	if (i == n)
		return s;
	while (i-- > 0)
		spill_close(&s[i]);
	free(s);
	return NULL;
}

static void
spills_close(struct spill *s, size_t n)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < n; i++)
		spill_close(&s[i]);
	free(s);
}

/*
 * The budget is full before the scan ends: from now on records go to
 * files by member range.  How many ranges: what the scan will produce at
 * this rate, twice over (adjacent ranges are merged back when small,
 * but a range too big costs a split).  The rate is by edges the uploads
 * declared (the first uploads, the most followed persons', can be a
 * hundred times the average), by uploads when they declared too few.
 */
static int
spill_start(struct engine *e)
{
	double		 est, rate;
	size_t		 nb, i;
	uint32_t	 p, j, b;

	if (e->declared >= e->stats->edges_read && e->stats->edges_read > 0)
		rate = (double)e->declared / (double)e->stats->edges_read;
	else
		rate = (double)e->nuploads / (double)(e->uploads_done + 1);
	est = (double)e->nrecs * rate;
	nb = (size_t)(2.0 * est / (double)e->cap) + 1;
	if (nb < 2)
		nb = 2;
	if (nb > MAX_BUCKETS)
		nb = MAX_BUCKETS;
	if (nb > e->nmembers)
		nb = e->nmembers;
	if ((e->buckets = spills_open(e, nb, e->cap / 2 / nb > MIN_SPILL_BUF ?
	    e->cap / 2 / nb : MIN_SPILL_BUF)) == NULL)
		return -1;
	e->nbuckets = nb;
	log_debug("over the budget after %zu of %zu uploads: %zu spill"
	    " ranges", e->uploads_done, e->nuploads, nb);
	/*
	 * Nearly every person's members fall in one range: look it up
	 * once here rather than per record (the scan's hottest path).
	 */
	e->pbucket = xreallocarray(NULL, e->npersons, 1);
	for (p = 0; p < e->npersons; p++) {
		j = e->poff[p];
		e->pbucket[p] = (uint8_t)((uint64_t)e->pmem[j] * nb /
		    e->nmembers);
		for (j++; j < e->poff[p + 1]; j++) {
			b = (uint32_t)((uint64_t)e->pmem[j] * nb / e->nmembers);
			if (b != e->pbucket[p])
				e->pbucket[p] = MANY;
		}
	}
	for (i = 0; i < e->nrecs; i++)
		if (route(e, e->recs[i], e->buckets, nb, 0,
		    (uint32_t)e->nmembers) == -1)
			return -1;
	free(e->recs);
	e->recs = NULL;
	e->nrecs = e->rcap = 0;
	return 0;
}

static inline int
emit(struct engine *e, uint64_t rec)
{
	uint8_t	b;

	if (e->buckets != NULL) {
		if ((b = e->pbucket[rec >> 32]) != MANY)
			return spill_put(&e->buckets[b], rec, e->err,
			    e->errsize);
		return route(e, rec, e->buckets, e->nbuckets, 0,
		    (uint32_t)e->nmembers);
	}
	if (e->nrecs == e->rcap) {
		if (e->rcap >= e->cap) {
			if (spill_start(e) == -1)
				return -1;
			return emit(e, rec);
		}
		/*
		 * Sized once, by the edges the uploads declared (two records
		 * an edge at most): pages never written cost nothing, while
		 * a ladder of doublings leaves freed chunks resident.
		 */
		if (e->rcap == 0 && e->declared < e->cap / 2)
			e->rcap = (size_t)e->declared * 2 + 4096;
		else
			e->rcap = e->rcap ? e->rcap * 2 : e->cap;
		if (e->rcap > e->cap)
			e->rcap = e->cap;
		e->recs = xreallocarray(e->recs, e->rcap, sizeof(*e->recs));
	}
	e->recs[e->nrecs++] = rec;
	return 0;
}

static int
on_edges(void *arg, enum edge_direction dir, const int64_t *ids, size_t n)
{
	struct engine	*e = arg;
	uint32_t	 u = e->uploader, p;
	size_t		 i;

	e->stats->edges_read += n;
	for (i = 0; i < n; i++) {
		if ((p = xmap_get(&e->map, ids[i])) == NO_PERSON || p == u)
			continue;
		/* FOLLOWING: u follows p; FOLLOWER: p follows u */
		if (dir == EDGE_FOLLOWING) {
			if (emit(e, REC(u, p, 1)) == -1 ||
			    emit(e, REC(p, u, 0)) == -1)
				return -1;
		} else {
			if (emit(e, REC(p, u, 1)) == -1 ||
			    emit(e, REC(u, p, 0)) == -1)
				return -1;
		}
	}
	return 0;
}

/* --- 4. partitions: sort, dedupe, follower counts, out-lists --- */

static inline void
ol_push(struct engine *e, uint32_t v)
{
	if (e->olen == e->olcap) {
		e->olcap = e->olcap ? e->olcap * 2 : 4096;
		e->ol = xreallocarray(e->ol, e->olcap, sizeof(*e->ol));
	}
	e->ol[e->olen++] = v;
}

/*
 * Sweep the sorted records of members [lo, hi) into e->ol: per receiver
 * r, its index, the count n, then n entries other | mutual.  A person's
 * followers are counted in the partition of their first member only.
 */
static void
sweep(struct engine *e, uint32_t lo, uint32_t hi, const uint64_t *a,
    size_t n)
{
	uint64_t	 k, last;
	uint32_t	 r, o, in_of, first;
	size_t		 i = 0, head, nout;
	int		 counts;

	e->olen = 0;
	while (i < n) {
		r = (uint32_t)(a[i] >> 32);
		first = e->pmem[e->poff[r]];
		counts = first >= lo && first < hi;
		head = e->olen;
		ol_push(e, r);
		ol_push(e, 0);
		nout = 0;
		in_of = NO_PERSON;
		last = ~(uint64_t)0;
		for (; i < n && (uint32_t)(a[i] >> 32) == r; i++) {
			if ((k = a[i]) == last)
				continue;	/* seen in both files */
			last = k;
			o = (uint32_t)(k >> 1) & PERSON_MAX;
			if ((k & 1) == 0) {
				in_of = o;	/* IN sorts before OUT */
				if (counts) {
					e->followers[r]++;
					e->stats->follows++;
				}
			} else {
				ol_push(e, o | (in_of == o ? MUTUAL_BIT : 0));
				nout++;
			}
		}
		if (nout == 0)
			e->olen = head;
		else
			e->ol[head + 1] = (uint32_t)nout;
	}
}

/* Partition buffers for n records (see struct engine). */
static void
bufs_reserve(struct engine *e, size_t n)
{
	if (n <= e->bufcap)
		return;
	free(e->pa);
	free(e->pb);
	e->bufcap = n > e->cap ? n : e->cap;
	e->pa = xreallocarray(NULL, e->bufcap, sizeof(*e->pa));
	e->pb = xreallocarray(NULL, e->bufcap, sizeof(*e->pb));
}

/*
 * Sort and sweep n records in recs (tmp: as much scratch), keep or
 * spill the out-lists.
 */
static int
partition(struct engine *e, uint32_t lo, uint32_t hi, uint64_t *recs,
    uint64_t *tmp, size_t n)
{
	struct part	*pt;
	uint64_t	*sorted;

	sorted = match_sort(recs, tmp, n);
	/*
	 * At most a word a record in practice (an out-list entry for half
	 * of them, a header for each receiver): reserved at once (see
	 * emit), grown by the sweep in the worst case.
	 */
	if (e->olcap < n + 64) {
		free(e->ol);
		e->olcap = n + 64;
		e->ol = xreallocarray(NULL, e->olcap, sizeof(*e->ol));
	}
	sweep(e, lo, hi, sorted, n);
	if (e->olfile.fd < 0)
		return 0;	/* the only one: ranked from memory */
	if (e->nparts == e->pcap) {
		e->pcap = e->pcap ? e->pcap * 2 : 64;
		e->parts = xreallocarray(e->parts, e->pcap, sizeof(*e->parts));
	}
	pt = &e->parts[e->nparts++];
	pt->lo = lo;
	pt->hi = hi;
	pt->off = e->nparts > 1 ? pt[-1].off + pt[-1].words * 4 : 0;
	pt->words = e->olen;
	return spill_write(&e->olfile, e->ol, e->olen * sizeof(*e->ol), e->err,
	    e->errsize);
}

/*
 * The records of members [lo, hi) are in srcs (count in all): load
 * them when they fit (or cannot be cut: one member), else cut the range
 * in f and go again on each part.
 */
static int
process_range(struct engine *e, uint32_t lo, uint32_t hi, struct spill *srcs,
    size_t nsrc, uint64_t count)
{
	struct spill	*subs;
	uint64_t	*a, off, left;
	size_t		 f, i, k, chunk, len;
	int		 rc = -1;

	if (count <= e->cap || hi - lo <= 1) {
		if (count > e->cap)
			log_debug("member %u: %llu records, over the budget",
			    lo, (unsigned long long)count);
		bufs_reserve(e, (size_t)count);
		for (i = 0, off = 0; i < nsrc; i++) {
			len = (size_t)srcs[i].count;
			if (spill_read(&srcs[i], e->pa + off, len *
			    sizeof(*e->pa), 0, e->err, e->errsize) == -1)
				return -1;
			off += len;
		}
		return partition(e, lo, hi, e->pa, e->pb, (size_t)count);
	}
	f = (size_t)(2 * count / e->cap) + 1;
	if (f > MAX_FANOUT)
		f = MAX_FANOUT;
	if (f > hi - lo)
		f = hi - lo;
	if (f < 2)
		f = 2;
	chunk = e->cap / 2 > MIN_SPILL_BUF ? e->cap / 2 : MIN_SPILL_BUF;
	if ((subs = spills_open(e, f, e->cap / 2 / f > MIN_SPILL_BUF ?
	    e->cap / 2 / f : MIN_SPILL_BUF)) == NULL)
		return -1;
	bufs_reserve(e, chunk);
	a = e->pa;
	for (i = 0; i < nsrc; i++) {
		for (off = 0, left = srcs[i].count; left > 0; ) {
			len = left < chunk ? (size_t)left : chunk;
			if (spill_read(&srcs[i], a, len * sizeof(*a),
			    off * sizeof(*a), e->err, e->errsize) == -1)
				goto split_out;
			for (k = 0; k < len; k++)
				if (route(e, a[k], subs, f, lo, hi) == -1)
					goto split_out;
			off += len;
			left -= len;
		}
	}
	for (k = 0; k < f; k++) {
		if (spill_flush(&subs[k], e->err, e->errsize) == -1)
			goto split_out;
		spill_drop_buffer(&subs[k]);
	}
	for (k = 0; k < f; k++) {
		if (process_range(e, range_lo(lo, hi, f, k),
		    range_lo(lo, hi, f, k + 1), &subs[k], 1,
		    subs[k].count) == -1)
			goto split_out;
		spill_close(&subs[k]);
	}
	rc = 0;
split_out:
	spills_close(subs, f);
	return rc;
}

/* Every spilled range in member order, adjacent small ones together. */
static int
process_spilled(struct engine *e)
{
	uint32_t	m = (uint32_t)e->nmembers;
	uint64_t	sum;
	size_t		k, k2, nb = e->nbuckets;

	for (k = 0; k < nb; k++)
		if (spill_flush(&e->buckets[k], e->err, e->errsize) == -1)
			return -1;
		else
			spill_drop_buffer(&e->buckets[k]);
	for (k = 0; k < nb; k = k2) {
		sum = e->buckets[k].count;
		for (k2 = k + 1; k2 < nb &&
		    sum + e->buckets[k2].count <= e->cap; k2++)
			sum += e->buckets[k2].count;
		if (process_range(e, range_lo(0, m, nb, k),
		    range_lo(0, m, nb, k2), &e->buckets[k], k2 - k, sum) == -1)
			return -1;
		for (; k < k2; k++)
			spill_close(&e->buckets[k]);
	}
	return 0;
}

/* --- 5. ranking --- */

static int
rank_member(struct engine *e, uint32_t i, const uint32_t *ent, size_t n)
{
	struct match_row	row;
	uint64_t		key;
	uint32_t		b, f, fb, j;
	size_t			k = 0, x, cnt[2] = { 0, 0 };
	int			mutual, net;

	for (x = 0; x < n; x++) {
		b = ent[x] & PERSON_MAX;
		mutual = (ent[x] & MUTUAL_BIT) != 0;
		fb = e->followers[b];
		for (j = e->poff[b]; j < e->poff[b + 1]; j++) {
			f = e->pmem[j];
			if (!(e->mflags[f] & MF_DISCOVERABLE))
				continue;
			if (k == e->kcap) {
				e->kcap = e->kcap ? e->kcap * 2 : 1024;
				e->keys = xreallocarray(e->keys, e->kcap,
				    sizeof(*e->keys));
			}
			/* ascending: mutual, more followers, lower id */
			e->keys[k++] = (uint64_t)!mutual << 63 |
			    (uint64_t)(PERSON_MAX - fb) << 32 | f;
		}
	}
	match_sort_small(e->keys, k);
	row.member_id = e->mid[i];
	row.rank = 0;
	for (x = 0; x < k; x++) {
		key = e->keys[x];
		f = (uint32_t)key;
		net = (e->mflags[f] & MF_BLUESKY) != 0;
		if (cnt[net] >= e->max_per) {
			if (cnt[!net] >= e->max_per)
				break;
			continue;
		}
		cnt[net]++;
		row.rank++;
		row.suggested_id = e->mid[f];
		row.mutual = !(key >> 63);
		row.followers = PERSON_MAX - (uint32_t)(key >> 32 & PERSON_MAX);
		if (store_match_writer_add(e->w, &row) == -1)
			return fail_db(e, "writing the result");
	}
	if (row.rank > 0) {
		e->stats->suggestions += (uint64_t)row.rank;
		e->receivers[e->nreceivers++] = e->mid[i];
	}
	return 0;
}

/* The members [lo, hi) in order, from their partition's out-lists. */
static int
rank_range(struct engine *e, uint32_t lo, uint32_t hi, const uint32_t *ol,
    size_t words)
{
	uint32_t	*who, r;
	size_t		*at, n = 0, pos, a, b, mid;
	uint32_t	 i;
	int		 rc = 0;

	for (pos = 0; pos < words; pos += 2 + ol[pos + 1])
		n++;
	who = xreallocarray(NULL, n ? n : 1, sizeof(*who));
	at = xreallocarray(NULL, n ? n : 1, sizeof(*at));
	for (pos = 0, n = 0; pos < words; pos += 2 + ol[pos + 1]) {
		who[n] = ol[pos];
		at[n++] = pos;
	}
	for (i = lo; i < hi && rc == 0; i++) {
		r = e->mperson[i];
		/* receivers are swept in ascending order */
		for (a = 0, b = n; a < b; ) {
			mid = a + (b - a) / 2;
			if (who[mid] < r)
				a = mid + 1;
			else
				b = mid;
		}
		if (a < n && who[a] == r)
			rc = rank_member(e, i, ol + at[a] + 2, ol[at[a] + 1]);
	}
	free(who);
	free(at);
	return rc;
}

static int
rank_spilled(struct engine *e)
{
	struct part	*pt;
	uint32_t	*buf = NULL;
	size_t		 i, cap = 0;
	int		 rc = 0;

	if (spill_flush(&e->olfile, e->err, e->errsize) == -1)
		return -1;
	spill_drop_buffer(&e->olfile);
	for (i = 0; i < e->nparts && rc == 0; i++) {
		pt = &e->parts[i];
		if (pt->words > cap) {
			cap = pt->words;
			free(buf);
			buf = xreallocarray(NULL, cap, sizeof(*buf));
		}
		if (spill_read(&e->olfile, buf, pt->words * sizeof(*buf),
		    pt->off, e->err, e->errsize) == -1)
			rc = -1;
		else
			rc = rank_range(e, pt->lo, pt->hi, buf, pt->words);
	}
	free(buf);
	return rc;
}

/* --- the run --- */

json_t *
match_stats_json(const struct match_stats *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}",
	    "persons", (json_int_t)s->persons,
	    "members", (json_int_t)s->members,
	    "uploads", (json_int_t)s->uploads,
	    "edges_read", (json_int_t)s->edges_read,
	    "follows", (json_int_t)s->follows,
	    "suggestions", (json_int_t)s->suggestions,
	    "members_with", (json_int_t)s->members_with,
	    "partitions", (json_int_t)s->partitions,
	    "seconds", s->seconds);
}

static void
engine_free(struct engine *e)
{
	free(e->mid);
	free(e->mperson);
	free(e->mflags);
	free(e->map.keys);
	free(e->map.vals);
	free(e->poff);
	free(e->pmem);
	free(e->followers);
	free(e->uid);
	free(e->uperson);
	free(e->recs);
	spills_close(e->buckets, e->nbuckets);
	free(e->pbucket);
	free(e->pa);
	free(e->pb);
	free(e->ol);
	spill_close(&e->olfile);
	free(e->parts);
	free(e->keys);
	store_match_writer_free(e->w);
	free(e->receivers);
}

/* Read the snapshot into persons and records (1 to 3 above). */
static int
scan(struct engine *e, struct store *st)
{
	struct match_reader	*r;
	size_t			 i;
	int			 rc = -1;

	if ((r = store_match_reader_new(st)) == NULL)
		return fail_db(e, "cannot read the store");
	xmap_alloc(&e->map, 16);
	if (store_match_members(r, on_member, e) == -1) {
		fail_db(e, "reading members");
		goto out;
	}
	persons_index(e);
	if (store_match_uploads(r, on_upload, e) == -1) {
		fail_db(e, "reading uploads");
		goto out;
	}
	for (i = 0; i < e->nuploads; i++) {
		e->uploader = e->uperson[i];
		e->uploads_done = i;
		if (store_match_edges(r, e->uid[i], on_edges, e) == -1) {
			fail_db(e, "reading edges");
			goto out;
		}
	}
	rc = 0;
out:
	store_match_reader_free(r);
	free(e->uid);
	free(e->uperson);
	e->uid = NULL;
	e->uperson = NULL;
	return rc;
}

int
match_run(struct store *st, int64_t now, const struct match_options *o,
    struct match_stats *out, char *err, size_t errsize)
{
	static const struct match_options	 defaults;
	struct engine				 e;
	const char				*tmp;
	uint64_t				*scratch;
	json_t					*j;
	char					*json = NULL;
	size_t					 bytes;
	double					 t0 = now_seconds(), t1, t2;
	int					 lock, rc = -1;

	if (o == NULL)
		o = &defaults;
	memset(out, 0, sizeof(*out));
	memset(&e, 0, sizeof(e));
	e.olfile.fd = -1;
	e.st = st;
	e.err = err;
	e.errsize = errsize;
	err[0] = '\0';
	e.stats = out;
	e.max_per = o->max_per_member > 0 ? o->max_per_member :
	    DEFAULT_MAX_PER;
	bytes = o->memory_bytes > 0 ? o->memory_bytes :
	    (o->memory_mb > 0 ? o->memory_mb : DEFAULT_MEMORY_MB) << 20;
	/* records and the sort's scratch, 8 bytes each, out-lists 4 */
	e.cap = bytes / 20 > MIN_RECORDS ? bytes / 20 : MIN_RECORDS;
	if ((tmp = o->tmpdir) == NULL && ((tmp = getenv("TMPDIR")) == NULL ||
	    *tmp == '\0'))
		tmp = "/tmp";
	e.tmpdir = tmp;
	if (store_match_lock(st, &lock, err, errsize) == -1)
		return -1;

	if (scan(&e, st) == -1)
		goto done;
	/*
	 * What only the scan needed goes, and the arrays that grew with
	 * members left their outgrown copies in the heap, free but
	 * resident (tens of MB at a million members): give all that back
	 * before the sorts take the budget.  (malloc_trim: glibc)
	 */
	free(e.map.keys);
	free(e.map.vals);
	memset(&e.map, 0, sizeof(e.map));
	free(e.pbucket);
	e.pbucket = NULL;
	malloc_trim(0);
	out->persons = e.npersons;
	out->members = e.nmembers;
	out->uploads = e.nuploads;
	t1 = now_seconds();
	log_debug("read %zu members, %zu persons, %llu edges of %zu uploads"
	    " in %.2f s", e.nmembers, e.npersons,
	    (unsigned long long)out->edges_read, e.nuploads, t1 - t0);

	if (e.buckets == NULL) {
		out->partitions = 1;
		scratch = xreallocarray(NULL, e.nrecs ? e.nrecs : 1,
		    sizeof(*scratch));
		(void)partition(&e, 0, (uint32_t)e.nmembers, e.recs, scratch,
		    e.nrecs);
		free(scratch);
		free(e.recs);
		e.recs = NULL;
	} else {
		if (spill_open(&e.olfile, e.tmpdir, 0, err, errsize) == -1 ||
		    process_spilled(&e) == -1)
			goto done;
		out->partitions = e.nparts;
		free(e.pa);
		free(e.pb);
		e.pa = e.pb = NULL;
		free(e.ol);
		e.ol = NULL;
		e.olen = e.olcap = 0;
	}
	t2 = now_seconds();
	log_debug("%llu follows in %zu partitions in %.2f s",
	    (unsigned long long)out->follows, out->partitions, t2 - t1);

	if ((e.w = store_match_writer_new(st, TXN_ROWS)) == NULL) {
		fail_db(&e, "cannot make the staging table");
		goto done;
	}
	e.receivers = xreallocarray(NULL, e.nmembers ? e.nmembers : 1,
	    sizeof(*e.receivers));
	if (e.olfile.fd < 0) {
		if (rank_range(&e, 0, (uint32_t)e.nmembers, e.ol, e.olen) == -1)
			goto done;
	} else if (rank_spilled(&e) == -1)
		goto done;
	out->members_with = e.nreceivers;
	out->seconds = now_seconds() - t0;
	if ((j = match_stats_json(out)) == NULL ||
	    (json = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		json_decref(j);
		fail(&e, "out of memory");
		goto done;
	}
	json_decref(j);
	if (store_match_writer_swap(e.w, now, json, e.receivers,
	    e.nreceivers) == -1) {
		fail_db(&e, "cannot store the result");
		goto done;
	}
	out->seconds = now_seconds() - t0;
	log_debug("ranked and wrote %llu suggestions for %llu members in"
	    " %.2f s", (unsigned long long)out->suggestions,
	    (unsigned long long)out->members_with, out->seconds - (t2 - t0));
	rc = 0;
done:
	free(json);
	engine_free(&e);
	store_match_unlock(lock);
	return rc;
}
