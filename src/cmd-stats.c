/*
 * cmd-stats: `quitx stats [-c FILE] [--json]`, the store's counts, the
 * outbox's progress, the last match and the next scheduled posts, times
 * in the campaign's time zone.
 */
#include "quitx/cmd.h"

#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "quitx/config.h"
#include "quitx/stats.h"
#include "quitx/store.h"

int
cmd_stats(int argc, char **argv)
{
	const char		*path;
	struct config		*conf;
	struct store		*st;
	struct status		 s;
	struct stat		 sb;
	json_t			*j;
	char			 err[512];
	int			 json = 0, rc = EXIT_RUNTIME;

	if (cmd_parse_options(argc, argv, "stats", &path, &json) == -1)
		return EXIT_USAGE;
	if ((conf = cmd_load_config(path)) == NULL)
		return EXIT_USAGE;
	if (stat(conf->store_path, &sb) == -1) {
		fprintf(stderr, "quitx stats: no store at %s yet (quitx run "
		    "creates it)\n", conf->store_path);
		goto out;
	}
	if (store_open(conf->store_path, &st, err, sizeof(err)) == -1) {
		fprintf(stderr, "quitx stats: %s\n", err);
		goto out;
	}
	if (status_collect(st, conf->campaign.timezone, (int64_t)time(NULL),
	    &s) == -1) {
		fprintf(stderr, "quitx stats: cannot read %s: %s\n",
		    conf->store_path, store_errmsg(st));
	} else if (json) {
		j = stats_json(&s);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(j);
		rc = EXIT_OK;
	} else {
		stats_print(stdout, conf->store_path, &s);
		rc = EXIT_OK;
	}
	status_free(&s);
	store_close(st);
out:
	config_free(conf);
	return rc;
}
