/*
 * stats: store counts for people (an aligned table) and scripts (JSON).
 */
#ifndef QUITX_STATS_H
#define QUITX_STATS_H

#include <stdio.h>

#include <jansson.h>

#include "quitx/store.h"

void	 stats_print(FILE *out, const char *store_path,
	    const struct store_stats *s);
json_t	*stats_json(const struct store_stats *s);

#endif
