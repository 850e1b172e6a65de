/*
 * config: libconfig file -> validated struct config.
 *
 * The accepted keys live in two tables (top level and per account) with
 * their type and a parse function that checks and stores the value.  The
 * walk visits every setting the file holds, so an unknown or misspelt key
 * is reported with its line instead of being silently ignored.
 */
#define LOG_TAG "config"
#include "quitx/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libconfig.h>

#include "quitx/campaign-text.h"
#include "quitx/clock.h"
#include "quitx/countdown.h"
#include "quitx/richtext.h"
#include "quitx/schedule.h"
#include "quitx/secret.h"
#include "quitx/templates.h"
#include "quitx/xmalloc.h"

#ifndef QUITX_SYSCONFDIR
#define QUITX_SYSCONFDIR "/etc"
#endif

#define DEFAULT_STORE	"/var/lib/quitx/quitx.db"
#define DEFAULT_LISTEN	"127.0.0.1:8088"
#define DEFAULT_TZ	"Europe/Paris"
/* what a countdown template is checked against: Mastodon's default */

struct loader {
	const char		*name;		/* file name used in messages */
	char			*basedir;	/* relative paths resolve here */
	struct config_errors	*errs;
	struct config		*conf;
};

typedef void (*key_parse_fn)(struct loader *, const config_setting_t *,
    void *);

struct key_spec {
	const char	*name;
	int		 type;		/* CONFIG_TYPE_* */
	int		 required;
	key_parse_fn	 parse;
};

static void
errs_add(struct config_errors *errs, char *msg)
{
	errs->msgs = xreallocarray(errs->msgs, errs->count + 1,
	    sizeof(*errs->msgs));
	errs->msgs[errs->count++] = msg;
}

/* Record one problem at the line of setting s (or of the file if NULL). */
static void __attribute__((format(printf, 3, 4)))
lerr(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
{
	const char	*file = NULL;
	int		 line = 0;
	char		*msg;
	va_list		 ap;

	if (s != NULL) {
		file = config_setting_source_file(s);
		line = config_setting_source_line(s);
	}
	if (file == NULL)
		file = ld->name;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	errs_add(ld->errs, xasprintf("%s:%d: %s", file, line, msg));
	free(msg);
}

static const char *
type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:		return "a group { ... }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:		return "an integer";
	case CONFIG_TYPE_FLOAT:		return "a number";
	case CONFIG_TYPE_STRING:	return "a string in double quotes";
	case CONFIG_TYPE_BOOL:		return "true or false";
	case CONFIG_TYPE_ARRAY:		return "an array [ ... ]";
	case CONFIG_TYPE_LIST:		return "a list ( ... )";
	}
	return "a value";
}

/* Name of setting s for messages: "accounts.[1].handle" style. */
static void
setting_label(const config_setting_t *s, char *buf, size_t size)
{
	const config_setting_t	*parent = config_setting_parent(s);
	const char		*name = config_setting_name(s);
	size_t			 n;

	buf[0] = '\0';
	if (parent != NULL && !config_setting_is_root(parent)) {
		setting_label(parent, buf, size);
		n = strlen(buf);
		if (name != NULL)
			snprintf(buf + n, size - n, ".%s", name);
		else
			snprintf(buf + n, size - n, "[%d]",
			    config_setting_index(s));
		return;
	}
	snprintf(buf, size, "%s", name != NULL ? name : "?");
}

/*
 * Check each child of group against table: unknown keys, wrong types and
 * missing required keys are errors; known keys are handed to their
 * parse function with dst.
 */
static void
walk_group(struct loader *ld, const config_setting_t *group,
    const struct key_spec *table, size_t n, void *dst)
{
	const config_setting_t	*child;
	char			 label[256];
	size_t			 k;
	int			 i, type, want;

	for (i = 0; (child = config_setting_get_elem(group, i)) != NULL; i++) {
		for (k = 0; k < n; k++)
			if (strcmp(config_setting_name(child),
			    table[k].name) == 0)
				break;
		setting_label(child, label, sizeof(label));
		if (k == n) {
			lerr(ld, child, "unknown key '%s'", label);
			continue;
		}
		type = config_setting_type(child);
		want = table[k].type;
		if (type == CONFIG_TYPE_INT64)
			type = CONFIG_TYPE_INT;
		/* an empty [] and () read the same to a person */
		if (want == CONFIG_TYPE_ARRAY && type == CONFIG_TYPE_LIST &&
		    config_setting_length(child) == 0)
			type = CONFIG_TYPE_ARRAY;
		if (type != want) {
			lerr(ld, child, "'%s' must be %s", label,
			    type_name(want));
			continue;
		}
		table[k].parse(ld, child, dst);
	}
	for (k = 0; k < n; k++) {
		if (table[k].required &&
		    config_setting_get_member(group, table[k].name) == NULL) {
			if (config_setting_is_root(group))
				lerr(ld, NULL, "missing required key '%s'",
				    table[k].name);
			else {
				setting_label(group, label, sizeof(label));
				lerr(ld, group, "%s: missing required key '%s'",
				    label, table[k].name);
			}
		}
	}
}

/* Resolve a relative path against the config file's directory. */
static char *
resolve_path(struct loader *ld, const char *path)
{
	if (path[0] == '/' || ld->basedir == NULL)
		return xstrdup(path);
	return xasprintf("%s/%s", ld->basedir, path);
}

static void
parse_store(struct loader *ld, const config_setting_t *s, void *dst)
{
	const char	*v = config_setting_get_string(s);

	(void)dst;
	if (v[0] == '\0') {
		lerr(ld, s, "'store' must not be empty");
		return;
	}
	free(ld->conf->store_path);
	ld->conf->store_path = resolve_path(ld, v);
}

/* "ADDR:PORT" or "[ADDR6]:PORT" with a numeric address. */
static int
parse_hostport(const char *v, char **host, int *port)
{
	const char	*colon, *h;
	size_t		 hlen;
	unsigned char	 addr[16];
	char		*end, buf[INET6_ADDRSTRLEN + 1];
	long		 p;
	int		 family = AF_INET;

	if (v[0] == '[') {
		if ((colon = strstr(v, "]:")) == NULL)
			return -1;
		h = v + 1;
		hlen = (size_t)(colon - h);
		colon++;
		family = AF_INET6;
	} else {
		if ((colon = strrchr(v, ':')) == NULL)
			return -1;
		h = v;
		hlen = (size_t)(colon - v);
	}
	if (hlen == 0 || hlen >= sizeof(buf))
		return -1;
	memcpy(buf, h, hlen);
	buf[hlen] = '\0';
	if (inet_pton(family, buf, addr) != 1)
		return -1;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (!isdigit((unsigned char)colon[1]) || *end != '\0' || errno != 0 ||
	    p < 1 ||
	    p > 65535)
		return -1;
	*host = xstrdup(buf);
	*port = (int)p;
	return 0;
}

static void
parse_listen(struct loader *ld, const config_setting_t *s, void *dst)
{
	char	*host;
	int	 port;

	(void)dst;
	if (parse_hostport(config_setting_get_string(s), &host, &port) == -1) {
		lerr(ld, s, "'listen' must be a numeric address and a port, "
		    "like \"127.0.0.1:8088\" or \"[::1]:8088\"");
		return;
	}
	free(ld->conf->listen_host);
	ld->conf->listen_host = host;
	ld->conf->listen_port = port;
}

static void
parse_log_level(struct loader *ld, const config_setting_t *s, void *dst)
{
	(void)dst;
	if (log_level_parse(config_setting_get_string(s),
	    &ld->conf->log_level) == -1)
		lerr(ld, s, "'log_level' must be one of error, warning, info, "
		    "debug");
}

/* Parse exactly `digits` decimal digits; -1 on anything else. */
static int
parse_digits(const char *s, int digits)
{
	int	i, v = 0;

	for (i = 0; i < digits; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* A YYYY-MM-DD date from 2000 on: 0, or -1 after saying what key wants. */
static int
parse_date(struct loader *ld, const config_setting_t *s, const char *key,
    const char *example, int *y, int *m, int *d)
{
	const char	*v = config_setting_get_string(s);

	if (strlen(v) != 10 || v[4] != '-' || v[7] != '-' ||
	    (*y = parse_digits(v, 4)) < 2000 ||
	    (*m = parse_digits(v + 5, 2)) < 1 || *m > 12 ||
	    (*d = parse_digits(v + 8, 2)) < 1 ||
	    *d > clock_days_in_month(*y, *m)) {
		lerr(ld, s, "'%s' must be a date YYYY-MM-DD, like \"%s\"", key,
		    example);
		return -1;
	}
	return 0;
}

static void
parse_day(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_campaign	*c = dst;

	(void)parse_date(ld, s, "campaign.day", "2027-01-20", &c->year,
	    &c->month, &c->day);
}

static void
parse_time(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_campaign	*c = dst;
	const char		*v = config_setting_get_string(s);
	int			 h, m;

	if (strlen(v) != 5 || v[2] != ':' || (h = parse_digits(v, 2)) < 0 ||
	    h > 23 || (m = parse_digits(v + 3, 2)) < 0 || m > 59) {
		lerr(ld, s, "'campaign.time' must be a 24-hour time HH:MM, "
		    "like \"12:00\"");
		return;
	}
	c->hour = h;
	c->minute = m;
}

/*
 * A zone name is valid when the system's zoneinfo database has a TZif
 * file for it: that is what the C library will load for it later.
 */
static int
timezone_exists(const char *name)
{
	const char	*dir = getenv("TZDIR");
	char		 path[PATH_MAX], magic[4];
	FILE		*f;
	size_t		 n, i;
	int		 ok;

	n = strlen(name);
	if (n == 0 || n > 64 || name[0] == '/' || strstr(name, "..") != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) &&
		    strchr("/_+-", name[i]) == NULL)
			return 0;
	if (dir == NULL || dir[0] == '\0')
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return 0;
	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	ok = fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
	    memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return ok;
}

static void
parse_timezone(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_campaign	*c = dst;
	const char		*v = config_setting_get_string(s);

	if (!timezone_exists(v)) {
		lerr(ld, s, "'campaign.timezone': unknown time zone \"%s\" "
		    "(use an IANA name like \"Europe/Paris\")", v);
		return;
	}
	free(c->timezone);
	c->timezone = xstrdup(v);
}

static int
lang_parse(const char *v, enum lang *out)
{
	if (strcmp(v, "en") == 0)
		*out = LANG_EN;
	else if (strcmp(v, "fr") == 0)
		*out = LANG_FR;
	else
		return -1;
	return 0;
}

static void
parse_languages(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_campaign	*c = dst;
	const config_setting_t	*e;
	enum lang		 lang = LANG_EN;
	unsigned		 mask = 0;
	int			 i;

	for (i = 0; (e = config_setting_get_elem(s, i)) != NULL; i++) {
		if (config_setting_type(e) != CONFIG_TYPE_STRING ||
		    lang_parse(config_setting_get_string(e), &lang) == -1) {
			lerr(ld, e, "'campaign.languages' may only hold \"en\" "
			    "and \"fr\"");
			return;
		}
		mask |= 1u << lang;
	}
	if (mask == 0) {
		lerr(ld, s, "'campaign.languages' must name at least one "
		    "language");
		return;
	}
	c->languages = mask;
}

static void
parse_intro_visibility(struct loader *ld, const config_setting_t *s,
    void *dst)
{
	struct config_campaign	*c = dst;
	const char		*v = config_setting_get_string(s);

	if (strcmp(v, "unlisted") == 0)
		c->intro_public = 0;
	else if (strcmp(v, "public") == 0)
		c->intro_public = 1;
	else
		lerr(ld, s, "'campaign.intro_visibility' must be \"unlisted\" "
		    "or \"public\"");
}

/* An integer within [lo, hi], or -1 after saying so. */
static long long
int_in(struct loader *ld, const config_setting_t *s, long long lo,
    long long hi)
{
	char		label[256];
	long long	v = config_setting_get_int64(s);

	if (v < lo || v > hi) {
		setting_label(s, label, sizeof(label));
		lerr(ld, s, "'%s' must be between %lld and %lld", label, lo,
		    hi);
		return -1;
	}
	return v;
}

static void
parse_message_max(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_campaign	*c = dst;
	long long		 v;

	if ((v = int_in(ld, s, 1, 1000)) != -1)
		c->message_max = (int)v;
}

static void
parse_match_interval(struct loader *ld, const config_setting_t *s,
    void *dst)
{
	struct config_campaign	*c = dst;
	long long		 v;

	if ((v = int_in(ld, s, 1, 86400)) != -1)
		c->match_interval = (int)v;
}

static void
parse_intro_interval(struct loader *ld, const config_setting_t *s,
    void *dst)
{
	struct config_campaign	*c = dst;
	long long		 v;

	if ((v = int_in(ld, s, 1, 604800)) != -1)
		c->intro_interval = (int)v;
}

static void
parse_match_max(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_campaign	*c = dst;
	long long		 v;

	if ((v = int_in(ld, s, 1, 100000)) != -1)
		c->match_max = (int)v;
}

static void
parse_match_memory(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_campaign	*c = dst;
	long long		 v;

	if ((v = int_in(ld, s, 16, 65536)) != -1)
		c->match_memory_mb = (int)v;
}

static const struct key_spec campaign_keys[] = {
	{ "day",	CONFIG_TYPE_STRING,	0, parse_day },
	{ "time",	CONFIG_TYPE_STRING,	0, parse_time },
	{ "timezone",	CONFIG_TYPE_STRING,	0, parse_timezone },
	{ "languages",	CONFIG_TYPE_ARRAY,	0, parse_languages },
	{ "intro_visibility", CONFIG_TYPE_STRING, 0, parse_intro_visibility },
	{ "intro_interval", CONFIG_TYPE_INT,	0, parse_intro_interval },
	{ "message_max", CONFIG_TYPE_INT,	0, parse_message_max },
	{ "match_interval", CONFIG_TYPE_INT,	0, parse_match_interval },
	{ "match_max_per_member", CONFIG_TYPE_INT, 0, parse_match_max },
	{ "match_memory_mb", CONFIG_TYPE_INT,	0, parse_match_memory },
};

static void
parse_campaign(struct loader *ld, const config_setting_t *s, void *dst)
{
	(void)dst;
	walk_group(ld, s, campaign_keys,
	    sizeof(campaign_keys) / sizeof(campaign_keys[0]),
	    &ld->conf->campaign);
}

/* An integer number of seconds within [lo, hi]. */
static int
seconds_in(struct loader *ld, const config_setting_t *s, int lo, int hi)
{
	char		label[256];
	long long	v = config_setting_get_int64(s);

	if (v < lo || v > hi) {
		setting_label(s, label, sizeof(label));
		lerr(ld, s, "'%s' must be between %d and %d seconds", label,
		    lo, hi);
		return -1;
	}
	return (int)v;
}

static void
parse_stream_timeout(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_streams	*c = dst;
	int			 v;

	if ((v = seconds_in(ld, s, 2, 3600)) != -1)
		c->timeout = v;
}

static void
parse_poll_interval(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_streams	*c = dst;
	int			 v;

	if ((v = seconds_in(ld, s, 1, 3600)) != -1)
		c->poll_interval = v;
}

static const struct key_spec streams_keys[] = {
	{ "timeout",		CONFIG_TYPE_INT, 0, parse_stream_timeout },
	{ "poll_interval",	CONFIG_TYPE_INT, 0, parse_poll_interval },
};

static void
parse_streams(struct loader *ld, const config_setting_t *s, void *dst)
{
	(void)dst;
	walk_group(ld, s, streams_keys,
	    sizeof(streams_keys) / sizeof(streams_keys[0]),
	    &ld->conf->streams);
}

/* --- countdown --- */

static void
parse_cd_first_day(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_countdown	*c = dst;

	(void)parse_date(ld, s, "countdown.first_day", "2027-01-10",
	    &c->first_year, &c->first_month, &c->first_day);
}

static void
parse_cd_days_before(struct loader *ld, const config_setting_t *s,
    void *dst)
{
	struct config_countdown	*c = dst;
	long long		 v;

	if ((v = int_in(ld, s, 1, 366)) != -1)
		c->days_before = (int)v;
}

static void
parse_cd_time(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_countdown	*c = dst;
	const char		*v = config_setting_get_string(s);
	int			 h, m;

	if (strlen(v) != 5 || v[2] != ':' || (h = parse_digits(v, 2)) < 0 ||
	    h > 23 || (m = parse_digits(v + 3, 2)) < 0 || m > 59) {
		lerr(ld, s, "'countdown.time' must be a 24-hour time HH:MM "
		    "in the campaign's time zone, like \"09:00\"");
		return;
	}
	c->hour = h;
	c->minute = m;
}

static void
parse_cd_networks(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_countdown	*c = dst;
	const config_setting_t	*e;
	const char		*v;
	unsigned		 mask = 0;
	int			 i;

	for (i = 0; (e = config_setting_get_elem(s, i)) != NULL; i++) {
		v = config_setting_type(e) == CONFIG_TYPE_STRING ?
		    config_setting_get_string(e) : "";
		if (strcmp(v, "mastodon") == 0)
			mask |= 1u << NETWORK_MASTODON;
		else if (strcmp(v, "bluesky") == 0)
			mask |= 1u << NETWORK_BLUESKY;
		else {
			lerr(ld, e, "'countdown.networks' may only hold "
			    "\"mastodon\" and \"bluesky\"");
			return;
		}
	}
	if (mask == 0) {
		lerr(ld, s, "'countdown.networks' must name at least one "
		    "network");
		return;
	}
	c->networks = mask;
}

static void
parse_cd_grace(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_countdown	*c = dst;
	long long		 v;

	if ((v = int_in(ld, s, 1, 1440)) != -1)
		c->grace = (int)v * 60;
}

/* A template: only {days} and {date} in braces. */
static char *
cd_template(struct loader *ld, const config_setting_t *s)
{
	const char	*v = config_setting_get_string(s), *bad = NULL;
	char		 label[256], *r;

	setting_label(s, label, sizeof(label));
	if (v[0] == '\0') {
		lerr(ld, s, "'%s' must not be empty", label);
		return NULL;
	}
	if ((r = countdown_render(v, 0, "", &bad)) == NULL) {
		lerr(ld, s, "'%s': unknown placeholder \"%.*s\" (use {days} "
		    "and {date})", label, (int)(strcspn(bad, "}") + 1), bad);
		return NULL;
	}
	free(r);
	return xstrdup(v);
}

static void
parse_cd_text(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_countdown_lang	*l = dst;

	free(l->text);
	l->text = cd_template(ld, s);
}

static void
parse_cd_day_before(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_countdown_lang	*l = dst;

	free(l->day_before);
	l->day_before = cd_template(ld, s);
}

static void
parse_cd_day(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_countdown_lang	*l = dst;

	free(l->day);
	l->day = cd_template(ld, s);
}

static void
parse_cd_image_file(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_countdown_image	*im = dst;
	const char			*v = config_setting_get_string(s);
	struct stat			 sb;

	if (v[0] == '\0') {
		lerr(ld, s, "an image's 'file' must not be empty");
		return;
	}
	free(im->file);
	im->file = resolve_path(ld, v);
	/* it is kept in the post's JSON, which holds UTF-8 only */
	if (!richtext_utf8_valid(im->file, strlen(im->file)))
		lerr(ld, s, "an image's 'file' must be a UTF-8 path");
	else if (stat(im->file, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    access(im->file, R_OK) == -1)
		lerr(ld, s, "image %s is not a readable file", im->file);
}

static void
parse_cd_image_alt(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_countdown_image	*im = dst;
	const char			*v = config_setting_get_string(s);

	/* alt text is how a blind reader sees the picture: required */
	if (v[0] == '\0' || strlen(v) > 1000 ||
	    !richtext_utf8_valid(v, strlen(v))) {
		lerr(ld, s, "an image's 'alt' text must hold 1 to 1000 bytes "
		    "of UTF-8");
		return;
	}
	free(im->alt);
	im->alt = xstrdup(v);
}

static const struct key_spec cd_image_keys[] = {
	{ "file",	CONFIG_TYPE_STRING,	1, parse_cd_image_file },
	{ "alt",	CONFIG_TYPE_STRING,	1, parse_cd_image_alt },
};

static void
parse_cd_images(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_countdown_lang	*l = dst;
	const config_setting_t		*e;
	int				 i;

	if (config_setting_length(s) > COUNTDOWN_IMAGES_MAX) {
		lerr(ld, s, "a countdown post has at most %d images",
		    COUNTDOWN_IMAGES_MAX);
		return;
	}
	for (i = 0; (e = config_setting_get_elem(s, i)) != NULL; i++) {
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			lerr(ld, e, "each image must be a group { file = ...; "
			    "alt = ...; }");
			continue;
		}
		walk_group(ld, e, cd_image_keys, sizeof(cd_image_keys) /
		    sizeof(cd_image_keys[0]), &l->images[l->nimages++]);
	}
}

static const struct key_spec cd_lang_keys[] = {
	{ "text",	CONFIG_TYPE_STRING,	1, parse_cd_text },
	{ "day_before",	CONFIG_TYPE_STRING,	0, parse_cd_day_before },
	{ "day",	CONFIG_TYPE_STRING,	0, parse_cd_day },
	{ "images",	CONFIG_TYPE_LIST,	0, parse_cd_images },
};

static void
parse_cd_lang(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_countdown	*c = dst;
	enum lang		 lang = LANG_EN;

	(void)lang_parse(config_setting_name(s), &lang);
	walk_group(ld, s, cd_lang_keys,
	    sizeof(cd_lang_keys) / sizeof(cd_lang_keys[0]), &c->lang[lang]);
}

static const struct key_spec countdown_keys[] = {
	{ "first_day",	CONFIG_TYPE_STRING,	0, parse_cd_first_day },
	{ "days_before", CONFIG_TYPE_INT,	0, parse_cd_days_before },
	{ "time",	CONFIG_TYPE_STRING,	0, parse_cd_time },
	{ "networks",	CONFIG_TYPE_ARRAY,	0, parse_cd_networks },
	{ "grace_minutes", CONFIG_TYPE_INT,	0, parse_cd_grace },
	{ "en",		CONFIG_TYPE_GROUP,	0, parse_cd_lang },
	{ "fr",		CONFIG_TYPE_GROUP,	0, parse_cd_lang },
};

static void
parse_countdown(struct loader *ld, const config_setting_t *s, void *dst)
{
	(void)dst;
	ld->conf->countdown.enabled = 1;
	walk_group(ld, s, countdown_keys,
	    sizeof(countdown_keys) / sizeof(countdown_keys[0]),
	    &ld->conf->countdown);
}

/*
 * One template rendered at its longest (the most days, the date) fits
 * every listed network's post: refused at load, not on the day.
 */
static void
check_cd_fits(struct loader *ld, const config_setting_t *s, const char *tmpl,
    enum lang lang, int days)
{
	const struct config_campaign	*k = &ld->conf->campaign;
	char				 date[64], label[256], *text;
	size_t				 n, g;

	if (s == NULL || tmpl == NULL)
		return;
	setting_label(s, label, sizeof(label));
	countdown_date(lang, k->month, k->day, date, sizeof(date));
	if ((text = countdown_render(tmpl, days, date, NULL)) == NULL)
		return;
	n = strlen(text);
	if (!richtext_utf8_valid(text, n))
		lerr(ld, s, "'%s' is not valid UTF-8", label);
	else if ((ld->conf->countdown.networks & (1u << NETWORK_BLUESKY)) &&
	    ((g = richtext_graphemes(text, n)) > RICHTEXT_POST_GRAPHEMES ||
	    n > RICHTEXT_POST_BYTES))
		lerr(ld, s, "'%s' gives a post of %zu graphemes and %zu bytes; "
		    "Bluesky allows %d and %d", label, g, n,
		    RICHTEXT_POST_GRAPHEMES, RICHTEXT_POST_BYTES);
	else if ((ld->conf->countdown.networks & (1u << NETWORK_MASTODON)) &&
	    (g = campaign_mastodon_length(text)) > SCHEDULE_MASTODON_CHARS)
		lerr(ld, s, "'%s' gives a status of %zu characters; Mastodon "
		    "allows %d", label, g, SCHEDULE_MASTODON_CHARS);
	free(text);
}

/* The countdown's rules across settings, once the campaign is known. */
static void
check_countdown(struct loader *ld, const config_setting_t *root)
{
	struct config_countdown		*c = &ld->conf->countdown;
	const struct config_campaign	*k = &ld->conf->campaign;
	const config_setting_t		*g, *lg;
	int64_t				 first, day;
	int				 lang, any = 0, days;
	char				 path[64];

	if (!c->enabled)
		return;
	g = config_setting_get_member(root, "countdown");
	if ((c->first_year != 0) == (c->days_before != 0)) {
		lerr(ld, g, "countdown: set one of 'first_day' and "
		    "'days_before'");
		return;
	}
	day = clock_days_from_civil(k->year, k->month, k->day);
	first = countdown_first_day(ld->conf);
	if (first > day || day - first > 366) {
		lerr(ld, config_setting_get_member(g, "first_day"),
		    "'countdown.first_day' must be on or before the campaign "
		    "day, %04d-%02d-%02d, and at most 366 days before it",
		    k->year, k->month, k->day);
		return;
	}
	days = (int)(day - first);
	for (lang = 0; lang < LANG_COUNT; lang++) {
		snprintf(path, sizeof(path), "%s", config_lang_name(lang));
		if ((lg = config_setting_get_member(g, path)) == NULL)
			continue;
		if (!(k->languages & (1u << lang))) {
			lerr(ld, lg, "countdown language \"%s\" is not in "
			    "'campaign.languages'", path);
			continue;
		}
		if (c->lang[lang].text == NULL)
			continue;
		any = 1;
		check_cd_fits(ld, config_setting_get_member(lg, "text"),
		    c->lang[lang].text, (enum lang)lang, days);
		check_cd_fits(ld, config_setting_get_member(lg, "day_before"),
		    c->lang[lang].day_before, (enum lang)lang, 1);
		check_cd_fits(ld, config_setting_get_member(lg, "day"),
		    c->lang[lang].day, (enum lang)lang, 0);
	}
	if (!any)
		lerr(ld, g, "countdown: no template; add en = { text = "
		    "\"{days} days to go\"; }; or fr = { ... }");
}

static int	url_normalize(const char *v, char **out);

static void
parse_plc(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_bluesky	*b = dst;
	char			*url;

	if (url_normalize(config_setting_get_string(s), &url) == -1) {
		lerr(ld, s, "'plc' must be an https:// URL with a host name "
		    "and no path, like \"https://plc.directory\"");
		return;
	}
	free(b->plc);
	b->plc = url;
}

/* wss://host[:port]/path: Jetstream's /subscribe endpoint. */
static int
wss_valid(const char *v)
{
	char	*https, *origin;
	size_t	 n;
	int	 ok;

	if (strncasecmp(v, "wss://", 6) != 0)
		return 0;
	n = strcspn(v + 6, "/?#");
	if (v[6 + n] != '/' || strpbrk(v + 6 + n, " ?#\"'<>\\") != NULL)
		return 0;
	origin = xasprintf("https://%.*s", (int)n, v + 6);
	ok = url_normalize(origin, &https) == 0;
	if (ok)
		free(https);
	free(origin);
	return ok;
}

static void
parse_jetstream(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_bluesky	*b = dst;
	const config_setting_t	*e;
	const char		*v;
	size_t			 i;
	int			 k;

	for (i = 0; i < b->njetstream; i++)
		free(b->jetstream[i]);
	b->njetstream = 0;
	for (k = 0; (e = config_setting_get_elem(s, (unsigned)k)) != NULL;
	    k++) {
		if ((v = config_setting_get_string(e)) == NULL ||
		    !wss_valid(v)) {
			lerr(ld, e, "each 'jetstream' entry is a wss:// URL "
			    "with its path, like \"wss://jetstream1.us-east."
			    "bsky.network/subscribe\"");
			continue;
		}
		if (b->njetstream == BLUESKY_JETSTREAM_MAX) {
			lerr(ld, e, "at most %d 'jetstream' URLs",
			    BLUESKY_JETSTREAM_MAX);
			break;
		}
		b->jetstream[b->njetstream++] = xstrdup(v);
	}
}

static void
parse_chat_service(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_bluesky	*b = dst;
	const char		*v = config_setting_get_string(s);

	if (strncmp(v, "did:", 4) != 0 || strchr(v, '#') == NULL ||
	    strpbrk(v, " \r\n") != NULL) {
		lerr(ld, s, "'chat_service' is a service DID with its "
		    "fragment, like \"did:web:api.bsky.chat#bsky_chat\"");
		return;
	}
	free(b->chat_service);
	b->chat_service = xstrdup(v);
}

static const struct key_spec bluesky_keys[] = {
	{ "plc",		CONFIG_TYPE_STRING, 0, parse_plc },
	{ "jetstream",		CONFIG_TYPE_ARRAY, 0, parse_jetstream },
	{ "chat_service",	CONFIG_TYPE_STRING, 0, parse_chat_service },
};

static void
parse_bluesky(struct loader *ld, const config_setting_t *s, void *dst)
{
	(void)dst;
	walk_group(ld, s, bluesky_keys,
	    sizeof(bluesky_keys) / sizeof(bluesky_keys[0]),
	    &ld->conf->bluesky);
}

static void
parse_network(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_account	*a = dst;
	const char		*v = config_setting_get_string(s);

	if (strcmp(v, "mastodon") == 0)
		a->network = NETWORK_MASTODON;
	else if (strcmp(v, "bluesky") == 0)
		a->network = NETWORK_BLUESKY;
	else
		lerr(ld, s, "'network' must be \"mastodon\" or \"bluesky\"");
}

/*
 * https://host[:port][/] only: the connectors add the API paths, a
 * user:password part would put a secret in the config, and plain http is
 * refused because certificate checks are always on.
 */
static int
url_normalize(const char *v, char **out)
{
	const char	*p, *host, *end;
	char		*num_end;
	size_t		 hlen, i;
	long		 port;

	if (strncasecmp(v, "https://", 8) != 0)
		return -1;
	host = v + 8;
	end = host + strcspn(host, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0)
		return -1;
	if (host[0] == '[') {
		if ((p = memchr(host, ']', (size_t)(end - host))) == NULL)
			return -1;
		p++;
	} else {
		for (p = host; p < end && *p != ':'; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' &&
			    *p != '-')
				return -1;
	}
	hlen = (size_t)(p - host);
	if (hlen == 0 || (host[0] != '[' && (host[0] == '.' ||
	    host[0] == '-' || host[hlen - 1] == '.' || host[hlen - 1] == '-')))
		return -1;
	if (p < end) {
		if (*p != ':' || p + 1 == end)
			return -1;
		errno = 0;
		port = strtol(p + 1, &num_end, 10);
		if (num_end != end || errno != 0 || port < 1 || port > 65535 ||
		    !isdigit((unsigned char)p[1]))
			return -1;
	}
	*out = xasprintf("https://%.*s", (int)(end - host), host);
	for (i = 8; i < 8 + hlen; i++)
		(*out)[i] = (char)tolower((unsigned char)(*out)[i]);
	return 0;
}

static void
parse_server(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_account	*a = dst;
	char			*url;

	if (url_normalize(config_setting_get_string(s), &url) == -1) {
		lerr(ld, s, "'server' must be an https:// URL with a host name "
		    "and no path, like \"https://mastodon.social\"");
		return;
	}
	free(a->server);
	a->server = url;
}

static void
parse_handle(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_account	*a = dst;
	const char		*v = config_setting_get_string(s);

	if (v[0] == '@')
		v++;
	if (v[0] == '\0') {
		lerr(ld, s, "'handle' must not be empty");
		return;
	}
	free(a->handle);
	a->handle = xstrdup(v);
}

static void
parse_language(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config_account	*a = dst;

	if (lang_parse(config_setting_get_string(s), &a->lang) == -1)
		lerr(ld, s, "'language' must be \"en\" or \"fr\"");
}

static void
set_secret(struct loader *ld, const config_setting_t *s,
    struct config_account *a, enum secret_source source, const char *key)
{
	const char	*v = config_setting_get_string(s);

	if (a->secret_ref != NULL) {
		lerr(ld, s, "give only one of token_file, password_file and "
		    "credential (already have '%s')", a->secret_key);
		return;
	}
	if (v[0] == '\0') {
		lerr(ld, s, "'%s' must not be empty", key);
		return;
	}
	a->secret_source = source;
	a->secret_key = key;
	a->secret_ref = source == SECRET_FILE ? resolve_path(ld, v) :
	    xstrdup(v);
}

static void
parse_token_file(struct loader *ld, const config_setting_t *s, void *dst)
{
	set_secret(ld, s, dst, SECRET_FILE, "token_file");
}

static void
parse_password_file(struct loader *ld, const config_setting_t *s, void *dst)
{
	set_secret(ld, s, dst, SECRET_FILE, "password_file");
}

static void
parse_credential(struct loader *ld, const config_setting_t *s, void *dst)
{
	const char	*v = config_setting_get_string(s);

	if (strchr(v, '/') != NULL || strcmp(v, ".") == 0 ||
	    strcmp(v, "..") == 0) {
		lerr(ld, s, "'credential' must be a credential name, not a "
		    "path");
		return;
	}
	set_secret(ld, s, dst, SECRET_CREDENTIAL, "credential");
}

static const struct key_spec account_keys[] = {
	{ "network",		CONFIG_TYPE_STRING, 1, parse_network },
	{ "server",		CONFIG_TYPE_STRING, 1, parse_server },
	{ "handle",		CONFIG_TYPE_STRING, 1, parse_handle },
	{ "language",		CONFIG_TYPE_STRING, 1, parse_language },
	{ "token_file",		CONFIG_TYPE_STRING, 0, parse_token_file },
	{ "password_file",	CONFIG_TYPE_STRING, 0, parse_password_file },
	{ "credential",		CONFIG_TYPE_STRING, 0, parse_credential },
};

int
config_mastodon_username_valid(const char *h)
{
	size_t	i, n = strlen(h);

	if (n == 0 || n > 30)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) && h[i] != '_')
			return 0;
	return 1;
}

/* A Bluesky handle is a DNS name with at least two labels. */
int
config_dns_name_valid(const char *h)
{
	size_t	i, n = strlen(h), label = 0, labels = 1;

	if (n == 0 || n > 253 || h[0] == '.' || h[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (h[i] == '.') {
			if (label == 0 || h[i - 1] == '-')
				return 0;
			labels++;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)h[i]) && h[i] != '-')
			return 0;
		if (label == 0 && h[i] == '-')
			return 0;
		if (++label > 63)
			return 0;
	}
	return labels >= 2 && h[n - 1] != '-';
}

/* Checks that need the whole account: network-specific rules, secret. */
static void
check_account(struct loader *ld, const config_setting_t *s,
    struct config_account *a)
{
	char	why[512];
	size_t	i;

	if (a->handle != NULL && a->network == NETWORK_MASTODON) {
		if (strchr(a->handle, '@') != NULL)
			lerr(ld, s, "'handle' of a Mastodon account is the user "
			    "name alone, like \"HelloQuitX\" (the server is "
			    "set by 'server')");
		else if (!config_mastodon_username_valid(a->handle))
			lerr(ld, s, "'handle' of a Mastodon account may only "
			    "hold letters, digits and '_' (at most 30)");
	} else if (a->handle != NULL) {
		for (i = 0; a->handle[i] != '\0'; i++)
			a->handle[i] = (char)tolower((unsigned char)a->handle[i]);
		if (!config_dns_name_valid(a->handle))
			lerr(ld, s, "'handle' of a Bluesky account is a domain "
			    "name, like \"helloquitx.bsky.social\"");
	}
	if (a->secret_ref == NULL) {
		lerr(ld, s, "the account needs its secret: %s",
		    a->network == NETWORK_MASTODON ?
		    "token_file or credential" :
		    "password_file or credential");
		return;
	}
	if (a->network == NETWORK_MASTODON &&
	    strcmp(a->secret_key, "password_file") == 0)
		lerr(ld, s, "a Mastodon account uses an access token: "
		    "'token_file', not 'password_file'");
	else if (a->network == NETWORK_BLUESKY &&
	    strcmp(a->secret_key, "token_file") == 0)
		lerr(ld, s, "a Bluesky account uses an app password: "
		    "'password_file', not 'token_file'");
	else if (secret_check(a, why, sizeof(why)) == -1)
		lerr(ld, s, "%s", why);
}

static void
parse_accounts(struct loader *ld, const config_setting_t *s, void *dst)
{
	struct config		*conf = ld->conf;
	const config_setting_t	*e;
	struct config_account	*a;
	size_t			 before;
	int			 i, n = config_setting_length(s);

	(void)dst;
	conf->accounts = xcalloc((size_t)n, sizeof(*conf->accounts));
	for (i = 0; (e = config_setting_get_elem(s, i)) != NULL; i++) {
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			lerr(ld, e, "each entry of 'accounts' must be a group "
			    "{ network = ...; ... }");
			continue;
		}
		a = &conf->accounts[conf->naccounts++];
		a->line = config_setting_source_line(e);
		before = ld->errs->count;
		walk_group(ld, e, account_keys,
		    sizeof(account_keys) / sizeof(account_keys[0]), a);
		if (ld->errs->count == before)
			check_account(ld, e, a);
	}
}

/*
 * An extra CA bundle for the servers' certificates: for a campaign that
 * runs its own instance behind a private CA, and for the test peers.  It
 * is trusted besides the system's store; verification stays on.
 */
static void
parse_ca_file(struct loader *ld, const config_setting_t *s, void *dst)
{
	const char	*v = config_setting_get_string(s);
	struct stat	 sb;
	char		*path;

	(void)dst;
	if (v[0] == '\0') {
		lerr(ld, s, "'ca_file' must not be empty");
		return;
	}
	path = resolve_path(ld, v);
	if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    access(path, R_OK) == -1) {
		lerr(ld, s, "'ca_file' %s is not a readable file", path);
		free(path);
		return;
	}
	free(ld->conf->ca_file);
	ld->conf->ca_file = path;
}

static void
parse_messages(struct loader *ld, const config_setting_t *s, void *dst)
{
	const char	*v = config_setting_get_string(s);

	(void)dst;
	if (v[0] == '\0') {
		lerr(ld, s, "'messages' must not be empty");
		return;
	}
	free(ld->conf->messages_dir);
	ld->conf->messages_dir = resolve_path(ld, v);
}

/* "https://host[:port]" and nothing else: links are built on it. */
static void
parse_public_url(struct loader *ld, const config_setting_t *s, void *dst)
{
	const char	*v = config_setting_get_string(s), *host;
	size_t		 n;

	(void)dst;
	host = v + strlen("https://");
	n = strlen(v);
	if (strncmp(v, "https://", 8) != 0 || n <= 8 || n > 200 ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-:[]") != strlen(host)) {
		lerr(ld, s, "'public_url' must be the https origin the team's "
		    "proxy serves quitx on, like \"https://quitx.example.org\"");
		return;
	}
	free(ld->conf->public_url);
	ld->conf->public_url = xstrdup(v);
}

static void
parse_upload_link_days(struct loader *ld, const config_setting_t *s,
    void *dst)
{
	long long	v = config_setting_get_int64(s);

	(void)dst;
	if (v < 1 || v > 365) {
		lerr(ld, s, "'upload_link_days' must be between 1 and 365");
		return;
	}
	ld->conf->upload_link_days = (int)v;
}

static void
parse_upload_max_mb(struct loader *ld, const config_setting_t *s, void *dst)
{
	long long	v = config_setting_get_int64(s);

	(void)dst;
	if (v < 1 || v > 65536) {
		lerr(ld, s, "'upload_max_mb' must be between 1 and 65536");
		return;
	}
	ld->conf->upload_max_mb = (int)v;
}

static void
parse_replies_per_hour(struct loader *ld, const config_setting_t *s,
    void *dst)
{
	long long	v = config_setting_get_int64(s);

	(void)dst;
	if (v < 1 || v > 1000) {
		lerr(ld, s, "'replies_per_hour' must be between 1 and 1000");
		return;
	}
	ld->conf->replies_per_hour = (int)v;
}

static const struct key_spec top_keys[] = {
	{ "store",	CONFIG_TYPE_STRING,	0, parse_store },
	{ "ca_file",	CONFIG_TYPE_STRING,	0, parse_ca_file },
	{ "messages",	CONFIG_TYPE_STRING,	0, parse_messages },
	{ "public_url",	CONFIG_TYPE_STRING,	0, parse_public_url },
	{ "upload_link_days", CONFIG_TYPE_INT,	0, parse_upload_link_days },
	{ "upload_max_mb", CONFIG_TYPE_INT,	0, parse_upload_max_mb },
	{ "replies_per_hour", CONFIG_TYPE_INT,	0, parse_replies_per_hour },
	{ "listen",	CONFIG_TYPE_STRING,	0, parse_listen },
	{ "log_level",	CONFIG_TYPE_STRING,	0, parse_log_level },
	{ "campaign",	CONFIG_TYPE_GROUP,	0, parse_campaign },
	{ "countdown",	CONFIG_TYPE_GROUP,	0, parse_countdown },
	{ "streams",	CONFIG_TYPE_GROUP,	0, parse_streams },
	{ "bluesky",	CONFIG_TYPE_GROUP,	0, parse_bluesky },
	{ "accounts",	CONFIG_TYPE_LIST,	1, parse_accounts },
};

/* The next 20 January (today counts), the campaign's default day. */
static void
default_day(struct config_campaign *c)
{
	time_t		now = time(NULL);
	struct tm	tm;

	gmtime_r(&now, &tm);
	c->year = tm.tm_year + 1900;
	if (tm.tm_mon > 0 || tm.tm_mday > 20)
		c->year++;
	c->month = 1;
	c->day = 20;
}

static void
config_defaults(struct loader *ld)
{
	struct config	*conf = ld->conf;

	conf->store_path = xstrdup(DEFAULT_STORE);
	(void)parse_hostport(DEFAULT_LISTEN, &conf->listen_host,
	    &conf->listen_port);
	conf->log_level = LOG_LVL_INFO;
	default_day(&conf->campaign);
	conf->campaign.hour = 12;
	conf->campaign.minute = 0;
	conf->campaign.timezone = xstrdup(DEFAULT_TZ);
	conf->campaign.languages = (1u << LANG_EN) | (1u << LANG_FR);
	conf->campaign.message_max = 50;
	conf->campaign.match_interval = 300;
	conf->campaign.intro_interval = 3600;
	conf->campaign.match_max = 1000;
	conf->campaign.match_memory_mb = 256;
	conf->messages_dir = resolve_path(ld, "messages");
	conf->upload_link_days = 14;
	conf->upload_max_mb = 1024;
	conf->replies_per_hour = 6;
	conf->countdown.hour = -1;
	conf->countdown.minute = -1;
	conf->countdown.networks = (1u << NETWORK_MASTODON) |
	    (1u << NETWORK_BLUESKY);
	conf->countdown.grace = 2 * 3600;
	conf->streams.timeout = 75;
	conf->streams.poll_interval = 30;
	conf->bluesky.plc = xstrdup("https://plc.directory");
	conf->bluesky.jetstream[0] = xstrdup(
	    "wss://jetstream1.us-east.bsky.network/subscribe");
	conf->bluesky.jetstream[1] = xstrdup(
	    "wss://jetstream2.us-east.bsky.network/subscribe");
	conf->bluesky.njetstream = 2;
	conf->bluesky.chat_service = xstrdup("did:web:api.bsky.chat#bsky_chat");
}

/* Rules across settings: account languages, duplicate accounts. */
static void
check_whole(struct loader *ld, const config_setting_t *root)
{
	struct config		*conf = ld->conf;
	const config_setting_t	*list, *e;
	struct config_account	*a, *b;
	size_t			 i, j;
	unsigned		 k;

	list = config_setting_get_member(root, "accounts");
	for (i = 0, k = 0; i < conf->naccounts; i++, k++) {
		a = &conf->accounts[i];
		/* entries that were not groups got no account: skip them */
		while ((e = config_setting_get_elem(list, k)) != NULL &&
		    config_setting_type(e) != CONFIG_TYPE_GROUP)
			k++;
		if (!(conf->campaign.languages & (1u << a->lang)))
			lerr(ld, e, "account language \"%s\" is not in "
			    "'campaign.languages'", config_lang_name(a->lang));
		for (j = 0; j < i; j++) {
			b = &conf->accounts[j];
			if (a->server == NULL || b->server == NULL ||
			    a->handle == NULL || b->handle == NULL)
				continue;
			if (a->network == b->network &&
			    strcmp(a->server, b->server) == 0 &&
			    strcasecmp(a->handle, b->handle) == 0)
				lerr(ld, e, "account %s on %s is already "
				    "defined at line %d", a->handle, a->server,
				    b->line);
		}
	}
}

static int
config_finish(struct loader *ld, config_t *cfg, int read_ok,
    struct config **out)
{
	const char	*file;
	size_t		 before = ld->errs->count;

	if (!read_ok) {
		file = config_error_file(cfg);
		errs_add(ld->errs, xasprintf("%s:%d: %s", file != NULL ? file :
		    ld->name, config_error_line(cfg), config_error_text(cfg)));
	} else {
		walk_group(ld, config_root_setting(cfg), top_keys,
		    sizeof(top_keys) / sizeof(top_keys[0]), NULL);
		check_whole(ld, config_root_setting(cfg));
		check_countdown(ld, config_root_setting(cfg));
	}
	config_destroy(cfg);
	free(ld->basedir);
	if (ld->errs->count != before) {
		config_free(ld->conf);
		return -1;
	}
	*out = ld->conf;
	return 0;
}

static void
loader_init(struct loader *ld, const char *name, char *basedir,
    struct config_errors *errs)
{
	memset(ld, 0, sizeof(*ld));
	ld->name = name;
	ld->basedir = basedir;
	ld->errs = errs;
	ld->conf = xcalloc(1, sizeof(*ld->conf));
	ld->conf->path = xstrdup(name);
	config_defaults(ld);
}

int
config_load(const char *path, struct config **out,
    struct config_errors *errs)
{
	struct loader	 ld;
	config_t	 cfg;
	char		*basedir, *slash;
	struct stat	 sb;
	FILE		*f;
	int		 ok;

	*out = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		errs_add(errs, xasprintf("%s:0: cannot open: %s", path,
		    strerror(errno)));
		return -1;
	}
	/* libconfig's scanner exits the process on a read error: check first */
	if (fstat(fileno(f), &sb) == -1 || !S_ISREG(sb.st_mode)) {
		errs_add(errs, xasprintf("%s:0: not a regular file", path));
		fclose(f);
		return -1;
	}
	basedir = xstrdup(path);
	if ((slash = strrchr(basedir, '/')) != NULL)
		*(slash == basedir ? slash + 1 : slash) = '\0';
	else {
		free(basedir);
		basedir = xstrdup(".");
	}
	loader_init(&ld, path, basedir, errs);
	config_init(&cfg);
	config_set_include_dir(&cfg, basedir);
	ok = config_read(&cfg, f) == CONFIG_TRUE;
	fclose(f);
	if (config_finish(&ld, &cfg, ok, out) == -1)
		return -1;
	/* the bot's words are part of the configuration */
	(*out)->templates = templates_load((*out)->messages_dir,
	    (*out)->campaign.languages, errs);
	if ((*out)->templates == NULL) {
		config_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
config_load_string(const char *text, const char *name, struct config **out,
    struct config_errors *errs)
{
	struct loader	ld;
	config_t	cfg;
	int		ok;

	*out = NULL;
	loader_init(&ld, name, NULL, errs);
	config_init(&cfg);
	ok = config_read_string(&cfg, text) == CONFIG_TRUE;
	return config_finish(&ld, &cfg, ok, out);
}

struct config_bluesky *
config_bluesky_dup(const struct config_bluesky *b)
{
	struct config_bluesky	*d = xcalloc(1, sizeof(*d));
	size_t			 i;

	d->plc = xstrdup(b->plc);
	d->chat_service = xstrdup(b->chat_service);
	for (i = 0; i < b->njetstream; i++)
		d->jetstream[i] = xstrdup(b->jetstream[i]);
	d->njetstream = b->njetstream;
	return d;
}

void
config_bluesky_free(struct config_bluesky *b)
{
	size_t	i;

	if (b == NULL)
		return;
	free(b->plc);
	free(b->chat_service);
	for (i = 0; i < b->njetstream; i++)
		free(b->jetstream[i]);
	free(b);
}

void
config_free(struct config *conf)
{
	size_t	i, j;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->naccounts; i++) {
		free(conf->accounts[i].server);
		free(conf->accounts[i].handle);
		free(conf->accounts[i].secret_ref);
	}
	free(conf->accounts);
	free(conf->campaign.timezone);
	for (i = 0; i < LANG_COUNT; i++) {
		free(conf->countdown.lang[i].text);
		free(conf->countdown.lang[i].day_before);
		free(conf->countdown.lang[i].day);
		for (j = 0; j < conf->countdown.lang[i].nimages; j++) {
			free(conf->countdown.lang[i].images[j].file);
			free(conf->countdown.lang[i].images[j].alt);
		}
	}
	free(conf->listen_host);
	free(conf->store_path);
	free(conf->ca_file);
	free(conf->bluesky.plc);
	for (i = 0; i < conf->bluesky.njetstream; i++)
		free(conf->bluesky.jetstream[i]);
	free(conf->bluesky.chat_service);
	free(conf->messages_dir);
	templates_free(conf->templates);
	free(conf->public_url);
	free(conf->path);
	free(conf);
}

void
config_errors_clear(struct config_errors *errs)
{
	size_t	i;

	for (i = 0; i < errs->count; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->count = 0;
}

const char *
config_network_name(enum network network)
{
	return network == NETWORK_MASTODON ? "mastodon" : "bluesky";
}

const char *
config_lang_name(enum lang lang)
{
	return lang == LANG_EN ? "en" : "fr";
}

const char *
config_default_path(void)
{
	const char	*env = getenv("QUITX_CONFIG");

	if (env != NULL && env[0] != '\0')
		return env;
	return QUITX_SYSCONFDIR "/quitx/quitx.conf";
}
