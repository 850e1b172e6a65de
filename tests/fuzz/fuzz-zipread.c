/*
 * fuzz-zipread: any bytes as an uploaded zip, opened from memory with
 * the default limits and with tight ones, and every wanted entry read to
 * its end in chunks of a size the input picks.  Each run must end in
 * success or a reason, never a crash, a leak or undefined behaviour, and
 * the results must keep the header's promises: only wanted names, no
 * more entries than counted, no more bytes than the limits, sticky
 * errors in printable ASCII.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "quitx/archive.h"
#include "quitx/zipread.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A reason: one of the known openings, then printable ASCII only. */
static void
fuzz_check_err(const char *err)
{
	if (err == NULL || (strncmp(err, "this is not a zip file", 22) != 0 &&
	    strncmp(err, "the zip ", 8) != 0 &&
	    strncmp(err, "out of memory", 13) != 0))
		abort();
	for (; *err != '\0'; err++)
		if (*err < 0x20 || *err > 0x7e)
			abort();
}

static void
fuzz_one(const uint8_t *data, size_t size, const struct zipread_limits *l,
    size_t chunk)
{
	static unsigned char	 buf[4096];
	struct zipread		*z = (struct zipread *)1;
	const char		*name, *err;
	char			 e[512];
	uint64_t		 got, total = 0;
	size_t			 n = 0;
	ssize_t			 r;
	int			 k;

	if (zipread_open_buffer(data, size, l, &z, e, sizeof(e)) == -1) {
		if (z != NULL)
			abort();
		fuzz_check_err(e);
		return;
	}
	if (z == NULL || zipread_error(z) != NULL ||
	    zipread_count(z) > l->max_wanted)
		abort();
	while ((k = zipread_next(z, &name)) == 1) {
		if (name == NULL ||
		    archive_file_kind(name) == ARCHIVE_FILE_NONE)
			abort();
		if (++n > zipread_count(z))
			abort();
		got = 0;
		while ((r = zipread_read(z, buf, chunk)) > 0) {
			if ((size_t)r > chunk)
				abort();
			got += (uint64_t)r;
			total += (uint64_t)r;
			if (got > l->max_entry || total > l->max_total)
				abort();
		}
		if (r == -1)
			break;
		/* the end stays the end */
		if (zipread_read(z, buf, chunk) != 0)
			abort();
	}
	if (k == 0) {
		if (n != zipread_count(z) || name != NULL ||
		    zipread_error(z) != NULL)
			abort();
	} else {
		/* sticky: the same reason, whatever is asked next */
		err = zipread_error(z);
		fuzz_check_err(err);
		if (zipread_next(z, &name) != -1 || name != NULL ||
		    zipread_read(z, buf, chunk) != -1 ||
		    zipread_error(z) != err)
			abort();
	}
	zipread_close(z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t	 chunks[] = { 1, 3, 64, 4096 };
	struct zipread_limits	 l;
	size_t			 chunk;

	chunk = chunks[size % 4];
	zipread_limits_default(&l);
	fuzz_one(data, size, &l, chunk);

	l.max_total = 3000;
	l.max_entry = 1000;
	l.max_ratio = 10;
	l.max_wanted = 3;
	fuzz_one(data, size, &l, chunk);
	return 0;
}
