/*
 * xmalloc: allocation that cannot fail.  Out of memory is fatal: the
 * daemon runs under a supervisor that restarts it, and every caller is
 * simpler for not handling a case it could not recover from anyway.
 */
#ifndef QUITX_XMALLOC_H
#define QUITX_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t size);
void	*xcalloc(size_t nmemb, size_t size);
void	*xreallocarray(void *ptr, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
