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
#include <sys/wait.h>
#include <unistd.h>

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
tu_quitx(char **out, char **err, ...)
{
	char	*argv[32], *dir, *opath, *epath;
	va_list	 ap;
	pid_t	 pid;
	int	 argc = 0, status, fd;

	argv[argc++] = (char *)tu_quitx_bin();
	va_start(ap, err);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	dir = tu_tmpdir();
	opath = xasprintf("%s/out", dir);
	epath = xasprintf("%s/err", dir);
	if ((pid = fork()) == 0) {
		fd = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		fd = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		execv(argv[0], argv);
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
