/*
 * fuzz-clock: text through the clock's readers, QUITX_CLOCK values and
 * the ISO 8601 times of `quitx announce --at`, and a thread split on
 * blank lines.  The input, up to the first NUL, is all three.  Whatever
 * it is:
 *   - a time read with an explicit zone (Z, +HH:MM) written back in UTC
 *     and read again gives the same second;
 *   - a QUITX_CLOCK accepted has a speed in (0, 1e7];
 *   - the thread's parts are never empty and never start or end with a
 *     line break, and there are no more of them than blank-line runs + 1.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quitx/clock.h"
#include "quitx/schedule.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*s = malloc(size + 1), **parts, back[64];
	const char	*why;
	int64_t		 t, t2, start, anchor;
	double		 speed;
	size_t		 n, i, len;
	struct tm	 tm;
	time_t		 tt;

	memcpy(s, data, size);
	s[size] = '\0';
	if (clock_parse_time(s, NULL, &t, &why) == 0 && t >= 0 &&
	    t < 253402300800LL) {
		tt = (time_t)t;
		gmtime_r(&tt, &tm);
		strftime(back, sizeof(back), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (tm.tm_year + 1900 >= 1970 && (clock_parse_time(back, NULL,
		    &t2, &why) != 0 || t2 != t))
			abort();
	}
	if (clock_parse(s, &start, &speed, &anchor) == 0 &&
	    !(speed > 0 && speed <= 1e7))
		abort();
	n = schedule_split_thread(s, &parts);
	for (i = 0; i < n; i++) {
		len = strlen(parts[i]);
		if (len == 0 || parts[i][0] == '\n' || parts[i][len - 1] ==
		    '\n')
			abort();
		free(parts[i]);
	}
	free(parts);
	free(s);
	return 0;
}
