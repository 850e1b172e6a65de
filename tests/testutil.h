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

/* The quitx binary under test. */
const char *tu_quitx_bin(void);

/* A TCP port on 127.0.0.1 that nothing listens on right now. */
int	 tu_free_port(void);

#endif
