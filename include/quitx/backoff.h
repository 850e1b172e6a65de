/*
 * backoff: how long to wait before trying again, for the connectors.
 * Jitter keeps several accounts (and several daemons) from coming back
 * at the same instant.
 */
#ifndef QUITX_BACKOFF_H
#define QUITX_BACKOFF_H

#include <libwebsockets.h>

/* A stream's reconnect after n failures: 1 s, 2 s ... 60 s, each
   between half and all of it. */
lws_usec_t	backoff_reconnect(int failures);

/* A start-up step's retry after n failures: 2 s, 4 s ... 300 s, plus up
   to half of it again. */
lws_usec_t	backoff_start(int failures);

#endif
