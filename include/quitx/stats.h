/*
 * stats: what the team watches, for people (an aligned table) and
 * scripts (JSON): the store's counts, the outbox's progress by kind, the
 * last match and the next scheduled posts.
 */
#ifndef QUITX_STATS_H
#define QUITX_STATS_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "quitx/status.h"

void	 stats_print(FILE *out, const char *store_path, const struct status *s);
json_t	*stats_json(const struct status *s);

/* v with thousands separated: "1,234,567", in buf. */
const char *stats_grouped(char *buf, size_t size, int64_t v);

#endif
