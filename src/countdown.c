/*
 * countdown: the countdown's posts, planned.  See countdown.h.
 */
#define LOG_TAG "countdown"
#include "quitx/countdown.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "quitx/clock.h"
#include "quitx/log.h"
#include "quitx/schedule.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

/* The campaign zone's date at t, as days since 1970. */
static int64_t
zone_day(const char *zone, int64_t t)
{
	struct tm	tm;

	clock_localtime_in(zone, t, &tm);
	return clock_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
}

/* The last second of a day in the campaign's zone. */
static int64_t
day_end(const char *zone, int64_t day)
{
	int	y, m, d;

	clock_civil_from_days(day + 1, &y, &m, &d);
	return clock_mktime_in(zone, y, m, d, 0, 0, 0, NULL) - 1;
}

/*
 * One bot's post for one day, its key added to keep.  1 new, 0 there
 * already, -1.
 */
static int
plan_one(struct store *st, const struct config *conf,
    const struct bot_row *bot, int64_t day, int64_t run_at, int64_t now,
    json_t *keep)
{
	const struct config_countdown		*c = &conf->countdown;
	const struct config_countdown_lang	*l = &c->lang[bot->lang];
	const struct config_campaign		*k = &conf->campaign;
	struct schedule_body			 b;
	const char				*tmpl;
	char					 date[64], key[96], *text, *body;
	char					*parts[1];
	int64_t					 id;
	int					 days, y, m, d, rc;
	size_t					 i;

	days = (int)(clock_days_from_civil(k->year, k->month, k->day) - day);
	if ((tmpl = countdown_template(l, days)) == NULL)
		return 0;
	countdown_date(bot->lang, k->month, k->day, date, sizeof(date));
	if ((text = countdown_render(tmpl, days, date, NULL)) == NULL)
		return 0;	/* the config's checks forbid it */
	memset(&b, 0, sizeof(b));
	parts[0] = text;
	b.parts = parts;
	b.nparts = 1;
	for (i = 0; i < l->nimages; i++)
		b.images[i] = (struct schedule_image){ l->images[i].file,
		    l->images[i].alt };
	b.nimages = l->nimages;
	/* a day's number is wrong the next day, whatever the grace */
	b.not_after = day_end(k->timezone, day);
	if (b.not_after > run_at + c->grace)
		b.not_after = run_at + c->grace;
	b.lang = bot->lang;
	body = schedule_body_dump(&b);
	clock_civil_from_days(day, &y, &m, &d);
	snprintf(key, sizeof(key), "countdown:%" PRId64 ":%04d-%02d-%02d",
	    bot->id, y, m, d);
	json_array_append_new(keep, json_string(key));
	rc = store_schedule_add(st, "countdown", key, bot->id, run_at, body,
	    now, &id);
	/* a template edited since: the post not yet out says the new one */
	if (rc == 0 && store_schedule_refresh(st, key, run_at, body,
	    now) == -1)
		rc = -1;
	free(body);
	free(text);
	return rc;
}

int
countdown_plan(struct store *st, const struct config *conf, int64_t now_cal,
    int64_t now_real)
{
	const struct config_countdown	*c = &conf->countdown;
	const struct config_campaign	*k = &conf->campaign;
	struct bot_row			*bots;
	int64_t				 day, first, last, lo, hi, run_at;
	size_t				 nbots, i;
	int				 y, m, d, hour, minute, rc, added = 0;
	json_t				*keep;
	char				*keys;

	if (!c->enabled) {
		/* turned off: what it had planned goes too */
		if ((rc = store_schedule_withdraw(st, INT64_MIN, INT64_MAX,
		    "[]")) > 0)
			log_info("countdown off: %d planned post%s withdrawn",
			    rc, rc == 1 ? "" : "s");
		return rc == -1 ? -1 : 0;
	}
	first = countdown_first_day(conf);
	last = clock_days_from_civil(k->year, k->month, k->day);
	/* the days whose time may fall in the window, a day to spare */
	lo = zone_day(k->timezone, now_cal - c->grace) - 1;
	hi = zone_day(k->timezone, now_cal + COUNTDOWN_HORIZON) + 1;
	if (lo < first)
		lo = first;
	if (hi > last)
		hi = last;
	hour = c->hour >= 0 ? c->hour : k->hour;
	minute = c->hour >= 0 ? c->minute : k->minute;
	if (store_bot_accounts_active(st, &bots, &nbots) == -1)
		return -1;
	if (store_transaction_begin(st) == -1) {
		bot_rows_free(bots, nbots);
		return -1;
	}
	keep = json_array();
	for (day = lo; day <= hi && added >= 0; day++) {
		clock_civil_from_days(day, &y, &m, &d);
		/* a time a DST change skips is posted an hour later */
		run_at = clock_mktime_in(k->timezone, y, m, d, hour, minute, 0,
		    NULL);
		if (run_at + c->grace < now_cal || day_end(k->timezone,
		    day) < now_cal || run_at > now_cal + COUNTDOWN_HORIZON)
			continue;
		for (i = 0; i < nbots; i++) {
			if (!(c->networks & (1u << bots[i].network)) ||
			    c->lang[bots[i].lang].text == NULL)
				continue;
			if ((rc = plan_one(st, conf, &bots[i], day, run_at,
			    now_real, keep)) == -1) {
				added = -1;
				break;
			}
			added += rc;
		}
	}
	bot_rows_free(bots, nbots);
	/*
	 * What this pass did not plan in its window, the config no longer
	 * wants (a language, a network, a template or days taken out).
	 */
	if (added >= 0) {
		keys = json_dumps(keep, JSON_COMPACT);
		if ((rc = store_schedule_withdraw(st, now_cal - c->grace,
		    now_cal + COUNTDOWN_HORIZON, keys)) == -1)
			added = -1;
		else if (rc > 0)
			log_info("countdown: %d planned post%s the config no "
			    "longer wants withdrawn", rc, rc == 1 ? "" : "s");
		free(keys);
	}
	json_decref(keep);
	if (added == -1 || store_transaction_commit(st) == -1) {
		store_transaction_rollback(st);
		return -1;
	}
	return added;
}
