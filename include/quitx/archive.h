/*
 * archive: a streaming parser of the data files in an X (Twitter) archive
 * (follower.js, following.js, account.js and their part files), from
 * bytes to account ids.  Pure: no I/O, no logging.
 *
 * A file is `window.YTD.<type>.part<N> = [ {...}, ... ]`.  Follower files
 * can be hundreds of megabytes, so the parser is pushed chunks of any size
 * (down to one byte) and keeps only the current token (at most
 * ARCHIVE_STRING_MAX bytes): memory does not grow with the file.  Ids are
 * decimal strings read straight into integers, never through a double
 * (they exceed 2^53).
 *
 * Error texts are printable ASCII, start with "byte N: " (the offset of
 * the offending byte in the file) and quote at most 40 bytes of input,
 * with non-printable bytes escaped, so they can be logged as they are.
 */
#ifndef QUITX_ARCHIVE_H
#define QUITX_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

/* Longer strings (keys or values, after unescaping) are refused. */
#define ARCHIVE_STRING_MAX	4096
/* Deeper nesting of objects and arrays (the outer array is 1) is refused. */
#define ARCHIVE_DEPTH_MAX	16
/* X handles are 1 to 15 letters, digits or '_'. */
#define ARCHIVE_USERNAME_MAX	15

enum archive_kind {
	ARCHIVE_FOLLOWER,
	ARCHIVE_FOLLOWING,
	ARCHIVE_ACCOUNT,
	ARCHIVE_ANY,		/* expect: whatever the prefix says */
};

/* The files of an archive quitx reads, by name. */
enum archive_file {
	ARCHIVE_FILE_NONE,		/* anything else: not ours */
	ARCHIVE_FILE_MANIFEST,		/* manifest.js */
	ARCHIVE_FILE_ACCOUNT,		/* account.js */
	ARCHIVE_FILE_FOLLOWER,		/* follower.js, follower-part<N>.js */
	ARCHIVE_FILE_FOLLOWING,		/* following.js, following-part<N>.js */
};

/*
 * Which file a name is, from its last '/'-separated component (so a path
 * in a zip or a folder works as well as a bare name).  Exact names only:
 * "follower.js.bak" or "Follower.js" are not ours.
 */
enum archive_file archive_file_kind(const char *name);

struct archive_account {
	int64_t	id;
	char	username[ARCHIVE_USERNAME_MAX + 1];
};

/*
 * Called for each id of a follower or following file, in file order.
 * Return 0 to go on, -1 to stop: the parser then fails with "stopped".
 */
typedef int (*archive_id_fn)(int64_t id, void *arg);

struct archive_parser;

/*
 * A parser for a file of the kind expect (ARCHIVE_ANY: any of the three);
 * a file whose prefix names another type is refused.  on_id may be NULL.
 */
struct archive_parser *archive_parser_new(enum archive_kind expect,
	    archive_id_fn on_id, void *arg);

/* Feed the next bytes; 0, or -1 once an error happened (archive_error). */
int	archive_parser_feed(struct archive_parser *p, const void *buf,
	    size_t len);

/* End of input: 0 if the array was complete and well formed, else -1. */
int	archive_parser_finish(struct archive_parser *p);

/* The type the prefix named; ARCHIVE_ANY until the prefix was read. */
enum archive_kind archive_parser_kind(const struct archive_parser *p);

/* An account file's account after a successful finish, else NULL. */
const struct archive_account *archive_parser_account(
	    const struct archive_parser *p);

/* Complete entries seen so far. */
size_t	archive_parser_count(const struct archive_parser *p);

/* Why the parser failed ("byte 1234: ..."), or NULL if it did not. */
const char *archive_error(const struct archive_parser *p);

void	archive_parser_free(struct archive_parser *p);

/*
 * A whole file in memory, for small files and tests.  acct_out (may be
 * NULL) gets the account of an account file, zeroes otherwise.  Returns 0,
 * or -1 with the reason in err.
 */
int	archive_parse_buffer(enum archive_kind expect, const void *buf,
	    size_t len, archive_id_fn on_id, void *arg,
	    struct archive_account *acct_out, char *err, size_t errsize);

#endif
