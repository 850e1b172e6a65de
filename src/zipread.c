/*
 * zipread: the wanted entries of an X archive zip, through libzip, with
 * every number the zip declares checked before it is believed.
 *
 * A member uploads the zip, so it is outside data: it may be damaged,
 * crafted, a zip bomb or not a zip at all.  libzip parses the structure;
 * what it does not promise is done here.  The whole central directory is
 * checked before a byte of data is read (names, encryption, methods,
 * declared sizes, ratios, the number of wanted entries), because refusing
 * a zip half-way through an import is worse for the member than refusing
 * it at once.  Then, while an entry inflates, its bytes are counted
 * again: libzip 1.7.3 checks a deflated entry's CRC at its end but not
 * its size, so a zip that declares 1 KB and inflates to 1 GB would go
 * through.  A read never asks libzip for more than the declared size,
 * then for one byte that must not come, so no byte beyond what the zip
 * declared ever reaches the caller.
 *
 * Nothing is written to disk: entries are inflated into the caller's
 * buffer.  Errors are sticky (the zip is not trusted after one) and are
 * printable ASCII whatever libzip or the name held.
 */
#include "quitx/zipread.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "quitx/archive.h"
#include "quitx/quote.h"
#include "quitx/xmalloc.h"

/* bytes of a name quoted in a message, before escaping */
#define ZIPREAD_QUOTE_MAX	60
/* "\"" + 60 * "\\xNN" + "..." + "\"" and the NUL, with room to spare */
#define ZIPREAD_QUOTE_SIZE	(ZIPREAD_QUOTE_MAX * 4 + 8)

#define ZIPREAD_NOT_ZIP	"this is not a zip file (or it is damaged)"

struct zipread_entry {
	zip_uint64_t	index;
	uint64_t	size;		/* declared, inflated */
};

struct zipread {
	zip_t			*za;
	struct zipread_limits	 lim;

	struct zipread_entry	*ent;
	size_t			 nent, cap, next;

	/* the current entry */
	zip_file_t		*f;
	const char		*name;
	uint64_t		 declared, got;
	int			 eof;

	uint64_t		 total;	/* inflated, all entries */
	int			 failed;
	char			 err[512];
};

static void	zr_fail(struct zipread *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	zr_errf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

void
zipread_limits_default(struct zipread_limits *l)
{
	l->max_total = UINT64_C(2) << 30;
	l->max_entry = UINT64_C(1) << 30;
	l->max_ratio = 100;
	l->max_wanted = 256;
}

/*
 * A name as it may appear in a message, quotes included: at most 60
 * bytes, printable ASCII kept, quotes and backslashes escaped, anything
 * else as \xNN, "..." when cut.
 */
static const char *
zr_quote(char *dst, size_t dstsize, const char *name)
{
	size_t	o;

	if (dstsize < ZIPREAD_QUOTE_SIZE) {
		if (dstsize > 0)
			dst[0] = '\0';
		return dst;
	}
	dst[0] = '"';
	quote_ascii(dst + 1, dstsize - 2, name, strlen(name),
	    ZIPREAD_QUOTE_MAX);
	o = strlen(dst);
	dst[o++] = '"';
	dst[o] = '\0';
	return dst;
}

/* Anything libzip or strerror put in a message becomes printable. */
static void
zr_printable(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

static void
zr_errf(char *err, size_t errsize, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errsize == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	zr_printable(err);
}

/* The first failure sticks: later calls report it again. */
static void
zr_fail(struct zipread *z, const char *fmt, ...)
{
	va_list	ap;

	if (z->failed)
		return;
	z->failed = 1;
	va_start(ap, fmt);
	vsnprintf(z->err, sizeof(z->err), fmt, ap);
	va_end(ap);
	zr_printable(z->err);
}

/* What went wrong inside an entry, in words. */
static const char *
zr_why(const zip_error_t *ze)
{
	switch (zip_error_code_zip(ze)) {
	case ZIP_ER_CRC:
		return "its checksum does not match";
	case ZIP_ER_INCONS:
		return "its size does not match what the zip says";
	case ZIP_ER_EOF:
		return "it ends too early";
	case ZIP_ER_ZLIB:
	case ZIP_ER_COMPRESSED_DATA:
		return "its compressed data is invalid";
	case ZIP_ER_MEMORY:
		return "out of memory";
	default:
		return "it cannot be read";
	}
}

/*
 * A name that would step out of a folder if it were ever extracted: a
 * ".." component, an absolute name, a backslash (a separator elsewhere).
 */
static int
zr_unsafe(const char *name)
{
	const char	*p, *end;

	if (name[0] == '/' || strchr(name, '\\') != NULL)
		return 1;
	for (p = name;; p = end + 1) {
		end = strchr(p, '/');
		if (end == NULL)
			return strcmp(p, "..") == 0;
		if (end - p == 2 && p[0] == '.' && p[1] == '.')
			return 1;
	}
}

/* size / comp > ratio, without overflow; comp 0 is an infinite ratio. */
static int
zr_ratio_over(uint64_t size, uint64_t comp, uint32_t ratio)
{
	if (size == 0)
		return 0;
	if (comp == 0)
		return 1;
	return size / comp > ratio ||
	    (size / comp == ratio && size % comp != 0);
}

/*
 * One entry of the central directory: its name whatever it is, and the
 * rest if it is wanted.  Returns 0, or -1 with z failed.
 */
static int
zr_check_entry(struct zipread *z, zip_uint64_t i)
{
	const struct zipread_limits	*l = &z->lim;
	zip_stat_t			 st;
	const char			*raw;
	char				 q[ZIPREAD_QUOTE_SIZE];
	const zip_uint64_t		 need = ZIP_STAT_NAME |
					    ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE |
					    ZIP_STAT_COMP_METHOD |
					    ZIP_STAT_ENCRYPTION_METHOD;

	zip_stat_init(&st);
	if (zip_stat_index(z->za, i, 0, &st) == -1 ||
	    (st.valid & need) != need || st.name == NULL ||
	    (raw = zip_get_name(z->za, i, ZIP_FL_ENC_RAW)) == NULL) {
		zr_fail(z, ZIPREAD_NOT_ZIP);
		return -1;
	}
	/* libzip may have converted a CP437 name: check both spellings */
	if (zr_unsafe(st.name) || zr_unsafe(raw)) {
		zr_fail(z, "the zip holds an unsafe file name: %s",
		    zr_quote(q, sizeof(q), raw));
		return -1;
	}
	if (archive_file_kind(st.name) == ARCHIVE_FILE_NONE)
		return 0;

	zr_quote(q, sizeof(q), st.name);
	/* libzip sets encryption_method from flag bit 0 or the AES field */
	if (st.encryption_method != ZIP_EM_NONE) {
		zr_fail(z, "the zip is encrypted: %s is protected by a "
		    "password; send the archive as X gave it, without one", q);
		return -1;
	}
	if (st.comp_method != ZIP_CM_STORE &&
	    st.comp_method != ZIP_CM_DEFLATE) {
		zr_fail(z, "the zip uses a compression method quitx cannot "
		    "read (method %u for %s); send the archive as X gave it",
		    (unsigned)st.comp_method, q);
		return -1;
	}
	if (st.size > l->max_entry) {
		zr_fail(z, "the zip looks like a zip bomb: %s would unpack to "
		    "%llu bytes, more than %llu", q,
		    (unsigned long long)st.size,
		    (unsigned long long)l->max_entry);
		return -1;
	}
	if (zr_ratio_over(st.size, st.comp_size, l->max_ratio)) {
		zr_fail(z, "the zip looks like a zip bomb: %s is compressed "
		    "more than %u times", q, (unsigned)l->max_ratio);
		return -1;
	}
	if (z->nent >= l->max_wanted) {
		zr_fail(z, "the zip looks like a zip bomb: it holds more than "
		    "%u account, follower and following files",
		    (unsigned)l->max_wanted);
		return -1;
	}
	if (st.size > l->max_total - z->total) {
		zr_fail(z, "the zip looks like a zip bomb: its account, "
		    "follower and following files would unpack to more than "
		    "%llu bytes", (unsigned long long)l->max_total);
		return -1;
	}
	z->total += st.size;

	if (z->nent == z->cap) {
		z->cap = z->cap * 2 + 8;
		z->ent = xreallocarray(z->ent, z->cap, sizeof(*z->ent));
	}
	z->ent[z->nent].index = i;
	z->ent[z->nent].size = st.size;
	z->nent++;
	return 0;
}

/*
 * Why libzip could not open a zip, in words.  The file itself was opened
 * by zipread_open, so whatever libzip says is about the bytes, but for a
 * read error of the file (a disk error, say).
 */
static void
zr_open_error(zip_error_t *ze, int file, char *err, size_t errsize)
{
	char	buf[128];
	int	sys = 0;

	if (zip_error_system_type(ze) == ZIP_ET_SYS)
		sys = zip_error_code_system(ze);
	switch (zip_error_code_zip(ze)) {
	case ZIP_ER_READ:
		if (file && sys != 0) {
			zr_errf(err, errsize, "cannot read the zip: %s",
			    strerror_r(sys, buf, sizeof(buf)));
			break;
		}
		zr_errf(err, errsize, ZIPREAD_NOT_ZIP);
		break;
	case ZIP_ER_MULTIDISK:
		zr_errf(err, errsize, "the zip is split into several parts; "
		    "send it as one file");
		break;
	case ZIP_ER_MEMORY:
		zr_errf(err, errsize, "out of memory while opening the zip");
		break;
	default:
		zr_errf(err, errsize, ZIPREAD_NOT_ZIP);
		break;
	}
}

/* Open src (which is ours to free on failure) and check it whole. */
static int
zr_open_source(zip_source_t *src, int file, const struct zipread_limits *l,
    struct zipread **out, char *err, size_t errsize)
{
	struct zipread	*z;
	zip_error_t	 ze;
	zip_stat_t	 st;
	zip_int64_t	 n, i;
	zip_t		*za;

	/*
	 * An empty file is no zip, though libzip 1.7.3 opens an empty buffer
	 * as an empty zip (and refuses an empty file).
	 */
	zip_stat_init(&st);
	if (zip_source_stat(src, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
	    st.size == 0) {
		zip_source_free(src);
		zr_errf(err, errsize, ZIPREAD_NOT_ZIP);
		return -1;
	}
	zip_error_init(&ze);
	if ((za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS,
	    &ze)) == NULL) {
		zip_source_free(src);
		zr_open_error(&ze, file, err, errsize);
		zip_error_fini(&ze);
		return -1;
	}
	zip_error_fini(&ze);

	z = xcalloc(1, sizeof(*z));
	z->za = za;
	if (l != NULL)
		z->lim = *l;
	else
		zipread_limits_default(&z->lim);
	if ((n = zip_get_num_entries(za, 0)) < 0)
		zr_fail(z, ZIPREAD_NOT_ZIP);
	for (i = 0; !z->failed && i < n; i++)
		zr_check_entry(z, (zip_uint64_t)i);
	if (z->failed) {
		zr_errf(err, errsize, "%s", z->err);
		zipread_close(z);
		return -1;
	}
	/* from here on total counts inflated bytes, not declared ones */
	z->total = 0;
	*out = z;
	return 0;
}

int
zipread_open(const char *path, const struct zipread_limits *l,
    struct zipread **out, char *err, size_t errsize)
{
	zip_source_t	*src;
	zip_error_t	 ze;
	FILE		*fp;
	char		 buf[128];

	*out = NULL;
	if (err != NULL && errsize > 0)
		err[0] = '\0';
	/* opened here, so that libzip's errors are all about the bytes */
	if ((fp = fopen(path, "rbe")) == NULL) {
		zr_errf(err, errsize, "cannot open the zip: %s",
		    strerror_r(errno, buf, sizeof(buf)));
		return -1;
	}
	zip_error_init(&ze);
	if ((src = zip_source_filep_create(fp, 0, -1, &ze)) == NULL) {
		fclose(fp);
		zr_open_error(&ze, 1, err, errsize);
		zip_error_fini(&ze);
		return -1;
	}
	zip_error_fini(&ze);
	return zr_open_source(src, 1, l, out, err, errsize);
}

int
zipread_open_buffer(const void *buf, size_t len,
    const struct zipread_limits *l, struct zipread **out, char *err,
    size_t errsize)
{
	zip_source_t	*src;
	zip_error_t	 ze;

	*out = NULL;
	if (err != NULL && errsize > 0)
		err[0] = '\0';
	if (buf == NULL || len == 0) {
		zr_errf(err, errsize, ZIPREAD_NOT_ZIP);
		return -1;
	}
	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(buf, len, 0, &ze)) == NULL) {
		zr_open_error(&ze, 0, err, errsize);
		zip_error_fini(&ze);
		return -1;
	}
	zip_error_fini(&ze);
	return zr_open_source(src, 0, l, out, err, errsize);
}

size_t
zipread_count(const struct zipread *z)
{
	return z->nent;
}

static void
zr_leave(struct zipread *z)
{
	if (z->f != NULL)
		zip_fclose(z->f);
	z->f = NULL;
	z->name = NULL;
}

/* The current entry is damaged: why, in words. */
static void
zr_damaged(struct zipread *z, const char *why)
{
	char	q[ZIPREAD_QUOTE_SIZE];

	zr_fail(z, "the zip is damaged: %s (%s)", zr_quote(q, sizeof(q),
	    z->name), why);
}

int
zipread_next(struct zipread *z, const char **name)
{
	const struct zipread_entry	*e;

	*name = NULL;
	zr_leave(z);
	if (z->failed)
		return -1;
	if (z->next == z->nent)
		return 0;
	e = &z->ent[z->next++];
	if ((z->name = zip_get_name(z->za, e->index, 0)) == NULL) {
		zr_fail(z, ZIPREAD_NOT_ZIP);
		return -1;
	}
	if ((z->f = zip_fopen_index(z->za, e->index, 0)) == NULL) {
		zr_damaged(z, zr_why(zip_get_error(z->za)));
		z->name = NULL;
		return -1;
	}
	z->declared = e->size;
	z->got = 0;
	z->eof = 0;
	*name = z->name;
	return 1;
}

ssize_t
zipread_read(struct zipread *z, void *buf, size_t len)
{
	char		q[ZIPREAD_QUOTE_SIZE];
	uint64_t	room, ask;
	zip_int64_t	n;

	if (z->failed)
		return -1;
	if (z->f == NULL) {
		zr_fail(z, "internal error: zipread_read with no entry");
		return -1;
	}
	if (len == 0) {
		zr_fail(z, "internal error: zipread_read with no room");
		return -1;
	}
	if (z->eof)
		return 0;
	ask = len < SSIZE_MAX ? len : SSIZE_MAX;
	/*
	 * Up to the declared size, then one byte: 0 is the end (libzip then
	 * checks the CRC), a byte is a lie.
	 */
	room = z->declared - z->got;
	if (room == 0)
		ask = 1;
	else if (room < ask)
		ask = room;
	if ((n = zip_fread(z->f, buf, ask)) < 0) {
		zr_damaged(z, zr_why(zip_file_get_error(z->f)));
		return -1;
	}
	if (n == 0) {
		if (z->got != z->declared) {
			zr_damaged(z, "it is smaller than the zip says");
			return -1;
		}
		z->eof = 1;
		return 0;
	}
	if ((uint64_t)n > room) {
		zr_damaged(z, "it is larger than the zip says");
		return -1;
	}
	/* cannot happen after the checks at open; counted all the same */
	if ((uint64_t)n > z->lim.max_entry - z->got ||
	    (uint64_t)n > z->lim.max_total - z->total) {
		zr_fail(z, "the zip looks like a zip bomb: %s unpacks to more "
		    "than the limit", zr_quote(q, sizeof(q), z->name));
		return -1;
	}
	z->got += (uint64_t)n;
	z->total += (uint64_t)n;
	return (ssize_t)n;
}

const char *
zipread_error(const struct zipread *z)
{
	return z->failed ? z->err : NULL;
}

void
zipread_close(struct zipread *z)
{
	if (z == NULL)
		return;
	zr_leave(z);
	if (z->za != NULL)
		zip_discard(z->za);
	free(z->ent);
	free(z);
}
