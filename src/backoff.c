/*
 * backoff: retry delays with jitter.  See backoff.h.
 */
#include "quitx/backoff.h"

#include <stdlib.h>

#define RECONNECT_MAX_SECS	60
#define START_MAX_SECS		300

lws_usec_t
backoff_reconnect(int failures)
{
	lws_usec_t	us = LWS_US_PER_SEC;

	while (failures-- > 1 && us < RECONNECT_MAX_SECS * LWS_US_PER_SEC)
		us *= 2;
	if (us > RECONNECT_MAX_SECS * LWS_US_PER_SEC)
		us = RECONNECT_MAX_SECS * LWS_US_PER_SEC;
	return us / 2 + (lws_usec_t)random() % (us / 2 + 1);
}

lws_usec_t
backoff_start(int failures)
{
	int	secs = 2;

	while (failures-- > 1 && secs < START_MAX_SECS)
		secs *= 2;
	if (secs > START_MAX_SECS)
		secs = START_MAX_SECS;
	return (lws_usec_t)(secs + random() % (secs / 2 + 1)) *
	    LWS_US_PER_SEC;
}
