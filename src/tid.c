/*
 * tid: AT Protocol timestamp identifiers (tid.h).
 *
 * The layout is atproto's (packages/common-web/src/tid.ts): the
 * timestamp's 11 characters then the clock id's 2 make one 64-bit
 * big-endian value cut in 5-bit digits.  The official client counts
 * milliseconds and makes up the microseconds; the clock here has them.
 */
#include "quitx/tid.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/random.h>

static const char	tid_alphabet[] = "234567abcdefghijklmnopqrstuvwxyz";

static pthread_mutex_t	tid_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t		tid_last;	/* microseconds of the last TID made */
static unsigned		tid_clock;
static int		tid_clock_set;

void
tid_format(char out[TID_LEN + 1], uint64_t usec, unsigned clock_id)
{
	uint64_t	v;
	int		i;

	v = ((usec & ((UINT64_C(1) << 53) - 1)) << 10) |
	    (clock_id & TID_CLOCK_MAX);
	for (i = TID_LEN - 1; i >= 0; i--) {
		out[i] = tid_alphabet[v & 31];
		v >>= 5;
	}
	out[TID_LEN] = '\0';
}

/* Random bits for the clock id; the time and pid if the kernel has none. */
static unsigned
tid_random_clock(void)
{
	struct timespec	ts;
	unsigned	r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r & TID_CLOCK_MAX;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((unsigned)ts.tv_nsec ^ (unsigned)getpid() * 2654435761u) &
	    TID_CLOCK_MAX;
}

void
tid_next_at(char out[TID_LEN + 1], uint64_t now_usec)
{
	uint64_t	t;
	unsigned	clock_id;

	pthread_mutex_lock(&tid_lock);
	if (!tid_clock_set) {
		tid_clock = tid_random_clock();
		tid_clock_set = 1;
	}
	t = now_usec > tid_last ? now_usec : tid_last + 1;
	tid_last = t;
	clock_id = tid_clock;
	pthread_mutex_unlock(&tid_lock);
	tid_format(out, t, clock_id);
}

void
tid_next(char out[TID_LEN + 1])
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	tid_next_at(out, (uint64_t)ts.tv_sec * 1000000 +
	    (uint64_t)ts.tv_nsec / 1000);
}

int
tid_valid(const char *s)
{
	size_t	i;

	if (s == NULL || strlen(s) != TID_LEN)
		return 0;
	/* the top bit is 0: the first digit is one of the first 16 */
	if (memchr(tid_alphabet, s[0], 16) == NULL)
		return 0;
	for (i = 1; i < TID_LEN; i++)
		if (memchr(tid_alphabet, s[i], 32) == NULL)
			return 0;
	return 1;
}
