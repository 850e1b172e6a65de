/*
 * daemon: `quitx run`.  Start, serve, reload on SIGHUP, drain on SIGTERM.
 *
 * One thread and one libwebsockets event loop own every descriptor: the
 * HTTP listener, signals (a signalfd adopted into the loop) and, as the
 * connectors land, the WebSocket streams and HTTP clients.  Nothing runs
 * in a signal handler.
 */
#ifndef QUITX_DAEMON_H
#define QUITX_DAEMON_H

#include <stdint.h>
#include <time.h>

struct config;
struct bluesky;
struct mastodon;
struct store;
struct upload_worker;

/* What the HTTP endpoint and metrics read about the running daemon. */
struct daemon_state {
	const struct config	*conf;
	struct store		*store;
	time_t			 started;
	unsigned long		 reloads;
	unsigned long		 reload_failures;
	struct mastodon		**mastodon;	/* the connected accounts */
	size_t			 nmastodon;
	struct bluesky		**bluesky;
	size_t			 nbluesky;
	struct upload_worker	*uploads;	/* ingests uploaded archives */
	char			*upload_dir;	/* spooled uploads, beside the store */
};

/* A Mastodon bot account's max_characters, or 0 when not connected. */
int	daemon_max_chars(const struct daemon_state *ds, int64_t bot_id);

/* Run until SIGTERM/SIGINT.  Returns a process exit code (0, 1 or 2). */
int	daemon_run(const char *config_path);

#endif
