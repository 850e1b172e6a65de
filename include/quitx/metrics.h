/*
 * metrics: the counts of the store and the daemon, in the Prometheus text
 * exposition format (version 0.0.4).
 */
#ifndef QUITX_METRICS_H
#define QUITX_METRICS_H

#include <stddef.h>

struct daemon_state;

/* A malloc'd text body and its length, or NULL if the store failed. */
char	*metrics_render(const struct daemon_state *ds, size_t *len);

#endif
