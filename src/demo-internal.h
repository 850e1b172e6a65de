/*
 * demo-internal: what the files of `quitx demo` share (cmd-demo.c and
 * demo-*.c).  The demo is a rehearsal of the campaign on loopback: the
 * local peers of the test suite, a fresh store, `quitx run` with the
 * shipped demo config, and a scripted population acting only through
 * the interfaces real members and a real team have (the peers' APIs,
 * the upload endpoint, the quitx commands).  It reads the store only to
 * watch and to check, never writes it.
 */
#ifndef QUITX_DEMO_INTERNAL_H
#define QUITX_DEMO_INTERNAL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "quitx/config.h"

/* The bots of conf/demo.conf. */
#define DEMO_MASTO_EN	"HelloQuitX"
#define DEMO_MASTO_FR	"HelloQuitteX"
#define DEMO_BSKY_EN	"helloquitx.test"
#define DEMO_BSKY_FR	"helloquittex.test"

/* What a scripted member does besides registering and uploading. */
enum demo_role {
	ROLE_PLAIN,
	ROLE_IMPOSTOR,		/* claims another member's X handle */
	ROLE_BOT,		/* a Mastodon bot account: must be ignored */
	ROLE_FORGET,		/* registers, then "forget me" */
};

struct demo_member {
	char		*x_handle;	/* the handle claimed */
	char		*account;	/* user@host, or a Bluesky handle */
	char		*did;		/* Bluesky: the peer's DID */
	enum network	 network;
	int		 fr;		/* talks to the French bot */
	enum demo_role	 role;
	char		*said;		/* the mention, as the member wrote it */
	char		*token;		/* from the upload link the bot sent */
	int		 intro;		/* asked to be introduced */
	char		*post_uri;	/* Bluesky: the registering post */
};

struct demo_peer {
	const char	*name;
	pid_t		 pid;
	char		*base;		/* https://127.0.0.1:PORT */
	int		 port;
};

struct demo {
	/* options */
	int			 members;
	double			 speed;		/* simulated days per second */
	int			 keep;
	int			 tty;
	unsigned		 seed;
	/* where things are */
	char			*libexec;
	char			*self;		/* this binary */
	char			*dir;
	char			*conf;
	char			*db;
	char			*log;
	char			*ca;
	int			 port;		/* the daemon's listen port */
	char			*limits;	/* the peers' rate limits, in words */
	/* processes, all in one process group (pgid) */
	pid_t			 pgid;
	pid_t			 daemon;
	struct demo_peer	 masto;
	struct demo_peer	 bsky;
	/* the population */
	struct demo_member	*m;
	size_t			 nm;
	/* the daemon's simulated clock: start + (now - anchor) * speed */
	int64_t			 sim_start;
	int64_t			 sim_anchor;
	double			 sim_speed;
	/* QUITX_CLOCK as the daemon has it, for the commands run beside it */
	char			 sim_clock[96];
	/* progress */
	const char		*phase;
	int64_t			 started_ms;
	char			 error[512];
};

/* Set by SIGINT, SIGTERM or SIGHUP: every wait gives up at once. */
extern volatile sig_atomic_t demo_interrupted;

/* demo-proc.c: processes, the certificate, ports, signals */
int	 demo_signals(void);
int64_t	 demo_now_ms(void);
/* Sleep ms milliseconds; -1 when interrupted. */
int	 demo_sleep_ms(int ms);
int	 demo_free_port(void);
int	 demo_make_cert(const char *cert, const char *key, char *err,
	    size_t errlen);
pid_t	 demo_spawn(struct demo *d, const char *const argv[], const char *out,
	    const char *errlog, const char *clock);
/* Run to completion; its exit status, or -1. */
int	 demo_run(struct demo *d, const char *const argv[], const char *log);
int	 demo_peer_start(struct demo *d, struct demo_peer *p,
	    const char *const argv[]);
/* `quitx run`, its QUITX_CLOCK reading start (ISO 8601) at speed. */
int	 demo_daemon_start(struct demo *d, const char *start, double speed);
/*
 * 1 while the daemon runs (or none was started); 0, with d->error,
 * once it has exited.  Every wait looks at it.
 */
int	 demo_alive(struct demo *d);
/* SIGTERM, and the daemon must exit 0 within 20 s. */
int	 demo_daemon_stop(struct demo *d);
/* Everything the demo started: SIGTERM, wait, SIGKILL what is left. */
void	 demo_stop_all(struct demo *d);
void	 demo_fail(struct demo *d, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* demo-http.c: the peers' control APIs and the upload endpoint */
int	 demo_http_init(void);
void	 demo_http_done(void);
/*
 * A control call; its JSON answer (decref it), or NULL and d->error.
 * body (NULL: none) is stolen: callers pass json_pack() straight in.
 */
json_t	*demo_peer_call(struct demo *d, const struct demo_peer *p,
	    const char *method, const char *path, json_t *body);
long long demo_peer_stat(struct demo *d, const struct demo_peer *p,
	    const char *name);
/* The same, -1 when the peer does not answer (not the demo's error). */
long long demo_peer_stat_try(struct demo *d, const struct demo_peer *p,
	    const char *name);
/* POST file to url as the page's form does; the HTTP status, or -1. */
long	 demo_upload(const char *url, const char *file, char **answer);
/* Why the last request got no HTTP status (-1), in libcurl's words. */
const char *demo_http_error(void);
/* GET url over plain HTTP (the daemon); the status, or -1. */
long	 demo_http_get(const char *url);
/* The same, with the answer's body (free it; NULL: none). */
long	 demo_http_fetch(const char *url, char **body, long timeout);

/* demo-store.c: read-only looks at the daemon's store */
/* args: the values of sql's ?s, NULL-terminated (NULL: none). */
/* For progress: one integer, or -1 when the store cannot answer. */
long long demo_db_int(struct demo *d, const char *sql,
	    const char *const args[]);
/* For the check: 1 (*v set), 0 (no row), -1 (an error, d->error). */
int	 demo_db_lookup(struct demo *d, const char *sql,
	    const char *const args[], long long *v);
int	 demo_db_lookup_text(struct demo *d, const char *sql,
	    const char *const args[], char **v);
/* For the summary: one text (free it), or NULL. */
char	*demo_db_text(struct demo *d, const char *sql);
/* Wait up to secs for sql to give want (progress shown); 0 or -1. */
int	 demo_wait_db(struct demo *d, const char *what, const char *sql,
	    const char *const args[], long long want, int secs);

/* demo-people.c: the population and what its members do */
int	 demo_population(struct demo *d);
int	 demo_register(struct demo *d);
int	 demo_collect_links(struct demo *d, int secs);
int	 demo_upload_all(struct demo *d);
int	 demo_intros(struct demo *d);
int	 demo_forget(struct demo *d);
void	 demo_people_free(struct demo *d);
/* The token of the first link prefix ("/u/", "/f/") in text, or NULL. */
char	*demo_link_token(const char *text, const char *prefix);
/* Whether acct is one of the demo's Mastodon bots. */
int	 demo_is_bot_acct(const char *acct);
/* The text a reader sees: WORD JOINERs gone, upload links hidden. */
char	*demo_as_read(const char *text);

/* demo-view.c: the progress view */
void	 demo_view(struct demo *d, int force);
void	 demo_view_end(struct demo *d);
void	 demo_phase(struct demo *d, const char *phase);

/* demo-check.c: what members received against the matches; summary */
int	 demo_check(struct demo *d, size_t *told);
void	 demo_summary(struct demo *d, size_t told);

#endif
