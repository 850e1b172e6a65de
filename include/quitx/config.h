/*
 * config: the libconfig file turned into a validated struct config.
 *
 * Every key is described once in a table in config.c (type, bounds,
 * default, check).  Loading never stops at the first problem: each one is
 * recorded as "FILE:LINE: message" so the team sees them all at once.
 * A struct config is only handed out when the file had no error.
 */
#ifndef QUITX_CONFIG_H
#define QUITX_CONFIG_H

#include <stddef.h>

#include "quitx/log.h"

enum network {
	NETWORK_MASTODON,
	NETWORK_BLUESKY,
};
#define NETWORK_COUNT 2

enum lang {
	LANG_EN,
	LANG_FR,
};
#define LANG_COUNT 2

/* Where an account's secret (token or app password) lives. */
enum secret_source {
	SECRET_FILE,		/* token_file or password_file: a path */
	SECRET_CREDENTIAL,	/* systemd credential name */
};

struct config_account {
	enum network		 network;
	char			*server;	/* https://host[:port], no trailing slash */
	char			*handle;	/* as configured, without a leading '@' */
	enum lang		 lang;
	enum secret_source	 secret_source;
	char			*secret_ref;	/* path or credential name, never the secret */
	const char		*secret_key;	/* "token_file", "password_file" or "credential" */
	int			 line;		/* where the account is defined */
};

struct config_campaign {
	int		 year, month, day;	/* the campaign day */
	int		 hour, minute;		/* start time, local to timezone */
	char		*timezone;		/* IANA name, e.g. "Europe/Paris" */
	unsigned	 languages;		/* bit (1 << enum lang) per language */
	int		 intro_public;		/* Mastodon intros: public, else unlisted */
	int		 intro_interval;	/* seconds between late intro threads */
	int		 message_max;		/* accounts listed in one member's messages */
	int		 match_interval;	/* seconds between matches, when needed */
	int		 match_max;		/* suggestions kept per member and network */
	int		 match_memory_mb;	/* the match's memory for follow pairs */
};

/*
 * The countdown: one post a day per bot account, from the first day to
 * the campaign day, at a wall-clock time in the campaign's time zone.
 */
#define COUNTDOWN_IMAGES_MAX	4
struct config_countdown_image {
	char	*file;		/* absolute path */
	char	*alt;		/* alt text, required */
};

struct config_countdown_lang {
	char	*text;		/* "{days} days to #QuitX" ({days}, {date}) */
	char	*day_before;	/* the day before; NULL: text */
	char	*day;		/* the day itself; NULL: no post that day */
	struct config_countdown_image images[COUNTDOWN_IMAGES_MAX];
	size_t	 nimages;
};

struct config_countdown {
	int	 enabled;		/* the group is there */
	int	 first_year, first_month, first_day;	/* 0: days_before */
	int	 days_before;		/* first day, as days before the day */
	int	 hour, minute;		/* -1: campaign.time */
	unsigned networks;		/* bit (1 << enum network) */
	int	 grace;			/* seconds late a post may still go */
	struct config_countdown_lang lang[LANG_COUNT];	/* text NULL: none */
};

/* How the daemon watches the networks' streams. */
struct config_streams {
	int	timeout;	/* seconds without a frame or pong: reconnect */
	int	poll_interval;	/* seconds between polls while a stream is down */
};

/* Where the Bluesky connector finds the network's shared services. */
#define BLUESKY_JETSTREAM_MAX	8
struct config_bluesky {
	char	*plc;		/* PLC directory: https://plc.directory */
	char	*jetstream[BLUESKY_JETSTREAM_MAX];	/* wss://.../subscribe */
	size_t	 njetstream;	/* 0: notifications polling only */
	char	*chat_service;	/* atproto-proxy target of chat.bsky.* */
};

struct templates;

struct config {
	char			*path;		/* the file this was read from */
	char			*messages_dir;	/* the bot's words: en.conf, fr.conf */
	struct templates	*templates;	/* loaded from it (file configs only) */
	char			*public_url;	/* https base of upload links, or NULL */
	int			 upload_link_days;
	int			 upload_max_mb;	/* one upload's body, at most */
	int			 replies_per_hour;	/* per member, at most */
	char			*store_path;
	char			*ca_file;	/* extra CAs, besides the system's */
	char			*listen_host;	/* numeric IPv4 or IPv6 address */
	int			 listen_port;
	enum log_level		 log_level;
	struct config_campaign	 campaign;
	struct config_countdown	 countdown;
	struct config_streams	 streams;
	struct config_bluesky	 bluesky;
	struct config_account	*accounts;
	size_t			 naccounts;
};

/* Problems found while loading, each already formatted "FILE:LINE: msg". */
struct config_errors {
	char	**msgs;
	size_t	  count;
};

/*
 * Read and validate path.  On success returns 0 and sets *out (free it
 * with config_free).  On any problem returns -1, leaves *out NULL and
 * appends every problem found to errs (free with config_errors_clear).
 * Secrets are checked for presence and permissions, never read into the
 * struct and never quoted in a message.
 */
int	config_load(const char *path, struct config **out,
	    struct config_errors *errs);

/*
 * The same, from text already in memory (the fuzz target and the unit
 * tests use it); name is used in messages in place of a file name.
 * Relative secret paths are resolved against the current directory.
 * The message files are not read (templates stays NULL).
 */
int	config_load_string(const char *text, const char *name,
	    struct config **out, struct config_errors *errs);

void	config_free(struct config *conf);

/*
 * A copy of the Bluesky settings that outlives its config (the running
 * connectors keep theirs across a reload).  Free with
 * config_bluesky_free.
 */
struct config_bluesky *config_bluesky_dup(const struct config_bluesky *b);
void	config_bluesky_free(struct config_bluesky *b);
void	config_errors_clear(struct config_errors *errs);

const char	*config_network_name(enum network network);
const char	*config_lang_name(enum lang lang);

/* The default path used when -c is not given. */
const char	*config_default_path(void);

/* A Mastodon username (the part before '@'): letters, digits, '_'. */
int	config_mastodon_username_valid(const char *s);
/* A DNS name of two labels or more: a Bluesky handle, a server's host. */
int	config_dns_name_valid(const char *s);

#endif
