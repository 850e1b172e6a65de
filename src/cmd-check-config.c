/*
 * cmd-check-config: `quitx check-config [-c FILE]`.  Every problem as
 * FILE:LINE: message, exit 2; a one-line summary and exit 0 otherwise.
 */
#include "quitx/cmd.h"

#include <getopt.h>
#include <stdio.h>

#include "quitx/config.h"

int
cmd_check_config(int argc, char **argv)
{
	const char	*path = config_default_path();
	struct config	*conf;
	size_t		 i, n[NETWORK_COUNT] = { 0, 0 };
	int		 ch;

	optind = 1;
	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c')
			return cmd_usage("check-config");
		path = optarg;
	}
	if (optind != argc)
		return cmd_usage("check-config");
	if ((conf = cmd_load_config(path)) == NULL)
		return EXIT_USAGE;
	for (i = 0; i < conf->naccounts; i++)
		n[conf->accounts[i].network]++;
	printf("%s: ok (%zu Mastodon and %zu Bluesky accounts; campaign day "
	    "%04d-%02d-%02d %02d:%02d %s)\n", path, n[NETWORK_MASTODON],
	    n[NETWORK_BLUESKY], conf->campaign.year, conf->campaign.month,
	    conf->campaign.day, conf->campaign.hour, conf->campaign.minute,
	    conf->campaign.timezone);
	config_free(conf);
	return EXIT_OK;
}
