/*
 * cmd-run: `quitx run [-c FILE]`, the daemon in the foreground.
 */
#include "quitx/cmd.h"

#include <getopt.h>

#include "quitx/config.h"
#include "quitx/daemon.h"

int
cmd_run(int argc, char **argv)
{
	const char	*path = config_default_path();
	int		 ch;

	optind = 1;
	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c')
			return cmd_usage("run");
		path = optarg;
	}
	if (optind != argc)
		return cmd_usage("run");
	return daemon_run(path);
}
