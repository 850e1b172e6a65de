/*
 * log: levelled, tagged log lines on stderr (journald picks them up).
 *
 * Each source file defines LOG_TAG (its subsystem, e.g. "store") before
 * including this header; the macros below pass it along.  log_warn and
 * fatal append strerror(errno); the x variants do not.  errno is preserved
 * across every call so that logging never changes an error path.
 */
#ifndef QUITX_LOG_H
#define QUITX_LOG_H

#include <stddef.h>

#ifndef LOG_TAG
#define LOG_TAG "quitx"
#endif

/* syslog priorities, so journald's <N> prefix can carry them */
enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

void	log_init(enum log_level level);
void	log_set_level(enum log_level level);
int	log_level_parse(const char *name, enum log_level *out);

void	log_emit(enum log_level level, const char *tag, int with_errno,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
__attribute__((noreturn)) void log_fatal(const char *tag, int with_errno,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Copy untrusted text into buf so that it is safe to log: control bytes,
 * invalid UTF-8 and backslashes become \xNN escapes, and the result is cut
 * (with "...") to fit.  Returns buf.
 */
const char *log_escape(char *buf, size_t size, const char *text);

/*
 * Replace the token of every upload or follows-import link path
 * ("/u/<token>", "/f/<token>", 16 token characters or more) in s with
 * "<link>", in place (s only shrinks).
 */
void	log_redact_links(char *s);

/* Send libwebsockets' own log lines through ours. */
void	log_route_lws(void);

#define log_warn(...)	log_emit(LOG_LVL_WARN, LOG_TAG, 1, __VA_ARGS__)
#define log_warnx(...)	log_emit(LOG_LVL_WARN, LOG_TAG, 0, __VA_ARGS__)
#define log_errx(...)	log_emit(LOG_LVL_ERR, LOG_TAG, 0, __VA_ARGS__)
#define log_info(...)	log_emit(LOG_LVL_INFO, LOG_TAG, 0, __VA_ARGS__)
#define log_debug(...)	log_emit(LOG_LVL_DEBUG, LOG_TAG, 0, __VA_ARGS__)
#define fatal(...)	log_fatal(LOG_TAG, 1, __VA_ARGS__)
#define fatalx(...)	log_fatal(LOG_TAG, 0, __VA_ARGS__)

#endif
