/*
 * daemon: the lifecycle of `quitx run`.
 *
 * Signals are blocked and read from a signalfd that the libwebsockets
 * loop watches like any other descriptor, so SIGHUP and SIGTERM are
 * handled between two events, never in the middle of a transaction.
 */
#define LOG_TAG "daemon"
#include "quitx/daemon.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <systemd/sd-daemon.h>

#include "quitx/campaign-run.h"
#include "quitx/cmd.h"
#include "quitx/config.h"
#include "quitx/handler.h"
#include "quitx/http.h"
#include "quitx/httpd.h"
#include "quitx/clock.h"
#include "quitx/log.h"
#include "quitx/schedule-run.h"
#include "quitx/bluesky.h"
#include "quitx/mastodon.h"
#include "quitx/store.h"
#include "quitx/upload-worker.h"
#include "quitx/xmalloc.h"

/* On SIGTERM, sends in flight get this long to finish. */
#define DRAIN_SECONDS	10

struct daemon {
	struct daemon_state	 state;		/* first: the lws context user */
	struct config		*conf;
	const char		*config_path;
	struct lws_context	*lws;
	struct lws_vhost	*vhost;
	struct lws_vhost	*client_vhost;	/* streams and HTTP clients */
	struct http		*http;
	struct bluesky_jetstream *jetstream;	/* shared by the Bluesky accounts */
	struct config_bluesky	*bsky_conf;	/* theirs: outlives a reload */
	struct handler		*handler;
	struct campaign_run	*campaign;
	struct schedule_run	*schedule;	/* countdown, announcements */
	lws_sorted_usec_list_t	 watchdog;
	uint64_t		 watchdog_usec;
	int			 sigfd;
	int			 sigfd_owned_by_lws;
	int			 stopping;
};

static void
notify_status(struct daemon *d, const char *what)
{
	sd_notifyf(0, "STATUS=%s; %zu bot accounts; /healthz on %s:%d", what,
	    d->conf->naccounts, d->conf->listen_host, d->conf->listen_port);
}

/* Same accounts, same secrets' places, in the same order. */
static int
accounts_equal(const struct config *a, const struct config *b)
{
	const struct config_account	*x, *y;
	size_t				 i;

	if (a->naccounts != b->naccounts)
		return 0;
	for (i = 0; i < a->naccounts; i++) {
		x = &a->accounts[i];
		y = &b->accounts[i];
		if (x->network != y->network || x->lang != y->lang ||
		    strcmp(x->server, y->server) != 0 ||
		    strcmp(x->handle, y->handle) != 0 ||
		    strcmp(x->secret_ref, y->secret_ref) != 0)
			return 0;
	}
	return 1;
}

/*
 * SIGHUP: parse the file into a fresh struct and swap it in only if it
 * is valid; the running config stays otherwise.
 */
static void
daemon_reload(struct daemon *d)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*conf;
	size_t			 i;

	sd_notify(0, "RELOADING=1");
	log_info("reloading %s", d->config_path);
	if (config_load(d->config_path, &conf, &errs) == -1) {
		for (i = 0; i < errs.count; i++)
			log_warnx("%s", errs.msgs[i]);
		log_warnx("reload refused: keeping the running configuration");
		config_errors_clear(&errs);
		d->state.reload_failures++;
		sd_notify(0, "READY=1");
		return;
	}
	if (strcmp(conf->store_path, d->conf->store_path) != 0)
		log_warnx("'store' changed: takes effect after a restart");
	if (!accounts_equal(conf, d->conf))
		log_warnx("'accounts' changed: connections follow the new list "
		    "after a restart");
	if ((conf->ca_file == NULL) != (d->conf->ca_file == NULL) ||
	    (conf->ca_file != NULL && strcmp(conf->ca_file,
	    d->conf->ca_file) != 0) ||
	    conf->streams.timeout != d->conf->streams.timeout ||
	    conf->streams.poll_interval != d->conf->streams.poll_interval)
		log_warnx("'ca_file' or 'streams' changed: takes effect after "
		    "a restart");
	if (strcmp(conf->listen_host, d->conf->listen_host) != 0 ||
	    conf->listen_port != d->conf->listen_port)
		log_warnx("'listen' changed: takes effect after a restart");
	if (store_bot_accounts_sync(d->state.store, conf) == -1) {
		log_warnx("reload refused: cannot record the bot accounts");
		config_free(conf);
		d->state.reload_failures++;
		sd_notify(0, "READY=1");
		return;
	}
	/* keep the running store path and listener: see warnings above */
	free(conf->store_path);
	conf->store_path = xstrdup(d->conf->store_path);
	free(conf->listen_host);
	conf->listen_host = xstrdup(d->conf->listen_host);
	conf->listen_port = d->conf->listen_port;
	config_free(d->conf);
	d->conf = conf;
	d->state.conf = conf;
	d->state.reloads++;
	log_set_level(conf->log_level);
	log_info("configuration reloaded: %zu bot accounts", conf->naccounts);
	notify_status(d, "running");
	sd_notify(0, "READY=1");
}

static void
daemon_on_signal(struct daemon *d)
{
	struct signalfd_siginfo	si;
	ssize_t			n;

	while ((n = read(d->sigfd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			daemon_reload(d);
			break;
		case SIGTERM:
		case SIGINT:
			if (!d->stopping)
				log_info("%s: stopping (closing connections)",
				    strsignal((int)si.ssi_signo));
			d->stopping = 1;
			sd_notify(0, "STOPPING=1");
			break;
		}
	}
	if (n == -1 && errno != EAGAIN)
		log_warn("signalfd read");
}

static int
signal_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	/* the context user is d->state, the first member of struct daemon */
	struct daemon	*d = lws_context_user(lws_get_context(wsi));

	(void)user;
	(void)in;
	(void)len;
	if (reason == LWS_CALLBACK_RAW_RX_FILE)
		daemon_on_signal(d);
	return 0;
}

static void
watchdog_ping(lws_sorted_usec_list_t *sul)
{
	struct daemon	*d = lws_container_of(sul, struct daemon, watchdog);

	sd_notify(0, "WATCHDOG=1");
	lws_sul_schedule(d->lws, 0, &d->watchdog, watchdog_ping,
	    (lws_usec_t)(d->watchdog_usec / 2));
}

static const struct lws_protocols signal_protocol = {
	"quitx-signal", signal_callback, 0, 0, 0, NULL, 0,
};

static struct lws_protocols protocols[4];
static struct lws_protocols client_protocols[4];

/* Block the signals we handle and read them from a descriptor instead. */
static int
signals_setup(struct daemon *d)
{
	sigset_t	set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) {
		log_warn("sigprocmask");
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		log_warn("signalfd");
		return -1;
	}
	return 0;
}

/*
 * uploads/ beside the store holds uploads while they are read; whatever
 * a crash left there is deleted at start.
 */
static int
uploads_setup(struct daemon *d)
{
	struct zipread_limits	 limits;
	struct dirent		*de;
	DIR			*dir;
	char			*copy, *path;

	copy = xstrdup(d->conf->store_path);
	d->state.upload_dir = xasprintf("%s/uploads", dirname(copy));
	free(copy);
	if (mkdir(d->state.upload_dir, 0700) == -1 && errno != EEXIST) {
		log_warn("cannot make %s", d->state.upload_dir);
		return -1;
	}
	if ((dir = opendir(d->state.upload_dir)) != NULL) {
		while ((de = readdir(dir)) != NULL) {
			if (strncmp(de->d_name, "up-", 3) != 0)
				continue;
			path = xasprintf("%s/%s", d->state.upload_dir,
			    de->d_name);
			if (unlink(path) == 0)
				log_info("deleted %s, left by the last run",
				    path);
			free(path);
		}
		closedir(dir);
	}
	zipread_limits_default(&limits);
	d->state.uploads = upload_worker_new(d->vhost, d->conf->store_path,
	    &limits, upload_job_done, NULL);
	return d->state.uploads != NULL ? 0 : -1;
}

static int
lws_setup(struct daemon *d)
{
	struct lws_context_creation_info	info;
	lws_sock_file_fd_type			fd;

	protocols[0] = httpd_protocol;
	protocols[1] = signal_protocol;
	protocols[2] = upload_worker_protocol;
	memset(&protocols[3], 0, sizeof(protocols[3]));

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
	    LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.user = &d->state;
	info.uid = -1;
	info.gid = -1;
	if ((d->lws = lws_create_context(&info)) == NULL) {
		log_warnx("cannot create the event loop");
		return -1;
	}
	memset(&info, 0, sizeof(info));
	info.vhost_name = "quitx";
	info.iface = d->conf->listen_host;
	info.port = d->conf->listen_port;
	info.protocols = protocols;
	if (strchr(d->conf->listen_host, ':') == NULL)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	if ((d->vhost = lws_create_vhost(d->lws, &info)) == NULL) {
		log_warnx("cannot listen on %s port %d (in use, or not an "
		    "address of this machine?)", d->conf->listen_host,
		    d->conf->listen_port);
		return -1;
	}
	fd.filefd = d->sigfd;
	if (lws_adopt_descriptor_vhost(d->vhost, LWS_ADOPT_RAW_FILE_DESC, fd,
	    signal_protocol.name, NULL) == NULL) {
		log_warnx("cannot watch signals in the event loop");
		return -1;
	}
	d->sigfd_owned_by_lws = 1;	/* lws closes it with the context */
	if (uploads_setup(d) == -1)
		return -1;

	/*
	 * Outgoing connections get their own vhost: it listens on nothing
	 * and holds the client TLS context (always verifying; ca_file
	 * adds to the system's store).
	 */
	client_protocols[0] = mastodon_stream_protocol;
	client_protocols[1] = http_curl_protocol;
	client_protocols[2] = bluesky_jetstream_protocol;
	memset(&client_protocols[3], 0, sizeof(client_protocols[3]));
	memset(&info, 0, sizeof(info));
	info.vhost_name = "quitx-client";
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = client_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.client_ssl_ca_filepath = d->conf->ca_file;
	if ((d->client_vhost = lws_create_vhost(d->lws, &info)) == NULL) {
		log_warnx("cannot set up outgoing connections (TLS)");
		return -1;
	}
	if ((d->http = http_create(d->lws, d->client_vhost,
	    d->conf->ca_file)) == NULL)
		return -1;
	return 0;
}

/* Connect every Bluesky account, and their shared Jetstream reader. */
static void
bluesky_connect(struct daemon *d)
{
	const struct config_account	*a;
	struct bluesky_env		 env;
	struct bluesky			*b;
	int64_t				 id;
	size_t				 i;

	memset(&env, 0, sizeof(env));
	env.lws = d->lws;
	env.vhost = d->client_vhost;
	env.http = d->http;
	env.store = d->state.store;
	/* a copy: a reload frees d->conf, the connectors run on */
	d->bsky_conf = config_bluesky_dup(&d->conf->bluesky);
	env.conf = d->bsky_conf;
	env.stream_timeout = d->conf->streams.timeout;
	env.poll_interval = d->conf->streams.poll_interval;
	d->state.bluesky = xcalloc(d->conf->naccounts + 1,
	    sizeof(*d->state.bluesky));
	for (i = 0; i < d->conf->naccounts; i++) {
		a = &d->conf->accounts[i];
		if (a->network != NETWORK_BLUESKY)
			continue;
		if (d->jetstream == NULL)
			d->jetstream = bluesky_jetstream_create(&env);
		if ((id = store_bot_account_id(d->state.store, a)) == -1 ||
		    (b = bluesky_start(&env, d->jetstream, a, id)) == NULL)
			continue;
		d->state.bluesky[d->state.nbluesky++] = b;
	}
}

/* Connect every account of the config. */
static void
connectors_start(struct daemon *d)
{
	const struct config_account	*a;
	struct mastodon_env		 env;
	struct mastodon			*m;
	int64_t				 id;
	size_t				 i;

	memset(&env, 0, sizeof(env));
	env.lws = d->lws;
	env.vhost = d->client_vhost;
	env.http = d->http;
	env.store = d->state.store;
	env.stream_timeout = d->conf->streams.timeout;
	env.poll_interval = d->conf->streams.poll_interval;
	d->state.mastodon = xcalloc(d->conf->naccounts + 1, sizeof(*d->state.mastodon));
	for (i = 0; i < d->conf->naccounts; i++) {
		a = &d->conf->accounts[i];
		if (a->network != NETWORK_MASTODON)
			continue;
		if ((id = store_bot_account_id(d->state.store, a)) == -1 ||
		    (m = mastodon_start(&env, a, id)) == NULL)
			continue;
		d->state.mastodon[d->state.nmastodon++] = m;
	}
	bluesky_connect(d);
}

static int
connectors_busy(struct daemon *d)
{
	size_t	i;

	for (i = 0; i < d->state.nmastodon; i++)
		if (mastodon_busy(d->state.mastodon[i]))
			return 1;
	for (i = 0; i < d->state.nbluesky; i++)
		if (bluesky_busy(d->state.bluesky[i]))
			return 1;
	return 0;
}

/*
 * Stop listening and starting sends; let what is in flight finish (the
 * outbox marks a row sent only once the server said so), for at most
 * DRAIN_SECONDS.
 */
static void
connectors_drain(struct daemon *d)
{
	time_t	deadline = time(NULL) + DRAIN_SECONDS;
	size_t	i;

	for (i = 0; i < d->state.nmastodon; i++)
		mastodon_stop(d->state.mastodon[i]);
	for (i = 0; i < d->state.nbluesky; i++)
		bluesky_stop(d->state.bluesky[i]);
	while (connectors_busy(d) && time(NULL) < deadline)
		if (lws_service(d->lws, 0) < 0)
			break;
	if (connectors_busy(d))
		log_warnx("stopping with a send in flight: it is retried "
		    "(safely, with its idempotency key) at the next start");
}

static void
connectors_free(struct daemon *d)
{
	size_t	i;

	for (i = 0; i < d->state.nmastodon; i++)
		mastodon_free(d->state.mastodon[i]);
	free(d->state.mastodon);
	d->state.mastodon = NULL;
	d->state.nmastodon = 0;
	for (i = 0; i < d->state.nbluesky; i++)
		bluesky_free(d->state.bluesky[i]);
	free(d->state.bluesky);
	d->state.bluesky = NULL;
	d->state.nbluesky = 0;
	bluesky_jetstream_free(d->jetstream);
	d->jetstream = NULL;
	config_bluesky_free(d->bsky_conf);
	d->bsky_conf = NULL;
}

int
daemon_max_chars(const struct daemon_state *ds, int64_t bot_id)
{
	size_t	i;

	for (i = 0; i < ds->nmastodon; i++)
		if (mastodon_bot_id(ds->mastodon[i]) == bot_id)
			return mastodon_max_chars(ds->mastodon[i]);
	return 0;
}

int
daemon_run(const char *config_path)
{
	struct daemon	 d;
	char		 err[512];
	int		 rc = EXIT_RUNTIME, n;

	memset(&d, 0, sizeof(d));
	d.sigfd = -1;
	d.config_path = config_path;
	if ((d.conf = cmd_load_config(config_path)) == NULL)
		return EXIT_USAGE;
	log_set_level(d.conf->log_level);
	log_route_lws();
	/* a rehearsal's simulated calendar, said loudly; a bad one stops */
	if (clock_init() == -1) {
		config_free(d.conf);
		return EXIT_USAGE;
	}
	/*
	 * Local time is the campaign's, set before any thread starts: the
	 * calendar code then never writes TZ while the upload worker, the
	 * match or libcurl's resolver threads read the environment.  A
	 * reload that changes the zone switches it back and forth again.
	 */
	setenv("TZ", d.conf->campaign.timezone, 1);
	tzset();
	d.state.conf = d.conf;
	d.state.started = time(NULL);

	if (store_open(d.conf->store_path, &d.state.store, err,
	    sizeof(err)) == -1) {
		log_errx("%s", err);
		goto out;
	}
	if (store_bot_accounts_sync(d.state.store, d.conf) == -1)
		goto out;
	if ((n = store_outbox_requeue_sending(d.state.store)) > 0)
		log_info("%d row%s left sending by the last run queued again",
		    n, n == 1 ? "" : "s");
	if (signals_setup(&d) == -1 || lws_setup(&d) == -1)
		goto out;
	connectors_start(&d);
	d.handler = handler_create(d.lws, &d.state);
	d.campaign = campaign_run_create(d.lws, &d.state);
	d.schedule = schedule_run_create(d.lws, &d.state);
	if (sd_watchdog_enabled(0, &d.watchdog_usec) > 0)
		watchdog_ping(&d.watchdog);

	log_info("quitx %s running: %zu bot accounts, store %s, http on "
	    "%s:%d", QUITX_VERSION, d.conf->naccounts, d.conf->store_path,
	    d.conf->listen_host, d.conf->listen_port);
	sd_notify(0, "READY=1");
	notify_status(&d, "running");

	while (!d.stopping)
		if (lws_service(d.lws, 0) < 0)
			break;
	rc = d.stopping ? EXIT_OK : EXIT_RUNTIME;
	connectors_drain(&d);
out:
	/* an archive being read is finished first: it is a member's wait */
	upload_worker_stop(d.state.uploads);
	handler_free(d.handler);
	connectors_free(&d);
	/* after the connectors: their calls held its follow checks */
	campaign_run_free(d.campaign);
	schedule_run_free(d.schedule);
	http_destroy(d.http);
	if (d.lws != NULL) {
		lws_sul_cancel(&d.watchdog);
		lws_context_destroy(d.lws);
	}
	/* after the connections that wait for its jobs are gone */
	upload_worker_free(d.state.uploads);
	if (d.sigfd != -1 && !d.sigfd_owned_by_lws)
		close(d.sigfd);
	store_close(d.state.store);
	free(d.state.upload_dir);
	config_free(d.conf);
	if (rc == EXIT_OK)
		log_info("stopped");
	return rc;
}
