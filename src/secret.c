/*
 * secret: where an account's token or app password lives, and reading it
 * without ever letting it reach a log line or an error message.
 */
#define LOG_TAG "secret"
#include "quitx/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quitx/xmalloc.h"

/* A token or app password is short; anything longer is not one. */
#define SECRET_MAX	4096

/*
 * The file a secret is read from (credentials resolve through
 * $CREDENTIALS_DIRECTORY); NULL with a reason when it cannot resolve.
 */
static char *
secret_path(const struct config_account *acct, char *why, size_t whysize)
{
	const char	*dir;

	if (acct->secret_source == SECRET_FILE)
		return xstrdup(acct->secret_ref);
	dir = getenv("CREDENTIALS_DIRECTORY");
	if (dir == NULL || dir[0] == '\0') {
		snprintf(why, whysize, "credential '%s': CREDENTIALS_DIRECTORY "
		    "is not set (use LoadCredential= in the systemd unit, or "
		    "a token_file/password_file)", acct->secret_ref);
		return NULL;
	}
	return xasprintf("%s/%s", dir, acct->secret_ref);
}

/*
 * Open the secret and check it is a regular, non-empty file that nobody
 * but its owner can read (systemd credentials are always private).
 */
static int
secret_open(const struct config_account *acct, char *why, size_t whysize)
{
	struct stat	 st;
	char		*path;
	int		 fd;

	if ((path = secret_path(acct, why, whysize)) == NULL)
		return -1;
	/* O_NONBLOCK: a FIFO must not hang us before the S_ISREG check */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		snprintf(why, whysize, "%s '%s': %s", acct->secret_key, path,
		    strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(why, whysize, "%s '%s': %s", acct->secret_key, path,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whysize, "%s '%s' is not a regular file",
		    acct->secret_key, path);
		goto fail;
	}
	if (st.st_size == 0) {
		snprintf(why, whysize, "%s '%s' is empty", acct->secret_key,
		    path);
		goto fail;
	}
	if (st.st_size > SECRET_MAX) {
		snprintf(why, whysize, "%s '%s' is too large to be a secret "
		    "(%lld bytes)", acct->secret_key, path,
		    (long long)st.st_size);
		goto fail;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(why, whysize, "%s '%s' is readable by others "
		    "(mode %03o): run chmod 600 on it", acct->secret_key, path,
		    (unsigned)(st.st_mode & 0777));
		goto fail;
	}
	if (fcntl(fd, F_SETFL, 0) == -1) {
		snprintf(why, whysize, "%s '%s': %s", acct->secret_key, path,
		    strerror(errno));
		goto fail;
	}
	free(path);
	return fd;
fail:
	if (fd != -1)
		close(fd);
	free(path);
	return -1;
}

int
secret_check(const struct config_account *acct, char *why, size_t whysize)
{
	int	fd;

	if ((fd = secret_open(acct, why, whysize)) == -1)
		return -1;
	close(fd);
	return 0;
}

long
secret_read(const struct config_account *acct, char *buf, size_t size,
    char *why, size_t whysize)
{
	size_t	len = 0;
	ssize_t	n;
	char	extra;
	int	fd;

	if ((fd = secret_open(acct, why, whysize)) == -1)
		return -1;
	while (len + 1 < size) {
		n = read(fd, buf + len, size - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(why, whysize, "%s: read: %s", acct->secret_key,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len + 1 >= size && read(fd, &extra, 1) == 0)
		;	/* exactly fills buf: fine */
	else if (len + 1 >= size) {
		snprintf(why, whysize, "%s: secret longer than %zu bytes",
		    acct->secret_key, size - 1);
		goto fail;
	}
	close(fd);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
	    buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	if (len == 0) {
		snprintf(why, whysize, "%s holds only white space",
		    acct->secret_key);
		return -1;
	}
	if (memchr(buf, '\n', len) != NULL || memchr(buf, '\0', len) != NULL) {
		explicit_bzero(buf, size);
		snprintf(why, whysize, "%s must hold the secret on one line",
		    acct->secret_key);
		return -1;
	}
	return (long)len;
fail:
	explicit_bzero(buf, size);
	close(fd);
	return -1;
}
