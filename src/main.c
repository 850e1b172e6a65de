/*
 * main: subcommand dispatch, --help and --version.  Nothing else.
 */
#include <stdio.h>
#include <string.h>

#include "quitx/cmd.h"
#include "quitx/log.h"

static const struct cmd commands[] = {
	{ "run", cmd_run, "[-c FILE]",
	  "run the daemon in the foreground (under systemd)",
	  "Watches the bot accounts, serves GET /healthz and GET /metrics on\n"
	  "the 'listen' address, reloads the config on SIGHUP (kept only if\n"
	  "valid) and drains on SIGTERM or SIGINT.  Logs go to stderr.\n" },
	{ "check-config", cmd_check_config, "[-c FILE]",
	  "validate the configuration file",
	  "Prints each problem as FILE:LINE: message and exits 2, or prints\n"
	  "a summary and exits 0.  Secrets are checked, never printed.\n" },
	{ "explain", cmd_explain,
	  "[-c FILE] [--lang en|fr] [--member HANDLE] [--reply-to-call] TEXT...",
	  "show what the bot reads in a mention and what it would answer",
	  "Parses TEXT as a mention of the bot (in the language of --lang's\n"
	  "bot account, English by default) and prints the command, the X\n"
	  "handle, the language and the exact answers from the message files,\n"
	  "as to a newcomer, or to a member who claimed HANDLE (--member).\n"
	  "--reply-to-call reads TEXT as a reply to the call to register.\n"
	  "Touches no store and no network.\n" },
	{ "import", cmd_import,
	  "archive [-c FILE] --member ACCOUNT PATH... | population [-c FILE] FILE.tsv",
	  "load X archives or a population the campaign collected elsewhere",
	  "archive: the X archive of one member (ACCOUNT: user@server on\n"
	  "Mastodon, a DID or handle on Bluesky), from its zip, its folder or\n"
	  "its data files (account.js and follower/following files).  It\n"
	  "replaces the member's earlier upload and proves their X handle.\n"
	  "population: a file of tab-separated lines 'x_id  x_handle\n"
	  "mastodon_acct  bluesky_handle' (an empty field: not on that\n"
	  "network); each network account becomes a member whose X id is\n"
	  "proven by the import.  Every line is checked before any is\n"
	  "written.  Both show progress on a terminal and a summary at the\n"
	  "end, and change nothing when the input is bad (exit 2).\n" },
	{ "match", cmd_match, "[-c FILE] [--member WHO] [--json]",
	  "work out every member's suggestions, or show one member's",
	  "Without --member: reads every complete upload and proven claim,\n"
	  "works out who each member followed on X among the members, and\n"
	  "replaces the stored suggestions whole (readers and a crash keep\n"
	  "the previous ones until it is done), then prints a summary.  It\n"
	  "can run while the daemon does; one match at a time.  The\n"
	  "campaign section's match_max_per_member and match_memory_mb\n"
	  "apply, as in the daemon.\n"
	  "--member WHO (user@server, a DID or a Bluesky handle): that\n"
	  "member's stored suggestions, ranked, and when the match ran.\n"
	  "--json for scripts.\n" },
	{ "campaign", cmd_campaign,
	  "plan [-c FILE] | preview [-c FILE] --member WHO | "
	  "start [-c FILE] [--dry-run FILE]",
	  "look at the campaign day before it happens, or start it",
	  "plan: the members, what each bot account would send now\n"
	  "(suggestion messages, introductions) and how long delivery takes\n"
	  "at the networks' published budgets.\n"
	  "preview --member WHO (user@server, a DID or a Bluesky handle):\n"
	  "that member's messages exactly as they would be sent, with their\n"
	  "lengths as the network counts them.\n"
	  "start --dry-run FILE: every row the day would queue, one JSON\n"
	  "object a line, written to FILE; nothing is queued.\n"
	  "start: the day starts now, whatever the configured time: the\n"
	  "running daemon queues everything within seconds.\n"
	  "plan, preview and --dry-run compose with the daemon's own code in\n"
	  "a transaction they roll back: they change nothing.\n" },
	{ "announce", cmd_announce,
	  "[-c FILE] [--at TIME] [--accounts LIST] [--thread] [--preview] "
	  "[--image FILE --alt TEXT]... FILE|-",
	  "schedule a post (or a thread) from the bot accounts",
	  "The text of FILE (- for standard input) is posted at TIME (ISO\n"
	  "8601: 2027-01-19T18:00+01:00, or 2027-01-19 18:00 in the\n"
	  "campaign's time zone; default now) from each account of LIST\n"
	  "(handles, or mastodon, bluesky, en, fr; comma-separated; default\n"
	  "all).  --thread splits the text on blank lines into a thread.\n"
	  "Every part is checked against every target network's limit\n"
	  "first (Mastodon: the instance's, URLs counting 23; Bluesky: 300\n"
	  "graphemes, 3000 bytes): a refusal names the part and its count\n"
	  "and schedules nothing (exit 2).  --preview prints what each\n"
	  "network will receive (text, facets, length) and writes nothing.\n"
	  "--image FILE --alt TEXT (up to 4) go with the first part: PNG,\n"
	  "JPEG, GIF or WebP, at most 1,000,000 bytes for Bluesky, and the\n"
	  "alt text says what the picture shows.\n"
	  "The running daemon posts it when its time comes.\n" },
	{ "schedule", cmd_schedule,
	  "list [-c FILE] | show [-c FILE] ID | cancel [-c FILE] ID",
	  "list, show or cancel scheduled posts (countdown, announcements)",
	  "list: every scheduled post, by time: id, kind, account, time in\n"
	  "the campaign's zone, state (pending, queued, cancelled, skipped)\n"
	  "and first words.  show ID: one post whole, with its parts'\n"
	  "outbox states.  cancel ID: a pending post is never posted (a\n"
	  "queued one is in the outbox already: exit 1).\n" },
	{ "demo", cmd_demo,
	  "[--members N] [--speed S] [--seed N] [--keep] [--plain]",
	  "rehearse the whole campaign on this machine (make demo)",
	  "Starts the local Mastodon-like and Bluesky-like peers on loopback,\n"
	  "a fresh store in a temporary folder and `quitx run` with the demo\n"
	  "config (demo.conf), then plays a campaign: the call to register,\n"
	  "N members (default 300) replying in English and French, uploading\n"
	  "their X archives through their links, the countdown on a clock\n"
	  "running S simulated days a second (default 1, at most 4), and the\n"
	  "campaign day.  Exits 0 only if every member received exactly what\n"
	  "the matches say, once, and no server answered 429.  --keep keeps\n"
	  "the folder (store, logs); --plain prints lines instead of the\n"
	  "live view.  The peers, the generator, demo.conf and the message\n"
	  "files come from $QUITX_LIBEXEC, else " QUITX_LIBEXECDIR ".\n" },
	{ "stats", cmd_stats, "[-c FILE] [--json]",
	  "print counts from the store",
	  "Bot accounts, members per network, X claims, uploads and edges,\n"
	  "inbox and outbox by state, scheduled posts.  --json for scripts.\n" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cmd *
find(const char *name)
{
	size_t	i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void
usage_all(FILE *out)
{
	size_t	i;

	fprintf(out, "usage: quitx [--help] [--version] COMMAND [ARGS]\n\n"
	    "commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-14s %s\n", commands[i].name,
		    commands[i].summary);
	fprintf(out, "  %-14s %s\n", "help", "describe a command");
	fprintf(out, "\n-c FILE defaults to $QUITX_CONFIG, else "
	    "/etc/quitx/quitx.conf.\nExit status: 0 ok, 1 runtime failure, "
	    "2 usage or configuration error.\n");
}

int
cmd_usage(const char *name)
{
	const struct cmd	*c = find(name);

	fprintf(stderr, "usage: quitx %s %s\n", name, c != NULL ? c->usage : "");
	return EXIT_USAGE;
}

static int
help(const char *name)
{
	const struct cmd	*c;

	if (name == NULL) {
		usage_all(stdout);
		return EXIT_OK;
	}
	if ((c = find(name)) == NULL) {
		fprintf(stderr, "quitx: unknown command '%s'\n", name);
		return EXIT_USAGE;
	}
	printf("usage: quitx %s %s\n\n%s.\n\n%s", c->name, c->usage,
	    c->summary, c->help);
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	const struct cmd	*c;

	log_init(LOG_LVL_INFO);
	if (argc < 2) {
		usage_all(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return help(NULL);
	if (strcmp(argv[1], "--version") == 0) {
		printf("quitx %s\n", QUITX_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0)
		return help(argc > 2 ? argv[2] : NULL);
	if ((c = find(argv[1])) == NULL) {
		fprintf(stderr, "quitx: unknown command '%s' (see quitx "
		    "--help)\n", argv[1]);
		return EXIT_USAGE;
	}
	return c->fn(argc - 1, argv + 1);
}
