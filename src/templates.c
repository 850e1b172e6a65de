/*
 * templates: see templates.h.  The files are libconfig, like quitx.conf:
 * one `key = "text";` per message, comments with '#'.
 */
#define LOG_TAG "templates"
#include "quitx/templates.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "quitx/log.h"
#include "quitx/xmalloc.h"

/* Placeholders, as bits, so each key says which it may use. */
enum {
	V_HANDLE = 1 << 0, V_REFUSED = 1 << 1, V_BOT = 1 << 2, V_DAY = 1 << 3,
	V_LINK = 1 << 4, V_DAYS = 1 << 5, V_PROOF = 1 << 6, V_REACH = 1 << 7,
	V_COUNT = 1 << 8, V_NETWORK = 1 << 9,
};

static const struct {
	const char	*name;
	unsigned	 bit;
	const char	*longest;	/* the worst case, for the length check */
} vars[] = {
	{ "handle",	V_HANDLE,	"abcdefghijklmno" },
	{ "refused",	V_REFUSED,	"abcdefghijklmnopqrstuvwxyz01234" },
	{ "bot",	V_BOT,		"HelloQuitteX_abcdefghijklmnop" },
	{ "day",	V_DAY,		"mercredi 20 septembre 2027" },
	{ "link",	V_LINK,
	    "https://quitx.example.org/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
	{ "days",	V_DAYS,		"365" },
	{ "proof",	V_PROOF,	"proven by your X archive: you will be suggested" },
	{ "reach",	V_REACH,	"You follow me, so I can write to you privately." },
	{ "count",	V_COUNT,	"1000000" },
	{ "network",	V_NETWORK,	"Mastodon" },
};
#define NVARS (sizeof(vars) / sizeof(vars[0]))

static const struct {
	const char	*key;
	unsigned	 allowed;
	int		 max;	/* characters; 0: TEMPLATE_MAX_CHARS */
} keys[T_COUNT] = {
	[T_REGISTER_OK] =	{ "register_ok", V_HANDLE | V_BOT | V_DAY },
	[T_REGISTER_SAME] =	{ "register_same", V_HANDLE | V_BOT | V_DAY },
	[T_REGISTER_CONTESTED] = { "register_contested", V_HANDLE | V_BOT },
	[T_CONTESTED_OTHER] =	{ "contested_other", V_HANDLE | V_BOT },
	[T_REFUSED_NO_HANDLE] =	{ "refused_no_handle", V_BOT },
	[T_REFUSED_TOO_LONG] =	{ "refused_too_long", V_REFUSED },
	[T_REFUSED_BAD_CHARS] =	{ "refused_bad_chars", V_REFUSED },
	[T_REFUSED_FEDIVERSE] =	{ "refused_fediverse", V_REFUSED },
	[T_REFUSED_SEVERAL] =	{ "refused_several", 0 },
	[T_UPLOAD_LINK] =	{ "upload_link", V_LINK | V_DAYS | V_HANDLE },
	[T_UPLOAD_CLOSED] =	{ "upload_closed", 0 },
	[T_STATUS] =		{ "status", V_HANDLE | V_PROOF | V_REACH | V_BOT },
	[T_STATUS_NONE] =	{ "status_none", V_REACH | V_BOT },
	[T_PROOF_NONE] =	{ "proof_none", 0 },
	[T_PROOF_ARCHIVE] =	{ "proof_archive", 0 },
	[T_PROOF_IMPORT] =	{ "proof_import", 0 },
	[T_REACH_YES] =		{ "reach_yes", V_BOT },
	[T_REACH_NO] =		{ "reach_no", V_BOT },
	[T_SUGGESTIONS_LATER] =	{ "suggestions_later", V_DAY },
	[T_INTRO_ON] =		{ "intro_on", V_DAY },
	[T_INTRO_OFF] =		{ "intro_off", 0 },
	[T_STOP_OK] =		{ "stop_ok", 0 },
	[T_RESUME_OK] =		{ "resume_ok", 0 },
	[T_FORGET_OK] =		{ "forget_ok", 0 },
	[T_NOT_MEMBER] =	{ "not_member", V_BOT },
	[T_HELP] =		{ "help", V_BOT },
	[T_SUGGESTIONS_HEADER] = { "suggestions_header", V_COUNT | V_NETWORK },
	[T_SUGGESTIONS_FOLLOWUP_HEADER] = { "suggestions_followup_header",
				    V_COUNT | V_NETWORK },
	[T_SUGGESTIONS_MORE] =	{ "suggestions_more", V_COUNT },
	[T_SUGGESTIONS_CSV] =	{ "suggestions_csv", V_COUNT | V_LINK },
	[T_SUGGESTIONS_CSV_ELSEWHERE] = { "suggestions_csv_elsewhere",
				    V_COUNT | V_LINK },
	[T_SUGGESTIONS_NONE] =	{ "suggestions_none", 0 },
	[T_INTRO_HEADER] =	{ "intro_header", V_NETWORK,
				    TEMPLATE_MAX_POST_CHARS },
	[T_ASK_FOLLOW] =	{ "ask_follow", V_BOT, TEMPLATE_MAX_POST_CHARS },
};

struct templates {
	char	*text[LANG_COUNT][T_COUNT];
};

const char *
templates_key(enum tmpl which)
{
	return keys[which].key;
}

static void __attribute__((format(printf, 4, 5)))
add_err(struct config_errors *errs, const char *file, int line,
    const char *fmt, ...)
{
	char	*msg;
	va_list	 ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	errs->msgs = xreallocarray(errs->msgs, errs->count + 1,
	    sizeof(*errs->msgs));
	errs->msgs[errs->count++] = xasprintf("%s:%d: %s", file, line, msg);
	free(msg);
}

/* Fill {name} placeholders; unknown names are left as written. */
static char *
render(const char *text, const char *const values[NVARS])
{
	char		*out = NULL, *name;
	const char	*p = text, *close;
	size_t		 len = 0, i;
	FILE		*f;

	if ((f = open_memstream(&out, &len)) == NULL)
		fatalx("out of memory");
	while (*p != '\0') {
		if (*p == '{' && (close = strchr(p, '}')) != NULL &&
		    close - p <= 16) {
			name = xasprintf("%.*s", (int)(close - p - 1), p + 1);
			for (i = 0; i < NVARS; i++)
				if (strcmp(name, vars[i].name) == 0)
					break;
			free(name);
			if (i < NVARS) {
				fputs(values[i] != NULL ? values[i] : "", f);
				p = close + 1;
				continue;
			}
		}
		fputc(*p++, f);
	}
	fclose(f);
	return out;
}

/* Characters (code points) in UTF-8 text. */
static size_t
utf8_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Check one message's placeholders and its longest rendering. */
static void
check_text(const char *file, int line, enum tmpl which, const char *text,
    struct config_errors *errs)
{
	const char	*values[NVARS], *p = text, *close;
	char		*longest;
	size_t		 i, n, max;

	while ((p = strchr(p, '{')) != NULL) {
		if ((close = strchr(p, '}')) == NULL)
			break;
		n = (size_t)(close - p - 1);
		for (i = 0; i < NVARS; i++)
			if (strlen(vars[i].name) == n &&
			    strncmp(vars[i].name, p + 1, n) == 0)
				break;
		if (i == NVARS || !(keys[which].allowed & vars[i].bit))
			add_err(errs, file, line, "'%s': {%.*s} is not a "
			    "placeholder this message can use", keys[which].key,
			    (int)(n < 40 ? n : 40), p + 1);
		p = close + 1;
	}
	for (i = 0; i < NVARS; i++)
		values[i] = vars[i].longest;
	longest = render(text, values);
	max = keys[which].max > 0 ? (size_t)keys[which].max :
	    TEMPLATE_MAX_CHARS;
	if ((n = utf8_chars(longest)) > max)
		add_err(errs, file, line, "'%s' can be %zu characters long "
		    "once filled in; at most %zu fit in a %s",
		    keys[which].key, n, max, keys[which].max > 0 ? "post" :
		    "reply");
	else if (utf8_chars(text) == 0)
		add_err(errs, file, line, "'%s' is empty", keys[which].key);
	free(longest);
}

static void
load_one(struct templates *t, const char *dir, enum lang lang,
    struct config_errors *errs)
{
	config_t		 cfg;
	const config_setting_t	*root, *s;
	char			*path;
	const char		*name;
	int			 i, k, line;

	path = xasprintf("%s/%s.conf", dir, config_lang_name(lang));
	config_init(&cfg);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			add_err(errs, path, 0, "cannot read the %s messages",
			    config_lang_name(lang));
		else
			add_err(errs, path, config_error_line(&cfg), "%s",
			    config_error_text(&cfg));
		goto out;
	}
	root = config_root_setting(&cfg);
	for (i = 0; (s = config_setting_get_elem(root, (unsigned)i)) != NULL;
	    i++) {
		name = config_setting_name(s);
		line = config_setting_source_line(s);
		for (k = 0; k < T_COUNT; k++)
			if (strcmp(name, keys[k].key) == 0)
				break;
		if (k == T_COUNT) {
			add_err(errs, path, line, "unknown message '%s'", name);
			continue;
		}
		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			add_err(errs, path, line, "'%s' must be a string in "
			    "double quotes", name);
			continue;
		}
		free(t->text[lang][k]);
		t->text[lang][k] = xstrdup(config_setting_get_string(s));
		check_text(path, line, (enum tmpl)k, t->text[lang][k], errs);
	}
	for (k = 0; k < T_COUNT; k++)
		if (t->text[lang][k] == NULL)
			add_err(errs, path, 0, "missing message '%s'",
			    keys[k].key);
out:
	config_destroy(&cfg);
	free(path);
}

struct templates *
templates_load(const char *dir, unsigned mask, struct config_errors *errs)
{
	struct templates	*t = xcalloc(1, sizeof(*t));
	size_t			 before = errs->count;
	int			 lang;

	for (lang = 0; lang < LANG_COUNT; lang++)
		if (mask & (1u << lang))
			load_one(t, dir, (enum lang)lang, errs);
	if (errs->count != before) {
		templates_free(t);
		return NULL;
	}
	return t;
}

void
templates_free(struct templates *t)
{
	int	l, k;

	if (t == NULL)
		return;
	for (l = 0; l < LANG_COUNT; l++)
		for (k = 0; k < T_COUNT; k++)
			free(t->text[l][k]);
	free(t);
}

char *
templates_render(const struct templates *t, enum lang lang, enum tmpl which,
    const struct tmpl_vars *v)
{
	const char	*values[NVARS] = { v->handle, v->refused, v->bot,
			    v->day, v->link, v->days, v->proof, v->reach,
			    v->count, v->network };
	const char	*text = t->text[lang][which];

	/* a language the campaign does not speak falls back to the other */
	if (text == NULL)
		text = t->text[lang == LANG_EN ? LANG_FR : LANG_EN][which];
	return render(text != NULL ? text : "", values);
}
