/*
 * match-spill: the cross-reference's spill files, for follows that do
 * not fit the memory budget.
 *
 * Each file is unlinked the moment it is open: a crash, a kill or a
 * full disk leaves nothing behind, and the data (X ids turned into
 * person indexes, still personal) never outlives the run.
 *
 * The write buffers, megabytes each and tens of them, are mapped rather
 * than allocated: unmapped they are the system's again at once, where
 * free() would leave them resident in the heap while the sorts that
 * follow take the whole budget.
 */
#include "match-internal.h"

#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quitx/xmalloc.h"

int
spill_open(struct spill *s, const char *dir, size_t bufrecs, char *err,
    size_t errsize)
{
	char	*path;

	memset(s, 0, sizeof(*s));
	path = xasprintf("%s/quitx-match.XXXXXX", dir);
	if ((s->fd = mkostemp(path, O_CLOEXEC)) == -1) {
		snprintf(err, errsize, "spill file in %s: %s", dir,
		    strerror(errno));
		free(path);
		return -1;
	}
	unlink(path);
	free(path);
	s->cap = bufrecs > 0 ? bufrecs : 1;
	s->buf = mmap(NULL, s->cap * sizeof(*s->buf), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->buf == MAP_FAILED) {
		snprintf(err, errsize, "spill buffer: %s", strerror(errno));
		s->buf = NULL;
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	return 0;
}

static int
write_all(int fd, const void *p, size_t len, char *err, size_t errsize)
{
	const char	*c = p;
	ssize_t		 w;

	while (len > 0) {
		if ((w = write(fd, c, len)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsize, "spill file: %s", strerror(errno));
			return -1;
		}
		c += w;
		len -= (size_t)w;
	}
	return 0;
}

int
spill_flush(struct spill *s, char *err, size_t errsize)
{
	if (s->len == 0)
		return 0;
	if (write_all(s->fd, s->buf, s->len * sizeof(*s->buf), err,
	    errsize) == -1)
		return -1;
	s->len = 0;
	return 0;
}

int
spill_write(struct spill *s, const void *p, size_t len, char *err,
    size_t errsize)
{
	if (spill_flush(s, err, errsize) == -1)
		return -1;
	return write_all(s->fd, p, len, err, errsize);
}

int
spill_read(struct spill *s, void *p, size_t len, uint64_t off, char *err,
    size_t errsize)
{
	char	*c = p;
	ssize_t	 r;

	while (len > 0) {
		if ((r = pread(s->fd, c, len, (off_t)off)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsize, "spill file: %s", strerror(errno));
			return -1;
		}
		if (r == 0) {
			snprintf(err, errsize, "spill file: shorter than"
			    " written");
			return -1;
		}
		c += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

void
spill_drop_buffer(struct spill *s)
{
	if (s->buf != NULL)
		munmap(s->buf, s->cap * sizeof(*s->buf));
	s->buf = NULL;
	s->len = s->cap = 0;
}

void
spill_close(struct spill *s)
{
	if (s->fd >= 0)
		close(s->fd);
	spill_drop_buffer(s);
	s->fd = -1;
}
