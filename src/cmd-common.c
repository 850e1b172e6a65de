/*
 * cmd-common: what several subcommands share.
 */
#include "quitx/cmd.h"

#include <stdio.h>

#include "quitx/config.h"

struct config *
cmd_load_config(const char *path)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*conf;
	size_t			 i;

	if (config_load(path, &conf, &errs) == 0)
		return conf;
	for (i = 0; i < errs.count; i++)
		fprintf(stderr, "%s\n", errs.msgs[i]);
	config_errors_clear(&errs);
	return NULL;
}
