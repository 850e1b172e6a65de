/*
 * cmd-check-config: `quitx check-config [-c FILE]`.  Every problem as
 * FILE:LINE: message, exit 2; a one-line summary and exit 0 otherwise.
 */
#include "quitx/cmd.h"

#include <stdio.h>

#include "quitx/config.h"

int
cmd_check_config(int argc, char **argv)
{
	const char	*path;
	struct config	*conf;
	size_t		 i, n[NETWORK_COUNT] = { 0, 0 };

	if (cmd_parse_options(argc, argv, "check-config", &path, NULL) == -1)
		return EXIT_USAGE;
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
