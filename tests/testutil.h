/*
 * testutil: helpers the cmocka tests share (temporary folders, files,
 * running the quitx binary).  Include after <cmocka.h>'s prerequisites.
 */
#ifndef QUITX_TESTUTIL_H
#define QUITX_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* A fresh private folder under $TMPDIR; removed by tu_rmtree. */
char	*tu_tmpdir(void);
void	 tu_rmtree(const char *dir);

/* Write text to dir/name with the given mode; returns the full path. */
char	*tu_write(const char *dir, const char *name, int mode,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The whole content of a file (NULL if unreadable). */
char	*tu_slurp(const char *path);

/*
 * Run the quitx binary ($QUITX_BIN) with args (NULL-terminated), capture
 * stdout and stderr, return its exit status (-1 if it did not exit).
 */
int	 tu_quitx(char **out, char **err, ...);

/*
 * Run argv[0] (searched in PATH) with argv, capture stdout and stderr
 * (NULL: not wanted), return its exit status (-1 if it did not exit).
 */
int	 tu_run(char **out, char **err, const char *const argv[]);
/*
 * One integer from the SQLite database at path, opened read-only (a
 * daemon may have it open: WAL allows it); -1 if there is no row or it
 * cannot be read yet.
 */
long long tu_db_int(const char *path, const char *sql);
/*
 * A synthetic population with X archives (zipped too) from the project's
 * generator, $QUITX_TOOLS/gen-archive, in dir/pop; returns dir/pop.
 */
char	*tu_gen_archive(const char *dir, int users, int archives, int seed);
/* The quitx binary under test. */
const char *tu_quitx_bin(void);

/*
 * Make dir/messages point at the project's message files
 * ($QUITX_MESSAGES, else ./conf/messages), where a config in dir looks
 * for them by default.
 */
void	 tu_link_messages(const char *dir);

/* A TCP port on 127.0.0.1 that nothing listens on right now. */
int	 tu_free_port(void);


/*
 * Local peers (tests/peers/): programs that behave like the real servers
 * quitx talks to, over HTTPS on loopback.
 */
#include <sys/types.h>

/*
 * A self-signed certificate for 127.0.0.1 and localhost (EC P-256, two
 * days), made by the openssl tool as dir/cert.pem and dir/key.pem unless
 * both are there already.  The certificate is also the CA file clients
 * trust.  Sets *cert and *key (free them); returns 0 or fails the test.
 */
int	 tu_make_cert(const char *dir, char **cert, char **key);

struct tu_peer {
	pid_t	 pid;
	int	 port;
	char	*base;		/* https://127.0.0.1:PORT */
	char	*ca;		/* the certificate to trust */
};

/*
 * Start $QUITX_PEERS/name with --port 0 --cert --key (a certificate made
 * in dir) and the extra arguments (NULL-terminated), and wait up to 10 s
 * for its "listening on 127.0.0.1:PORT" line.  Fails the test otherwise.
 */
struct tu_peer *tu_peer_start(const char *dir, const char *name, ...);

/*
 * SIGTERM, then wait up to 5 s: the peer must exit 0 (a crash, a
 * sanitizer report or a hang fails the test).  Frees p; NULL is a no-op.
 */
void	 tu_peer_stop(struct tu_peer *p);

/*
 * One HTTPS request with libcurl, verifying the server against ca.
 * headers: NULL or a NULL-terminated list of "Name: value" lines.  body:
 * NULL or sent as is, as JSON unless headers name a Content-Type.
 * Returns the HTTP status and sets *response_body and *response_headers
 * (the raw header block) when they are not NULL; a transport error (no
 * answer at all) fails the test.
 */
long	 tu_https_req(const char *ca, const char *method, const char *url,
	    const char *const *headers, const char *body,
	    char **response_body, char **response_headers);

/* tu_https_req without extra headers or the response headers. */
long	 tu_https(const char *ca, const char *method, const char *url,
	    const char *json_body, char **response_body);

/*
 * The value of the last header called name (any case) in a raw header
 * block, without surrounding blanks; NULL if absent.  Free it.
 */
char	*tu_header(const char *headers, const char *name);

#endif
