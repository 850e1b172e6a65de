/*
 * zipread: the few entries quitx wants out of an X archive zip, read
 * without trusting the zip.
 *
 * An X archive is a zip of gigabytes, mostly media; quitx wants only
 * data/manifest.js, data/account.js and the follower and following files
 * (archive_file_kind, archive.h).  The central directory is checked
 * whole before any entry is read: a name with a ".." component, an
 * absolute name or a backslash, an encrypted wanted entry, or wanted
 * entries whose declared sizes break the limits refuse the whole zip.
 * While an entry inflates its bytes are counted again, since declared
 * sizes can lie: going past the declared size or a limit stops it.
 *
 * Error texts are printable ASCII, say what was wrong in words a member
 * can act on, and quote at most 60 bytes of a name (escaped).
 */
#ifndef QUITX_ZIPREAD_H
#define QUITX_ZIPREAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct zipread_limits {
	uint64_t	max_total;	/* inflated bytes of all wanted entries */
	uint64_t	max_entry;	/* inflated bytes of one wanted entry */
	uint32_t	max_ratio;	/* inflated / compressed, per entry */
	uint32_t	max_wanted;	/* how many wanted entries at most */
};

/* 2 GiB in all, 1 GiB an entry, ratio 100, 256 wanted entries. */
void	zipread_limits_default(struct zipread_limits *l);

struct zipread;

/*
 * Open the zip at path (or in buf, which must outlive the reader) and
 * check its central directory; l NULL means the default limits.  Returns
 * 0, or -1 with *out NULL and the reason in err (e.g. "this is not a zip
 * file (or it is damaged)", "the zip is encrypted: ...").  An empty file
 * is not a zip; a zip with no wanted entry opens, with a count of 0.
 */
int	zipread_open(const char *path, const struct zipread_limits *l,
	    struct zipread **out, char *err, size_t errsize);
int	zipread_open_buffer(const void *buf, size_t len,
	    const struct zipread_limits *l, struct zipread **out, char *err,
	    size_t errsize);

/* How many wanted entries the zip holds (after a successful open). */
size_t	zipread_count(const struct zipread *z);

/*
 * Move to the next wanted entry, in central directory order: 1 with its
 * full name in the zip in *name (valid until the next call), 0 at the
 * end, -1 on error.  An entry not read to its end is simply left.
 */
int	zipread_next(struct zipread *z, const char **name);

/*
 * Inflated bytes of the current entry (len > 0): > 0 bytes, 0 at its end
 * (its CRC and size checked), -1 on error (zipread_error).  No byte past
 * the entry's declared size is ever returned.
 */
ssize_t	zipread_read(struct zipread *z, void *buf, size_t len);

/*
 * Why the last call failed, or NULL.  Errors are sticky: after one, the
 * zip is not trusted and every later call fails with the same reason.
 */
const char *zipread_error(const struct zipread *z);

void	zipread_close(struct zipread *z);

#endif
