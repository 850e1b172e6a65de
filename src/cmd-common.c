/*
 * cmd-common: what several subcommands share.
 */
#include "quitx/cmd.h"

#include <getopt.h>
#include <stdio.h>

#include "quitx/config.h"

int
cmd_parse_options(int argc, char **argv, const char *name, const char **path,
    int *json)
{
	static const struct option	longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int				ch;

	*path = config_default_path();
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", json != NULL ? longopts :
	    longopts + 1, NULL)) != -1) {
		if (ch == 'c')
			*path = optarg;
		else if (ch == 'j' && json != NULL)
			*json = 1;
		else
			return cmd_usage(name), -1;
	}
	if (optind != argc)
		return cmd_usage(name), -1;
	return 0;
}

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
