/*
 * match-sort: sorting 64-bit keys, the cross-reference's main cost
 * after reading the edges.
 *
 * A partition holds up to tens of millions of records whose keys use
 * only some 40 of their 64 bits (two person indexes and a flag): an LSD
 * radix sort over just the bits that differ takes four passes of 11
 * bits where qsort would take 25 comparisons through a function pointer
 * per record.  But four passes over a hundred megabytes each scatter
 * into 2048 places of an array far bigger than the caches (measured: a
 * 16 M record partition sorted three times slower per record than a 1 M
 * one), so a large array first gets one MSD pass on its top 8 bits,
 * which leaves 256 buckets that each sort in cache.  Rankings sort a
 * hundred keys at a time: insertion sort and quicksort do that better
 * than any histogram.
 */
#include "match-internal.h"

#include <stdlib.h>
#include <string.h>

#include "quitx/xmalloc.h"

#define RADIX_BITS	11
#define RADIX_SIZE	(1u << RADIX_BITS)
/* below this, the histograms cost more than they save */
#define RADIX_MIN	4096
/* above this (1 MB), an MSD pass first: an LSD sort stays in cache */
#define MSD_MIN		(1u << 17)
#define MSD_BITS	8
#define INSERTION_MAX	24

static void
insertion(uint64_t *a, size_t n)
{
	size_t		 i, j;
	uint64_t	 v;

	for (i = 1; i < n; i++) {
		v = a[i];
		for (j = i; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

static inline uint64_t
median3(uint64_t x, uint64_t y, uint64_t z)
{
	if (x < y)
		return y < z ? y : (x < z ? z : x);
	return x < z ? x : (y < z ? z : y);
}

/*
 * Quicksort with a three-way partition (runs of equal keys, which
 * unsorted partitions have, cost nothing), recursing into the smaller
 * side so the stack stays O(log n).
 */
void
match_sort_small(uint64_t *a, size_t n)
{
	size_t		 lt, gt, i;
	uint64_t	 p, t;

	while (n > INSERTION_MAX) {
		p = median3(a[0], a[n / 2], a[n - 1]);
		lt = 0;
		gt = n;
		i = 0;
		/* a[0..lt) < p, a[lt..i) == p, a[gt..n) > p */
		while (i < gt) {
			if (a[i] < p) {
				t = a[i];
				a[i++] = a[lt];
				a[lt++] = t;
			} else if (a[i] > p) {
				t = a[i];
				a[i] = a[--gt];
				a[gt] = t;
			} else
				i++;
		}
		if (lt < n - gt) {
			match_sort_small(a, lt);
			a += gt;
			n -= gt;
		} else {
			match_sort_small(a + gt, n - gt);
			n = lt;
		}
	}
	insertion(a, n);
}

/* LSD over bits lo..hi of src (n keys), dst as scratch: the result. */
static uint64_t *
lsd(uint64_t *src, uint64_t *dst, size_t n, unsigned int lo,
    unsigned int hi)
{
	size_t		*count, i, sum, c;
	uint64_t	*t;
	unsigned int	 shift;

	count = xcalloc(RADIX_SIZE, sizeof(*count));
	for (shift = lo; shift <= hi; shift += RADIX_BITS) {
		memset(count, 0, RADIX_SIZE * sizeof(*count));
		for (i = 0; i < n; i++)
			count[(src[i] >> shift) & (RADIX_SIZE - 1)]++;
		for (i = 0, sum = 0; i < RADIX_SIZE; i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & (RADIX_SIZE - 1)]++] =
			    src[i];
		t = src;
		src = dst;
		dst = t;
	}
	free(count);
	return src;
}

uint64_t *
match_sort(uint64_t *a, uint64_t *tmp, size_t n)
{
	size_t		 count[1u << MSD_BITS], off[1u << MSD_BITS];
	size_t		 i, b, sum;
	uint64_t	 diff = 0, *r;
	unsigned int	 shift, lo, hi;

	if (n < RADIX_MIN) {
		match_sort_small(a, n);
		return a;
	}
	for (i = 1; i < n; i++)
		diff |= a[i] ^ a[0];
	if (diff == 0)
		return a;
	lo = (unsigned int)__builtin_ctzll(diff);
	hi = 63 - (unsigned int)__builtin_clzll(diff);
	if (n <= MSD_MIN || hi - lo < 2 * MSD_BITS)
		return lsd(a, tmp, n, lo, hi);
	/* the top MSD_BITS varying bits into tmp, then each bucket alone */
	shift = hi + 1 - MSD_BITS;
	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++)
		count[(a[i] >> shift) & ((1u << MSD_BITS) - 1)]++;
	for (b = 0, sum = 0; b < (1u << MSD_BITS); b++) {
		off[b] = sum;
		sum += count[b];
	}
	for (i = 0; i < n; i++)
		tmp[off[(a[i] >> shift) & ((1u << MSD_BITS) - 1)]++] = a[i];
	for (b = 0, sum = 0; b < (1u << MSD_BITS); sum += count[b++]) {
		if (count[b] == 0)
			continue;
		r = match_sort(tmp + sum, a + sum, count[b]);
		if (r != tmp + sum)
			memcpy(tmp + sum, r, count[b] * sizeof(*r));
	}
	return tmp;
}
