/*
 * log: one line per event on stderr.  Under systemd (stderr connected to
 * the journal) each line starts with the "<N>" priority prefix that
 * journald understands and carries no timestamp of its own; on a terminal
 * or in a file it carries a UTC timestamp and a level name instead.
 */
#define LOG_TAG "log"
#include "quitx/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libwebsockets.h>

static enum log_level	 log_level = LOG_LVL_INFO;
static int		 log_to_journal;

/* True when stderr is the journal stream systemd handed us. */
static int
stderr_is_journal(void)
{
	const char	*env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat	 st;

	if (env == NULL || sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(enum log_level level)
{
	log_level = level;
	log_to_journal = stderr_is_journal();
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

int
log_level_parse(const char *name, enum log_level *out)
{
	static const struct {
		const char	*name;
		enum log_level	 level;
	} names[] = {
		{ "error", LOG_LVL_ERR }, { "warning", LOG_LVL_WARN },
		{ "info", LOG_LVL_INFO }, { "debug", LOG_LVL_DEBUG },
	};
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].level;
			return 0;
		}
	}
	return -1;
}

static const char *
level_name(enum log_level level)
{
	switch (level) {
	case LOG_LVL_ERR:	return "error";
	case LOG_LVL_WARN:	return "warning";
	case LOG_LVL_INFO:	return "info";
	case LOG_LVL_DEBUG:	return "debug";
	}
	return "?";
}

static void
log_vemit(enum log_level level, const char *tag, int saved_errno,
    int with_errno, const char *fmt, va_list ap)
{
	char		 msg[2048], stamp[32];
	struct timespec	 ts;
	struct tm	 tm;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_to_journal) {
		if (with_errno)
			fprintf(stderr, "<%d>%s: %s: %s\n", (int)level, tag, msg,
			    strerror(saved_errno));
		else
			fprintf(stderr, "<%d>%s: %s\n", (int)level, tag, msg);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	if (with_errno)
		fprintf(stderr, "%s.%03ldZ %s %s: %s: %s\n", stamp,
		    ts.tv_nsec / 1000000, level_name(level), tag, msg,
		    strerror(saved_errno));
	else
		fprintf(stderr, "%s.%03ldZ %s %s: %s\n", stamp,
		    ts.tv_nsec / 1000000, level_name(level), tag, msg);
}

void
log_emit(enum log_level level, const char *tag, int with_errno,
    const char *fmt, ...)
{
	int	saved_errno = errno;
	va_list	ap;

	if (level > log_level) {
		errno = saved_errno;
		return;
	}
	va_start(ap, fmt);
	log_vemit(level, tag, saved_errno, with_errno, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_fatal(const char *tag, int with_errno, const char *fmt, ...)
{
	int	saved_errno = errno;
	va_list	ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_ERR, tag, saved_errno, with_errno, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t
utf8_seq_len(const unsigned char *s)
{
	size_t	n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

const char *
log_escape(char *buf, size_t size, const char *text)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 o = 0, n;

	if (size == 0)
		return buf;
	if (text == NULL) {
		snprintf(buf, size, "(null)");
		return buf;
	}
	while (*s != '\0') {
		n = utf8_seq_len(s);
		if (n == 1 && (*s < 0x20 || *s == 0x7f || *s == '\\'))
			n = 0;
		if (n == 0) {
			if (o + 4 >= size)
				break;
			snprintf(buf + o, size - o, "\\x%02x", *s);
			o += 4;
			s++;
			continue;
		}
		if (o + n >= size)
			break;
		memcpy(buf + o, s, n);
		o += n;
		s += n;
	}
	if (*s != '\0' && size >= 4) {
		/* cut: mark it so a reader knows the line is not whole */
		if (o > size - 4)
			o = size - 4;
		while (o > 0 && ((unsigned char)buf[o] & 0xc0) == 0x80)
			o--;
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

void
log_redact_links(char *s)
{
	static const char	 tok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	static const char	*const prefixes[] = { "/u/", "/f/" };
	char			*p;
	size_t			 n, i;

	/* upload links, then follows-import links */
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		p = s;
		while ((p = strstr(p, prefixes[i])) != NULL) {
			p += 3;
			n = strspn(p, tok);
			/* upload.js and upload.css are no secret; a token
			   is long */
			if (n < 16)
				continue;
			memcpy(p, "<link>", 6);
			memmove(p + 6, p + n, strlen(p + n) + 1);
			p += 6;
		}
	}
}

/* libwebsockets hands us whole lines ending in '\n'; strip and re-level. */
static void
lws_log_line(int lws_level, const char *line)
{
	enum log_level	level;
	char		buf[1024];
	size_t		len;

	switch (lws_level) {
	case LLL_ERR:
		level = LOG_LVL_ERR;
		break;
	case LLL_WARN:
		level = LOG_LVL_WARN;
		break;
	case LLL_NOTICE:
		level = LOG_LVL_INFO;
		break;
	default:
		level = LOG_LVL_DEBUG;
		break;
	}
	if (level > log_level)
		return;
	len = strlen(line);
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	/* lws logs request paths at debug level: upload links are secrets */
	log_redact_links(buf);
	log_emit(level, "lws", 0, "%s", buf);
}

void
log_route_lws(void)
{
	int	levels = LLL_ERR | LLL_WARN;

	if (log_level >= LOG_LVL_DEBUG)
		levels |= LLL_NOTICE | LLL_INFO;
	lws_set_log_level(levels, lws_log_line);
}
