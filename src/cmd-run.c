/*
 * cmd-run: `quitx run [-c FILE]`, the daemon in the foreground.
 */
#include "quitx/cmd.h"

#include "quitx/config.h"
#include "quitx/daemon.h"

int
cmd_run(int argc, char **argv)
{
	const char	*path;

	if (cmd_parse_options(argc, argv, "run", &path, NULL) == -1)
		return EXIT_USAGE;
	return daemon_run(path);
}
