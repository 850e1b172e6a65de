/*
 * demo-proc: the processes of `quitx demo` (the peers, the daemon, the
 * generator, quitx commands), its certificate, its ports and signals.
 *
 * Every child goes into one process group of its own (not the
 * terminal's): a Ctrl-C reaches the demo alone, which then stops the
 * group in order and waits for each, so that no process and no port is
 * left behind.  Each child also dies with the demo (PR_SET_PDEATHSIG)
 * should the demo itself be killed outright.
 */
#include "demo-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "quitx/clock.h"
#include "quitx/xmalloc.h"

volatile sig_atomic_t	demo_interrupted;

static void
on_signal(int sig)
{
	demo_interrupted = sig;
}

/* Signals only set the flag; the waits look at it. */
int
demo_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1)
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

int64_t
demo_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
demo_sleep_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	if (demo_interrupted)
		return -1;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		if (demo_interrupted)
			return -1;
	return demo_interrupted ? -1 : 0;
}

/*
 * A port nothing listens on now, chosen by the kernel.  Another
 * program may take it before the daemon does; the daemon then fails to
 * start and says so.
 */
int
demo_free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/*
 * A self-signed P-256 certificate for 127.0.0.1, valid two days, made
 * with libcrypto (which quitx links anyway): the peers serve it and the
 * daemon trusts it through ca_file.  0, or -1 with err.
 */
int
demo_make_cert(const char *cert, const char *key, char *err, size_t errlen)
{
	EVP_PKEY	*pk = NULL;
	X509		*x = NULL;
	X509_EXTENSION	*ext = NULL;
	X509V3_CTX	 ctx;
	FILE		*f = NULL;
	int		 fd, rc = -1;

	if ((pk = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL) {
		snprintf(err, errlen, "libcrypto could not make a key");
		goto fail;
	}
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 2 * 86400L);
	X509_set_pubkey(x, pk);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name,
	    "IP:127.0.0.1")) == NULL || !X509_add_ext(x, ext, -1) ||
	    X509_sign(x, pk, EVP_sha256()) == 0) {
		snprintf(err, errlen, "libcrypto could not sign a certificate");
		goto fail;
	}
	if ((fd = open(key, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", key, strerror(errno));
		if (fd != -1)
			close(fd);
		goto fail;
	}
	if (!PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL)) {
		snprintf(err, errlen, "%s: libcrypto could not write it", key);
		goto fail;
	}
	if (fclose(f) != 0) {
		f = NULL;
		snprintf(err, errlen, "%s: %s", key, strerror(errno));
		goto fail;
	}
	if ((f = fopen(cert, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", cert, strerror(errno));
		goto fail;
	}
	if (!PEM_write_X509(f, x)) {
		snprintf(err, errlen, "%s: libcrypto could not write it", cert);
		goto fail;
	}
	if (fclose(f) != 0) {
		f = NULL;
		snprintf(err, errlen, "%s: %s", cert, strerror(errno));
		goto fail;
	}
	f = NULL;
	rc = 0;
fail:
	if (f != NULL)
		fclose(f);
	X509_EXTENSION_free(ext);
	X509_free(x);
	EVP_PKEY_free(pk);
	return rc;
}

/*
 * Start argv[0] in the demo's process group, stdout to out (a file, or
 * NULL: /dev/null), stderr appended to errlog (the same file as out,
 * or NULL: where stdout goes), QUITX_CLOCK set to clock
 * (NULL: unset).  The pid, or -1.
 */
pid_t
demo_spawn(struct demo *d, const char *const argv[], const char *out,
    const char *errlog, const char *clock)
{
	pid_t	pid;
	int	fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		setpgid(0, d->pgid);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (clock != NULL)
			setenv("QUITX_CLOCK", clock, 1);
		else
			unsetenv("QUITX_CLOCK");
		if ((fd = open("/dev/null", O_RDONLY)) != -1 && fd != 0) {
			dup2(fd, 0);
			close(fd);
		}
		fd = open(out != NULL ? out : "/dev/null",
		    O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd != -1 && fd != 1) {
			dup2(fd, 1);
			close(fd);
		}
		/* one file: one offset, or each would write over the other */
		if (errlog == NULL || (out != NULL && strcmp(errlog, out) == 0))
			dup2(1, 2);
		else if ((fd = open(errlog, O_WRONLY | O_CREAT | O_APPEND,
		    0600)) != -1 && fd != 2) {
			dup2(fd, 2);
			close(fd);
		}
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "quitx demo: %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	/* both sides set it: whichever runs first, no window */
	if (d->pgid == 0)
		d->pgid = pid;
	setpgid(pid, d->pgid);
	return pid;
}

int
demo_run(struct demo *d, const char *const argv[], const char *log)
{
	struct timespec	ts = { 0, 20 * 1000000L };
	pid_t		pid, r;
	int		st, killed = 0;

	/*
	 * On the daemon's calendar: `quitx announce` reads the time from
	 * it, as the team's would beside a rehearsing daemon.
	 */
	if ((pid = demo_spawn(d, argv, log, log, d->sim_clock[0] != '\0' ?
	    d->sim_clock : NULL)) == -1)
		return -1;
	/* polled, so that a Ctrl-C at any moment stops the helper too */
	while ((r = waitpid(pid, &st, WNOHANG)) != pid) {
		if (r == -1 && errno != EINTR)
			return -1;
		if (demo_interrupted && !killed) {
			kill(pid, SIGTERM);
			killed = 1;
		}
		nanosleep(&ts, NULL);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Start a peer with --port 0 and read the port from its one line,
 * "NAME listening on 127.0.0.1:PORT" (10 s at most).
 */
int
demo_peer_start(struct demo *d, struct demo_peer *p, const char *const argv[])
{
	char	*out, *errlog, line[256];
	FILE	*f;
	int	 i;

	out = xasprintf("%s/%s.out", d->dir, p->name);
	errlog = xasprintf("%s/%s.log", d->dir, p->name);
	p->pid = demo_spawn(d, argv, out, errlog, NULL);
	for (i = 0; p->pid > 0 && i < 100 && p->port == 0; i++) {
		if (demo_sleep_ms(100) == -1)
			break;
		if ((f = fopen(out, "r")) == NULL)
			continue;
		if (fgets(line, sizeof(line), f) != NULL &&
		    strstr(line, "listening on 127.0.0.1:") != NULL)
			p->port = (int)strtol(strrchr(line, ':') + 1, NULL,
			    10);
		fclose(f);
		if (waitpid(p->pid, NULL, WNOHANG) == p->pid) {
			p->pid = 0;
			break;
		}
	}
	free(out);
	free(errlog);
	if (p->port <= 0) {
		demo_fail(d, "%s did not start (see %s/%s.log)", p->name,
		    d->dir, p->name);
		return -1;
	}
	p->base = xasprintf("https://127.0.0.1:%d", p->port);
	return 0;
}

/*
 * `quitx run` with the demo's config, on a simulated clock whose anchor
 * the demo gives, so that it knows the daemon's time too; up once
 * /healthz answers ok.
 */
int
demo_daemon_start(struct demo *d, const char *start, double speed)
{
	const char	*argv[] = { d->self, "run", "-c", d->conf, NULL };
	const char	*why;
	char		*url, *clock;
	int		 i, st;

	if (clock_parse_time(start, NULL, &d->sim_start, &why) == -1) {
		demo_fail(d, "%s: %s", start, why);
		return -1;
	}
	/* whole seconds: the next one, so the clock starts at start, not
	   up to a second (a simulated day or more) past it */
	d->sim_anchor = (int64_t)time(NULL) + 1;
	d->sim_speed = speed;
	clock = xasprintf("%s,%.0f,%lld", start, speed,
	    (long long)d->sim_anchor);
	snprintf(d->sim_clock, sizeof(d->sim_clock), "%s", clock);
	url = xasprintf("http://127.0.0.1:%d/healthz", d->port);
	d->daemon = demo_spawn(d, argv, NULL, d->log, clock);
	free(clock);
	for (i = 0; d->daemon > 0 && i < 150; i++) {
		if (demo_http_get(url) == 200)
			break;
		if (waitpid(d->daemon, &st, WNOHANG) == d->daemon) {
			d->daemon = 0;
			break;
		}
		if (demo_sleep_ms(100) == -1)
			break;
	}
	free(url);
	if (d->daemon <= 0 || i == 150) {
		demo_fail(d, "the daemon did not start (its log: %s)", d->log);
		return -1;
	}
	return 0;
}

int
demo_alive(struct demo *d)
{
	int	st;

	if (d->daemon <= 0 || waitpid(d->daemon, &st, WNOHANG) != d->daemon)
		return 1;
	d->daemon = 0;
	demo_fail(d, "the daemon exited (status %d) during %s; its log: %s",
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), d->phase,
	    d->log);
	return 0;
}

int
demo_daemon_stop(struct demo *d)
{
	int	i, st = 0;

	if (d->daemon <= 0)
		return 0;
	kill(d->daemon, SIGTERM);
	for (i = 0; i < 2000; i++) {
		if (waitpid(d->daemon, &st, WNOHANG) == d->daemon)
			break;
		usleep(10000);
	}
	if (i == 2000) {
		kill(d->daemon, SIGKILL);
		waitpid(d->daemon, &st, 0);
		d->daemon = 0;
		demo_fail(d, "the daemon did not stop within 20 s of SIGTERM");
		return -1;
	}
	d->daemon = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		demo_fail(d, "the daemon exited with status %d (its log: %s)",
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
		    d->log);
		return -1;
	}
	return 0;
}

/*
 * The daemon first (it drains), then the whole group; reap every child
 * so that nothing outlives the demo, SIGKILL after 10 s.
 */
void
demo_stop_all(struct demo *d)
{
	int	i;

	if (d->daemon > 0)
		(void)demo_daemon_stop(d);
	if (d->pgid <= 0)
		return;
	kill(-d->pgid, SIGTERM);
	for (i = 0; i < 1000; i++) {
		while (waitpid(-d->pgid, NULL, WNOHANG) > 0)
			;
		if (kill(-d->pgid, 0) == -1 && errno == ESRCH)
			break;
		usleep(10000);
	}
	if (i == 1000) {
		kill(-d->pgid, SIGKILL);
		while (waitpid(-d->pgid, NULL, 0) > 0)
			;
	}
	d->masto.pid = d->bsky.pid = 0;
	d->pgid = 0;
}

/* Keep the first failure: it is the cause, the rest follow from it. */
void
demo_fail(struct demo *d, const char *fmt, ...)
{
	va_list	ap;

	if (d->error[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(d->error, sizeof(d->error), fmt, ap);
	va_end(ap);
}
