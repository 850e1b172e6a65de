/*
 * cmd: the subcommands of the quitx binary, each in src/cmd-*.c.
 * Every command returns a process exit code.
 */
#ifndef QUITX_CMD_H
#define QUITX_CMD_H

enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,	/* something failed while doing the work */
	EXIT_USAGE = 2,		/* bad arguments or a bad config */
};

struct cmd {
	const char	*name;
	int		(*fn)(int argc, char **argv);
	const char	*usage;		/* arguments after the name */
	const char	*summary;	/* one line for `quitx --help` */
	const char	*help;		/* the rest, for `quitx help NAME` */
};

int	cmd_run(int argc, char **argv);
int	cmd_check_config(int argc, char **argv);
int	cmd_stats(int argc, char **argv);
int	cmd_explain(int argc, char **argv);
int	cmd_import(int argc, char **argv);
int	cmd_match(int argc, char **argv);
int	cmd_campaign(int argc, char **argv);
int	cmd_announce(int argc, char **argv);
int	cmd_schedule(int argc, char **argv);
int	cmd_demo(int argc, char **argv);

/* Print "quitx NAME: usage: ..." to stderr and return EXIT_USAGE. */
int	cmd_usage(const char *name);

/*
 * Parse the options of a command that reads the config: -c FILE, and
 * --json when json is not NULL.  Returns 0, or -1 after printing usage.
 */
int	cmd_parse_options(int argc, char **argv, const char *name,
	    const char **path, int *json);

/* Load the config at path, printing every error; NULL if it had any. */
struct config	*cmd_load_config(const char *path);

#endif
