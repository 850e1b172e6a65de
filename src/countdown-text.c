/*
 * countdown-text: the countdown's words.  See countdown.h.  Pure.
 */
#include "quitx/countdown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/clock.h"
#include "quitx/xmalloc.h"

/*
 * Month names written out, not from the C library's locale: the
 * daemon's locale is whatever systemd gives it, the posts' language is
 * the bot's.
 */
static const char *const months_en[] = { "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October",
    "November", "December" };
static const char *const months_fr[] = { "janvier", "février", "mars",
    "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
    "novembre", "décembre" };

void
countdown_date(enum lang lang, int month, int day, char *buf, size_t size)
{
	if (month < 1 || month > 12) {
		snprintf(buf, size, "?");
		return;
	}
	if (lang == LANG_FR)
		snprintf(buf, size, "%d%s %s", day, day == 1 ? "er" : "",
		    months_fr[month - 1]);
	else
		snprintf(buf, size, "%s %d", months_en[month - 1], day);
}

const char *
countdown_template(const struct config_countdown_lang *l, int days)
{
	if (days == 0)
		return l->day;
	if (days == 1 && l->day_before != NULL)
		return l->day_before;
	return l->text;
}

char *
countdown_render(const char *tmpl, int days, const char *date,
    const char **bad)
{
	const char	*p, *brace;
	char		*out = xstrdup(""), *next;

	for (p = tmpl; (brace = strchr(p, '{')) != NULL; p = brace) {
		if (strncmp(brace, "{days}", 6) == 0) {
			next = xasprintf("%s%.*s%d", out, (int)(brace - p), p,
			    days);
			brace += 6;
		} else if (strncmp(brace, "{date}", 6) == 0) {
			next = xasprintf("%s%.*s%s", out, (int)(brace - p), p,
			    date);
			brace += 6;
		} else {
			if (bad != NULL)
				*bad = brace;
			free(out);
			return NULL;
		}
		free(out);
		out = next;
	}
	next = xasprintf("%s%s", out, p);
	free(out);
	return next;
}

int64_t
countdown_first_day(const struct config *conf)
{
	const struct config_countdown	*c = &conf->countdown;
	const struct config_campaign	*k = &conf->campaign;

	if (c->first_year != 0)
		return clock_days_from_civil(c->first_year, c->first_month,
		    c->first_day);
	return clock_days_from_civil(k->year, k->month, k->day) -
	    c->days_before;
}
