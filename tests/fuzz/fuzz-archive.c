/*
 * fuzz-archive: any bytes as an X archive data file, fed in two chunks
 * split at data[0] % size (so chunk boundaries land everywhere), with
 * each kind expected.  Each run must end in success or a reason, never a
 * crash, a leak or undefined behaviour, and the results must keep the
 * header's promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/archive.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_id(int64_t id, void *arg)
{
	size_t	*n = arg;

	if (id < 0)
		abort();
	/* stop now and then, to exercise the caller's stop */
	if (++*n == 1000)
		return -1;
	return 0;
}

/* A reason: "byte N: ", then printable ASCII only. */
static void
fuzz_check_err(const char *err)
{
	if (err == NULL || strncmp(err, "byte ", 5) != 0)
		abort();
	for (; *err != '\0'; err++)
		if (*err < 0x20 || *err > 0x7e)
			abort();
}

static void
fuzz_one(enum archive_kind expect, const uint8_t *data, size_t size)
{
	struct archive_parser		*p;
	const struct archive_account	*a;
	size_t				 split, n = 0, i;
	int				 r;

	split = size > 0 ? data[0] % size : 0;
	p = archive_parser_new(expect, fuzz_id, &n);
	r = archive_parser_feed(p, data, split);
	if (r == 0)
		r = archive_parser_feed(p, data + split, size - split);
	if (r == 0)
		r = archive_parser_finish(p);
	if (r == -1) {
		fuzz_check_err(archive_error(p));
		if (archive_parser_account(p) != NULL)
			abort();
	} else {
		if (archive_error(p) != NULL)
			abort();
		if (expect != ARCHIVE_ANY && archive_parser_kind(p) != expect)
			abort();
		a = archive_parser_account(p);
		if ((a != NULL) != (archive_parser_kind(p) == ARCHIVE_ACCOUNT))
			abort();
		if (a != NULL) {
			if (a->id < 0 || a->username[0] == '\0' ||
			    strlen(a->username) > ARCHIVE_USERNAME_MAX)
				abort();
			for (i = 0; a->username[i] != '\0'; i++)
				if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
				    "KLMNOPQRSTUVWXYZ0123456789_",
				    a->username[i]) == NULL)
					abort();
		} else if (n != archive_parser_count(p))
			abort();
	}
	archive_parser_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(ARCHIVE_FOLLOWER, data, size);
	fuzz_one(ARCHIVE_FOLLOWING, data, size);
	fuzz_one(ARCHIVE_ACCOUNT, data, size);
	fuzz_one(ARCHIVE_ANY, data, size);
	return 0;
}
