/*
 * ingest: X archive files into the store, parsing on the caller's thread
 * and writing on a second one.
 *
 * Measured on the 2-core machine this was built on: the parser reads
 * about 1.5 million entries a second and SQLite takes about as many
 * sorted edges a second, but far fewer in file order (the b-tree's pages
 * are then touched at random).  So ids are collected into a batch, the
 * writer thread sorts it (radix: ids are non-negative 64-bit integers)
 * and inserts it while the parser fills the other batch.
 */
#define LOG_TAG "ingest"
#include "quitx/ingest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "quitx/archive.h"
#include "quitx/log.h"
#include "quitx/xmalloc.h"

#define INGEST_READ		(256 * 1024)
#define INGEST_PROGRESS_STEP	(4u << 20)
/* a crash leaves a loading upload behind; older than this it is litter */
#define INGEST_STALE_SECONDS	(6 * 3600)
/* edges deleted per transaction when an old upload goes */
#define INGEST_CLEANUP_EDGES	200000

struct batch {
	int64_t			*ids;
	size_t			 n;
	enum edge_direction	 dir;
};

struct ingest {
	struct store			*st;
	int64_t				 upload_id;
	struct store_edge_writer	*w;
	int				 finished;

	/* the writer thread and what it shares, under mu */
	pthread_t			 thread;
	int				 running;
	pthread_mutex_t			 mu;
	pthread_cond_t			 cv;
	struct batch			 work;
	int				 work_ready, busy, stop, werr;
	int64_t				 added[2];	/* by direction */
	int64_t				*sorttmp;	/* writer's own */

	/* the parsing side */
	struct batch			 fill;
	struct archive_parser		*p;
	char				*name;		/* current file */
	int				 named;		/* its name says its kind */
	int				 skip;		/* manifest.js */
	int				 dir;		/* -1: not known yet */
	int				 follows_files;
	struct archive_account		 account;
	int				 have_account;
	int64_t				 entries;
	uint64_t			 fed, next_progress;
	void				(*progress)(uint64_t, void *);
	void				*progress_arg;

	enum ingest_err			 err;
	char				 errmsg[512];
};

static void	ingest_fail(struct ingest *, enum ingest_err, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
ingest_fail(struct ingest *g, enum ingest_err code, const char *fmt, ...)
{
	va_list	ap;

	if (g->err != INGEST_OK)
		return;		/* the first reason is the one to tell */
	g->err = code;
	va_start(ap, fmt);
	vsnprintf(g->errmsg, sizeof(g->errmsg), fmt, ap);
	va_end(ap);
}

/* LSD radix sort, a byte at a time, skipping bytes all ids share. */
static void
radix_sort(int64_t *a, int64_t *tmp, size_t n)
{
	size_t	 count[256], i, sum, c;
	int64_t	*src = a, *dst = tmp, *t;
	int	 shift;

	for (shift = 0; shift < 64; shift += 8) {
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[((uint64_t)src[i] >> shift) & 0xff]++;
		if (n == 0 || count[((uint64_t)src[0] >> shift) & 0xff] == n)
			continue;
		for (i = 0, sum = 0; i < 256; i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[((uint64_t)src[i] >> shift) & 0xff]++] =
			    src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

/* Sort, drop duplicates, insert: the writer's work on one batch. */
static int
write_batch(struct ingest *g, struct batch *b)
{
	size_t	i, k;
	int64_t	added;

	if (g->sorttmp == NULL)
		g->sorttmp = xreallocarray(NULL, INGEST_BATCH,
		    sizeof(*g->sorttmp));
	radix_sort(b->ids, g->sorttmp, b->n);
	for (i = k = 0; i < b->n; i++)
		if (k == 0 || b->ids[i] != b->ids[k - 1])
			b->ids[k++] = b->ids[i];
	if ((added = store_edge_writer_add(g->w, b->dir, b->ids, k)) == -1)
		return -1;
	g->added[b->dir] += added;
	return 0;
}

static void *
writer_main(void *arg)
{
	struct ingest	*g = arg;
	int		 rc;

	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (!g->work_ready && !g->stop)
			pthread_cond_wait(&g->cv, &g->mu);
		if (!g->work_ready)
			break;
		g->work_ready = 0;
		g->busy = 1;
		pthread_mutex_unlock(&g->mu);
		rc = write_batch(g, &g->work);
		pthread_mutex_lock(&g->mu);
		g->busy = 0;
		g->work.n = 0;
		if (rc == -1)
			g->werr = 1;
		pthread_cond_broadcast(&g->cv);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

/*
 * Hand the filled batch to the writer once it is idle and take its old
 * buffer back.  -1 if the writer failed.
 */
static int
submit(struct ingest *g)
{
	struct batch	t;
	int		werr;

	if (g->fill.n == 0)
		return 0;
	pthread_mutex_lock(&g->mu);
	while ((g->work_ready || g->busy) && !g->werr)
		pthread_cond_wait(&g->cv, &g->mu);
	if ((werr = g->werr) == 0) {
		t = g->work;
		g->work = g->fill;
		g->fill = t;
		g->fill.n = 0;
		g->work_ready = 1;
		pthread_cond_broadcast(&g->cv);
	}
	pthread_mutex_unlock(&g->mu);
	if (werr) {
		ingest_fail(g, INGEST_STORE, "the store refused the edges");
		return -1;
	}
	return 0;
}

/* Stop the writer once the last batch is written; -1 if it failed. */
static int
writer_stop(struct ingest *g)
{
	if (!g->running)
		return g->werr ? -1 : 0;
	pthread_mutex_lock(&g->mu);
	g->stop = 1;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->thread, NULL);
	g->running = 0;
	return g->werr ? -1 : 0;
}

struct ingest *
ingest_new(struct store *st, int64_t member_id, enum upload_source source,
    int64_t now)
{
	struct ingest	*g = xcalloc(1, sizeof(*g));

	g->st = st;
	g->dir = -1;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	if (store_upload_begin(st, member_id, source, now,
	    &g->upload_id) == -1 ||
	    (g->w = store_edge_writer_new(st, g->upload_id)) == NULL)
		goto fail;
	g->fill.ids = xreallocarray(NULL, INGEST_BATCH, sizeof(int64_t));
	g->work.ids = xreallocarray(NULL, INGEST_BATCH, sizeof(int64_t));
	if ((errno = pthread_create(&g->thread, NULL, writer_main, g)) != 0) {
		log_warn("ingest: cannot start the writer thread");
		goto fail;
	}
	g->running = 1;
	return g;
fail:
	ingest_free(g);
	return NULL;
}

static int
on_id(int64_t id, void *arg)
{
	struct ingest	*g = arg;
	enum edge_direction dir;

	if (g->dir == -1)
		g->dir = archive_parser_kind(g->p) == ARCHIVE_FOLLOWING ?
		    EDGE_FOLLOWING : EDGE_FOLLOWER;
	dir = (enum edge_direction)g->dir;
	if (g->fill.n == INGEST_BATCH ||
	    (g->fill.n > 0 && g->fill.dir != dir)) {
		if (submit(g) == -1)
			return -1;
	}
	g->fill.dir = dir;
	g->fill.ids[g->fill.n++] = id;
	return 0;
}

int
ingest_file_begin(struct ingest *g, const char *name)
{
	enum archive_kind	expect;
	const char		*base = strrchr(name, '/');

	if (g->err != INGEST_OK)
		return -1;
	archive_parser_free(g->p);
	g->p = NULL;
	free(g->name);
	g->name = xstrdup(base != NULL ? base + 1 : name);
	g->dir = -1;
	g->skip = 0;
	g->named = archive_file_kind(name) != ARCHIVE_FILE_NONE;
	switch (archive_file_kind(name)) {
	case ARCHIVE_FILE_MANIFEST:
		g->skip = 1;	/* its counts are not to be trusted */
		return 0;
	case ARCHIVE_FILE_ACCOUNT:
		expect = ARCHIVE_ACCOUNT;
		break;
	case ARCHIVE_FILE_FOLLOWER:
		expect = ARCHIVE_FOLLOWER;
		break;
	case ARCHIVE_FILE_FOLLOWING:
		expect = ARCHIVE_FOLLOWING;
		break;
	default:
		/* "follower (1).js", as a browser saves it: the prefix tells */
		expect = ARCHIVE_ANY;
		break;
	}
	g->p = archive_parser_new(expect, on_id, g);
	return 0;
}

/*
 * A file named like an archive's, or whose first line says it is one, is
 * damaged; anything else is simply not an archive file.
 */
static void
parse_failed(struct ingest *g)
{
	ingest_fail(g, g->named || archive_parser_kind(g->p) != ARCHIVE_ANY ?
	    INGEST_BAD_FILE : INGEST_NOT_ARCHIVE, "%s: %s", g->name,
	    archive_error(g->p));
}

int
ingest_file_feed(struct ingest *g, const void *buf, size_t len)
{
	if (g->err != INGEST_OK)
		return -1;
	g->fed += len;
	if (g->progress != NULL && g->fed >= g->next_progress) {
		g->next_progress = g->fed + INGEST_PROGRESS_STEP;
		g->progress(g->fed, g->progress_arg);
	}
	if (g->skip || g->p == NULL)
		return 0;
	if (archive_parser_feed(g->p, buf, len) == -1) {
		parse_failed(g);
		return -1;
	}
	return 0;
}

static int
account_seen(struct ingest *g, const struct archive_account *a)
{
	if (g->have_account && g->account.id != a->id) {
		ingest_fail(g, INGEST_TWO_ACCOUNTS, "account.js: two X accounts"
		    " (@%s and @%s)", g->account.username, a->username);
		return -1;
	}
	g->account = *a;
	g->have_account = 1;
	return 0;
}

int
ingest_file_end(struct ingest *g)
{
	enum archive_kind	kind;

	if (g->err != INGEST_OK)
		return -1;
	if (g->skip || g->p == NULL)
		return 0;
	if (archive_parser_finish(g->p) == -1) {
		parse_failed(g);
		return -1;
	}
	kind = archive_parser_kind(g->p);
	if (kind == ARCHIVE_ACCOUNT) {
		if (account_seen(g, archive_parser_account(g->p)) == -1)
			return -1;
	} else {
		g->entries += (int64_t)archive_parser_count(g->p);
		g->follows_files++;
	}
	archive_parser_free(g->p);
	g->p = NULL;
	return 0;
}

int
ingest_zip(struct ingest *g, struct zipread *z)
{
	unsigned char	*buf;
	const char	*name;
	ssize_t		 n;
	int		 rc;

	buf = xmalloc(INGEST_READ);
	while ((rc = zipread_next(z, &name)) == 1) {
		if (ingest_file_begin(g, name) == -1)
			break;
		while ((n = zipread_read(z, buf, INGEST_READ)) > 0)
			if (ingest_file_feed(g, buf, (size_t)n) == -1)
				break;
		if (n < 0) {
			ingest_fail(g, INGEST_BAD_ZIP, "%s", zipread_error(z));
			break;
		}
		if (n > 0 || ingest_file_end(g) == -1)
			break;
	}
	if (rc == -1)
		ingest_fail(g, INGEST_BAD_ZIP, "%s", zipread_error(z));
	free(buf);
	return g->err == INGEST_OK ? 0 : -1;
}

/* A file on disk, name being how to call it (the path). */
static int
ingest_fd(struct ingest *g, int fd, const char *name)
{
	unsigned char	*buf;
	ssize_t		 n;

	if (ingest_file_begin(g, name) == -1)
		return -1;
	buf = xmalloc(INGEST_READ);
	while ((n = read(fd, buf, INGEST_READ)) > 0)
		if (ingest_file_feed(g, buf, (size_t)n) == -1)
			break;
	if (n < 0)
		ingest_fail(g, INGEST_NOT_ARCHIVE, "%s: %s", name,
		    strerror(errno));
	free(buf);
	if (g->err != INGEST_OK)
		return -1;
	return ingest_file_end(g);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The archive files of a folder (or of its data/), in name order. */
static int
ingest_dir(struct ingest *g, const char *path,
    const struct zipread_limits *limits)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	char		*data, **names = NULL;
	size_t		 n = 0, i;
	int		 rc = 0;

	data = xasprintf("%s/data", path);
	if (stat(data, &sb) == 0 && S_ISDIR(sb.st_mode))
		path = data;
	if ((d = opendir(path)) == NULL) {
		ingest_fail(g, INGEST_NOT_ARCHIVE, "%s: %s", path,
		    strerror(errno));
		free(data);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (archive_file_kind(de->d_name) == ARCHIVE_FILE_NONE)
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xasprintf("%s/%s", path, de->d_name);
	}
	closedir(d);
	if (n == 0)
		ingest_fail(g, INGEST_NOT_ARCHIVE, "%s: no account.js,"
		    " follower.js or following.js in this folder", path);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n && rc == 0; i++)
		rc = ingest_path(g, names[i], limits);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(data);
	return g->err == INGEST_OK ? 0 : -1;
}

int
ingest_path(struct ingest *g, const char *path,
    const struct zipread_limits *limits)
{
	return ingest_named(g, path, path, limits);
}

int
ingest_named(struct ingest *g, const char *path, const char *name,
    const struct zipread_limits *limits)
{
	struct zipread	*z;
	struct stat	 sb;
	unsigned char	 magic[4];
	char		 err[256];
	int		 fd, rc;

	if (g->err != INGEST_OK)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		ingest_fail(g, INGEST_NOT_ARCHIVE, "%s: %s", name,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (S_ISDIR(sb.st_mode)) {
		close(fd);
		return ingest_dir(g, path, limits);
	}
	if (pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	    memcmp(magic, "PK\3\4", 4) == 0) {
		close(fd);
		if (zipread_open(path, limits, &z, err, sizeof(err)) == -1) {
			ingest_fail(g, INGEST_BAD_ZIP, "%s", err);
			return -1;
		}
		rc = ingest_zip(g, z);
		zipread_close(z);
		return rc;
	}
	rc = ingest_fd(g, fd, name);
	close(fd);
	return rc;
}

void
ingest_on_progress(struct ingest *g, void (*fn)(uint64_t, void *), void *arg)
{
	g->progress = fn;
	g->progress_arg = arg;
	g->next_progress = 0;
}

int
ingest_finish(struct ingest *g, int64_t now, struct ingest_result *out)
{
	memset(out, 0, sizeof(*out));
	if (g->err == INGEST_OK && g->p != NULL)
		ingest_fail(g, INGEST_BAD_FILE, "%s: the file was not finished",
		    g->name);
	if (g->err == INGEST_OK)
		(void)submit(g);
	if (writer_stop(g) == -1)
		ingest_fail(g, INGEST_STORE, "the store refused the edges");
	if (g->err == INGEST_OK && !g->have_account)
		ingest_fail(g, INGEST_NO_ACCOUNT, "no account.js: it says whose"
		    " archive this is");
	if (g->err == INGEST_OK && g->follows_files == 0)
		ingest_fail(g, INGEST_NO_FOLLOWS, "no follower.js or"
		    " following.js");
	if (g->err != INGEST_OK)
		return -1;
	out->x_id = g->account.id;
	snprintf(out->x_handle, sizeof(out->x_handle), "%s",
	    g->account.username);
	out->followers = g->added[EDGE_FOLLOWER];
	out->following = g->added[EDGE_FOLLOWING];
	out->entries = g->entries;
	if (store_upload_complete(g->st, g->upload_id, out->x_id,
	    out->x_handle, out->followers, out->following, now,
	    &out->outcome) == -1) {
		ingest_fail(g, INGEST_STORE, "the store refused the upload");
		return -1;
	}
	g->finished = 1;
	return 0;
}

void
ingest_result_clear(struct ingest_result *r)
{
	upload_outcome_clear(&r->outcome);
	memset(r, 0, sizeof(*r));
}

enum ingest_err
ingest_errcode(const struct ingest *g)
{
	return g->err;
}

const char *
ingest_error(const struct ingest *g)
{
	return g->err == INGEST_OK ? NULL : g->errmsg;
}

void
ingest_free(struct ingest *g)
{
	int	rc;

	if (g == NULL)
		return;
	(void)writer_stop(g);
	store_edge_writer_free(g->w);
	/* what this upload replaced, or the upload itself if unfinished */
	if (g->upload_id > 0)
		do
			rc = store_upload_cleanup(g->st,
			    g->finished ? 0 : g->upload_id,
			    (int64_t)time(NULL) - INGEST_STALE_SECONDS,
			    INGEST_CLEANUP_EDGES);
		while (rc == 1);
	archive_parser_free(g->p);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	free(g->fill.ids);
	free(g->work.ids);
	free(g->sorttmp);
	free(g->name);
	free(g);
}
