/*
 * ingest: an X archive's files into the store, as one upload of one
 * member that replaces their earlier one atomically.
 *
 * Files are pushed as byte streams of any size (an upload being received,
 * a zip entry inflating, a file on disk); ids are parsed on the caller's
 * thread while a writer thread sorts them in batches and writes each
 * batch in its own transaction, so memory stays bounded (two batches,
 * INGEST_BATCH ids each) and the daemon's other writers get the store
 * between batches.  Nothing is visible until ingest_finish succeeds; a
 * failed or abandoned ingest leaves nothing behind.
 *
 * The ingest owns st while it runs (the writer thread uses it): give it
 * a connection of its own.
 */
#ifndef QUITX_INGEST_H
#define QUITX_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "quitx/store.h"
#include "quitx/zipread.h"

/* ids per batch (8 bytes each; two batches are alive at a time) */
#define INGEST_BATCH	(1u << 20)

/* What went wrong, so the upload page can say it in the member's words. */
enum ingest_err {
	INGEST_OK,
	INGEST_STORE,		/* ours: the store failed */
	INGEST_NOT_ARCHIVE,	/* not a file of an X archive */
	INGEST_BAD_FILE,	/* an archive file, but damaged or altered */
	INGEST_BAD_ZIP,		/* a zip refused (unsafe, encrypted, bomb) */
	INGEST_NO_ACCOUNT,	/* no account.js: whose archive is it? */
	INGEST_NO_FOLLOWS,	/* neither a follower nor a following file */
	INGEST_TWO_ACCOUNTS,	/* files of two different X accounts */
};

struct ingest_result {
	int64_t			 x_id;		/* from account.js */
	char			 x_handle[16];
	int64_t			 followers;	/* distinct edges stored */
	int64_t			 following;
	int64_t			 entries;	/* entries read, duplicates too */
	struct upload_outcome	 outcome;
};

struct ingest;

/* Start an upload for member_id; NULL if the store failed (logged). */
struct ingest	*ingest_new(struct store *st, int64_t member_id,
		    enum upload_source source, int64_t now);

/*
 * One file, by name (only its last '/' part counts): follower, following
 * and account files are read, manifest.js is skipped (its counts are not
 * trusted), another name is read for what its first line says it is.
 * Each returns 0, or -1 once the ingest has failed (ingest_error).
 */
int	ingest_file_begin(struct ingest *g, const char *name);
int	ingest_file_feed(struct ingest *g, const void *buf, size_t len);
int	ingest_file_end(struct ingest *g);

/* Every wanted entry of an open zip. */
int	ingest_zip(struct ingest *g, struct zipread *z);

/* A .js file, a zip, or a folder (the archive's root or its data/). */
int	ingest_path(struct ingest *g, const char *path,
	    const struct zipread_limits *limits);

/* The file at path, read as if it were called name (an upload spooled
 * under another name); a zip is recognised by its first bytes. */
int	ingest_named(struct ingest *g, const char *path, const char *name,
	    const struct zipread_limits *limits);

/* Bytes fed so far, and a hook called with it every few megabytes. */
void	ingest_on_progress(struct ingest *g, void (*fn)(uint64_t, void *),
	    void *arg);

/*
 * Wait for the writer, check the upload is whole (an account.js and at
 * least one follower or following file) and make it complete, settling
 * the member's claim.  0 and *out (clear it), or -1.
 */
int	ingest_finish(struct ingest *g, int64_t now, struct ingest_result *out);
void	ingest_result_clear(struct ingest_result *r);

/* Why it failed: the kind, and a detail in English ("follower.js: ..."). */
enum ingest_err	 ingest_errcode(const struct ingest *g);
const char	*ingest_error(const struct ingest *g);

/* Stop the writer; an upload not finished is deleted. */
void	ingest_free(struct ingest *g);

#endif
