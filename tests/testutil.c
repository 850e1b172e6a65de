/*
 * testutil: see testutil.h.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "quitx/xmalloc.h"

char *
tu_tmpdir(void)
{
	const char	*base = getenv("TMPDIR");
	char		*dir;

	dir = xasprintf("%s/quitx-test.XXXXXX", base != NULL ? base : "/tmp");
	if (mkdtemp(dir) == NULL)
		fail_msg("mkdtemp %s", dir);
	return dir;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
tu_rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *
tu_write(const char *dir, const char *name, int mode, const char *fmt, ...)
{
	char	*path = xasprintf("%s/%s", dir, name);
	FILE	*f;
	va_list	 ap;

	unlink(path);
	if ((f = fopen(path, "w")) == NULL)
		fail_msg("cannot write %s", path);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	chmod(path, (mode_t)mode);
	return path;
}

char *
tu_slurp(const char *path)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len = 0, n;
	char	 chunk[4096];

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf = xreallocarray(buf, len + n + 1, 1);
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (buf == NULL)
		buf = xstrdup("");
	else
		buf[len] = '\0';
	return buf;
}

const char *
tu_quitx_bin(void)
{
	const char	*bin = getenv("QUITX_BIN");

	return bin != NULL ? bin : "build/quitx";
}

int
tu_run(char **out, char **err, const char *const argv[])
{
	char	*dir, *opath, *epath;
	pid_t	 pid;
	int	 status, fd;

	dir = tu_tmpdir();
	opath = xasprintf("%s/out", dir);
	epath = xasprintf("%s/err", dir);
	if ((pid = fork()) == 0) {
		fd = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		fd = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		execvp(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	if (out != NULL)
		*out = tu_slurp(opath);
	if (err != NULL)
		*err = tu_slurp(epath);
	tu_rmtree(dir);
	free(opath);
	free(epath);
	free(dir);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

long long
tu_db_int(const char *path, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*q;
	long long	 v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK) {
		sqlite3_busy_timeout(db, 2000);
		if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
			if (sqlite3_step(q) == SQLITE_ROW)
				v = sqlite3_column_int64(q, 0);
			sqlite3_finalize(q);
		}
	}
	sqlite3_close(db);
	return v;
}

char *
tu_gen_archive(const char *dir, int users, int archives, int seed)
{
	const char	*tools = getenv("QUITX_TOOLS");
	char		*gen, *out, *err = NULL, nu[16], na[16], ns[16];

	if (tools == NULL)
		fail_msg("set QUITX_TOOLS (make check does)");
	gen = xasprintf("%s/gen-archive", tools);
	out = xasprintf("%s/pop", dir);
	snprintf(nu, sizeof(nu), "%d", users);
	snprintf(na, sizeof(na), "%d", archives);
	snprintf(ns, sizeof(ns), "%d", seed);
	if (tu_run(NULL, &err, (const char *[]){ gen, "--users", nu,
	    "--archives", na, "--zip", "--seed", ns, "--out", out,
	    NULL }) != 0)
		fail_msg("gen-archive: %s", err);
	free(err);
	free(gen);
	return out;
}

int
tu_quitx(char **out, char **err, ...)
{
	const char	*argv[32];
	va_list		 ap;
	int		 argc = 0;

	argv[argc++] = tu_quitx_bin();
	va_start(ap, err);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	return tu_run(out, err, argv);
}

void
tu_link_messages(const char *dir)
{
	const char	*src = getenv("QUITX_MESSAGES");
	char		*real, *link;

	if ((real = realpath(src != NULL ? src : "conf/messages", NULL)) ==
	    NULL)
		fail_msg("no message files (set QUITX_MESSAGES)");
	link = xasprintf("%s/messages", dir);
	unlink(link);
	if (symlink(real, link) == -1)
		fail_msg("symlink %s", link);
	free(link);
	free(real);
}

int
tu_free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		fail_msg("no free port");
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/*
 * Local peers and HTTPS.  Kept together at the end of the file; the
 * headers they need come here too.
 */
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <time.h>

/* Run argv (NULL-terminated) with stdout and stderr on /dev/null. */
static int
run_quiet(const char *const argv[])
{
	pid_t	pid;
	int	status, fd;

	if ((pid = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1)
		fail_msg("waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int
tu_make_cert(const char *dir, char **cert, char **key)
{
	const char	*argv[] = {
		"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
		"ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
		"-subj", "/CN=127.0.0.1", "-addext",
		"subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", NULL,
		"-out", NULL, NULL,
	};

	*cert = xasprintf("%s/cert.pem", dir);
	*key = xasprintf("%s/key.pem", dir);
	if (access(*cert, R_OK) == 0 && access(*key, R_OK) == 0)
		return 0;
	argv[15] = *key;
	argv[17] = *cert;
	if (run_quiet(argv) != 0)
		fail_msg("openssl req could not make %s (is openssl installed?)",
		    *cert);
	return 0;
}

struct tu_peer *
tu_peer_start(const char *dir, const char *name, ...)
{
	struct tu_peer	*p;
	const char	*peers = getenv("QUITX_PEERS");
	const char	*argv[40];
	char		*cert, *key, *path, line[512], *port;
	struct pollfd	 pfd;
	struct timespec	 t0, t;
	size_t		 len = 0;
	ssize_t		 n;
	va_list		 ap;
	int		 argc = 0, fds[2], ms;

	if (peers == NULL || *peers == '\0')
		fail_msg("QUITX_PEERS is not set: it must name the folder of "
		    "the built peers (make sets it; build/tests/peers)");
	tu_make_cert(dir, &cert, &key);
	path = xasprintf("%s/%s", peers, name);
	if (access(path, X_OK) != 0)
		fail_msg("no peer at %s: build it first", path);
	argv[argc++] = path;
	argv[argc++] = "--port";
	argv[argc++] = "0";
	argv[argc++] = "--cert";
	argv[argc++] = cert;
	argv[argc++] = "--key";
	argv[argc++] = key;
	va_start(ap, name);
	while (argc < 39 && (argv[argc] = va_arg(ap, const char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;

	p = xcalloc(1, sizeof(*p));
	p->ca = cert;
	if (pipe(fds) == -1 || (p->pid = fork()) == -1)
		fail_msg("pipe/fork: %s", strerror(errno));
	if (p->pid == 0) {
		/* never outlive a test that failed before stopping us */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		close(fds[0]);
		dup2(fds[1], 1);
		close(fds[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);

	/* its first line says where it listens */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	for (;;) {
		line[len] = '\0';
		if (memchr(line, '\n', len) != NULL)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = 10000 - (int)((t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (ms <= 0 || poll(&pfd, 1, ms) != 1)
			break;
		if ((n = read(fds[0], line + len, sizeof(line) - 1 - len)) <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(line) - 1)
			break;
	}
	line[len] = '\0';
	close(fds[0]);
	if ((port = strstr(line, " listening on 127.0.0.1:")) == NULL) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		fail_msg("%s did not say it was listening within 10 s "
		    "(stdout: \"%s\")", path, line);
	}
	p->port = (int)strtol(port + strlen(" listening on 127.0.0.1:"), NULL,
	    10);
	p->base = xasprintf("https://127.0.0.1:%d", p->port);
	free(key);
	free(path);
	return p;
}

void
tu_peer_stop(struct tu_peer *p)
{
	int	status = 0, i;

	if (p == NULL)
		return;
	kill(p->pid, SIGTERM);
	for (i = 0; i < 500; i++) {
		if (waitpid(p->pid, &status, WNOHANG) == p->pid)
			break;
		usleep(10000);
	}
	if (i == 500) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &status, 0);
		fail_msg("peer %d did not exit within 5 s of SIGTERM",
		    (int)p->pid);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("peer %d ended badly: %s %d", (int)p->pid,
		    WIFEXITED(status) ? "exit status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	free(p->base);
	free(p->ca);
	free(p);
}

static size_t
tu_collect(char *data, size_t size, size_t n, void *user)
{
	char	**text = user;
	size_t	  len = *text != NULL ? strlen(*text) : 0;

	*text = xreallocarray(*text, len + size * n + 1, 1);
	memcpy(*text + len, data, size * n);
	(*text)[len + size * n] = '\0';
	return size * n;
}

long
tu_https_req(const char *ca, const char *method, const char *url,
    const char *const *headers, const char *body, char **response_body,
    char **response_headers)
{
	CURL			*c;
	struct curl_slist	*hl = NULL;
	char			*rbody = NULL, *rhead = NULL;
	char			 errbuf[CURL_ERROR_SIZE] = "";
	long			 status = 0;
	int			 typed = 0;
	CURLcode		 rc;

	if ((c = curl_easy_init()) == NULL)
		fail_msg("curl_easy_init");
	for (; headers != NULL && *headers != NULL; headers++) {
		hl = curl_slist_append(hl, *headers);
		if (strncasecmp(*headers, "content-type:", 13) == 0)
			typed = 1;
	}
	if (body != NULL && !typed)
		hl = curl_slist_append(hl, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tu_collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &rbody);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, tu_collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &rhead);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (strcmp(method, "GET") == 0 && body == NULL)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "POST") != 0 || body == NULL)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	if (rc != CURLE_OK)
		fail_msg("%s %s: %s", method, url, errbuf[0] != '\0' ? errbuf :
		    curl_easy_strerror(rc));
	if (response_body != NULL)
		*response_body = rbody != NULL ? rbody : xstrdup("");
	else
		free(rbody);
	if (response_headers != NULL)
		*response_headers = rhead != NULL ? rhead : xstrdup("");
	else
		free(rhead);
	return status;
}

long
tu_https(const char *ca, const char *method, const char *url,
    const char *json_body, char **response_body)
{
	return tu_https_req(ca, method, url, NULL, json_body, response_body,
	    NULL);
}

char *
tu_header(const char *headers, const char *name)
{
	const char	*line, *v, *eol;
	char		*found = NULL;
	size_t		 nlen = strlen(name);

	for (line = headers; line != NULL && *line != '\0'; line = eol) {
		if ((eol = strchr(line, '\n')) != NULL)
			eol++;
		if (strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
			continue;
		for (v = line + nlen + 1; *v == ' ' || *v == '\t'; v++)
			;
		free(found);
		found = xasprintf("%.*s", (int)((eol != NULL ? eol :
		    v + strlen(v)) - v), v);
		while (*found != '\0' && strchr(" \t\r\n",
		    found[strlen(found) - 1]) != NULL)
			found[strlen(found) - 1] = '\0';
	}
	return found;
}
