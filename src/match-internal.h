/*
 * match-internal: what the cross-reference's files share (match*.c and
 * store-match.c) and nothing else sees.
 */
#ifndef QUITX_MATCH_INTERNAL_H
#define QUITX_MATCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "quitx/match.h"
#include "quitx/store.h"

/* --- the store's side (store-match.c): all the SQL --- */

struct match_member_row {
	int64_t		 id;
	int64_t		 x_id;
	enum network	 network;
	int		 discoverable;
};

/*
 * A read transaction: everything read through one reader comes from
 * one snapshot of the store.  NULL on error (logged).
 */
struct match_reader;
struct match_reader *store_match_reader_new(struct store *st);
void	store_match_reader_free(struct match_reader *r);

/* Members with a proven claim, in id order.  fn's -1 stops: 0 or -1. */
int	store_match_members(struct match_reader *r,
	    int (*fn)(void *, const struct match_member_row *), void *arg);

/*
 * Complete uploads in id order: their X id and the edge count they
 * declared (an estimate of what the edges will hold).  0 or -1.
 */
int	store_match_uploads(struct match_reader *r,
	    int (*fn)(void *, int64_t upload_id, int64_t x_id, int64_t edges),
	    void *arg);

/* An upload's edges in key order, in batches of one direction.  0, -1. */
int	store_match_edges(struct match_reader *r, int64_t upload_id,
	    int (*fn)(void *, enum edge_direction, const int64_t *, size_t),
	    void *arg);

struct match_row {
	int64_t	member_id;
	int64_t	rank;
	int64_t	suggested_id;
	int64_t	followers;
	int	mutual;
};

/*
 * The new result, written into a staging table in transactions of
 * txn_rows, rows in (member_id, rank) order, then swapped in whole.
 * Freeing a writer that did not swap drops what it wrote.
 */
struct match_writer;
struct match_writer *store_match_writer_new(struct store *st, size_t txn_rows);
int	store_match_writer_add(struct match_writer *w, const struct match_row *row);
/*
 * One short transaction: the staging table becomes `suggestion`, rows
 * of receivers (ascending ids) forgotten meanwhile go, and match_at and
 * match_stats are recorded.  0 or -1.
 */
int	store_match_writer_swap(struct match_writer *w, int64_t now,
	    const char *stats_json, const int64_t *receivers, size_t n);
void	store_match_writer_free(struct match_writer *w);

/* One match at a time per store: 0 and *fd, or -1 with err. */
int	store_match_lock(struct store *st, int *fd, char *err, size_t errsize);
void	store_match_unlock(int fd);

/* --- sorting (match-sort.c) --- */

/*
 * Sort a[0..n) ascending, with tmp (n entries) as scratch; returns the
 * array that holds the result (a or tmp).
 */
uint64_t	*match_sort(uint64_t *a, uint64_t *tmp, size_t n);
/* The same in place for small arrays (the ranking's). */
void		 match_sort_small(uint64_t *a, size_t n);

/* --- spill files (match-spill.c) --- */

/*
 * A file of 64-bit records in the spill folder, unlinked as soon as it
 * is open (nothing is left behind, whatever happens), written through
 * a buffer, then read back whole.
 */
struct spill {
	int		 fd;
	uint64_t	*buf;
	size_t		 len, cap;	/* buffered records */
	uint64_t	 count;		/* records in all */
};

int	spill_open(struct spill *s, const char *dir, size_t bufrecs,
	    char *err, size_t errsize);
int	spill_flush(struct spill *s, char *err, size_t errsize);
/* Append one record (flushing when the buffer is full). */
static inline int
spill_put(struct spill *s, uint64_t rec, char *err, size_t errsize)
{
	if (s->len == s->cap && spill_flush(s, err, errsize) == -1)
		return -1;
	s->buf[s->len++] = rec;
	s->count++;
	return 0;
}
/* Write raw bytes (the out-lists). */
int	spill_write(struct spill *s, const void *p, size_t len, char *err,
	    size_t errsize);
/* Read len bytes at offset off (after a flush).  0 or -1. */
int	spill_read(struct spill *s, void *p, size_t len, uint64_t off,
	    char *err, size_t errsize);
/* Release the buffer, keep the file. */
void	spill_drop_buffer(struct spill *s);
void	spill_close(struct spill *s);

#endif
