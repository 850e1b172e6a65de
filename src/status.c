/*
 * status: the store's figures arranged for people (status.h).
 */
#define LOG_TAG "status"
#include "quitx/status.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <unistr.h>

#include "quitx/clock.h"
#include "quitx/log.h"
#include "quitx/xmalloc.h"

/* Registrations are read per quarter hour: every UTC offset is a multiple. */
#define REG_SPAN	900

/* The local calendar day of t as a count of days since 1970-01-01. */
static int64_t
local_day(int64_t t)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (localtime_r(&tt, &tm) == NULL)
		return t / 86400;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	/* the local date read as a UTC midnight: day numbers without gaps */
	return (int64_t)timegm(&tm) / 86400;
}

static void
local_text(int64_t t, char *buf, size_t size)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M %Z", &tm) == 0)
		snprintf(buf, size, "@%" PRId64, t);
}

/*
 * Spread the registration spans over days (the zone is set): one entry
 * per day from the first registration's to today's, or to the last
 * registration's if the clock is behind the store.
 */
static void
make_days(struct status *s, int64_t today)
{
	const struct store_reg_bucket	*b = s->st.regs;
	size_t				 i, nb = s->st.nregs;
	int64_t				 first, last, d, *dn;
	time_t				 t;
	struct tm			 tm;
	int				 k;

	if (nb == 0)
		return;
	dn = xreallocarray(NULL, nb, sizeof(*dn));
	for (i = 0; i < nb; i++)
		dn[i] = local_day(b[i].start);
	first = dn[0];
	last = dn[nb - 1] > today ? dn[nb - 1] : today;
	if (last - first + 1 > STATUS_DAYS_MAX)
		first = last - STATUS_DAYS_MAX + 1;
	s->ndays = (size_t)(last - first + 1);
	s->days = xcalloc(s->ndays, sizeof(*s->days));
	for (d = first; d <= last; d++) {
		t = (time_t)(d * 86400);
		gmtime_r(&t, &tm);
		strftime(s->days[d - first].date,
		    sizeof(s->days[d - first].date), "%Y-%m-%d", &tm);
	}
	for (i = 0; i < nb; i++)
		for (k = 0; k < NETWORK_COUNT; k++) {
			if (dn[i] < first)
				s->earlier[k] += b[i].n[k];
			else
				s->days[dn[i] - first].n[k] += b[i].n[k];
		}
	free(dn);
}

int
status_collect(struct store *st, const char *timezone, int64_t now,
    struct status *out)
{
	struct store_scheduled	*p;
	char			*saved;
	size_t			 i;
	int			 k;

	memset(out, 0, sizeof(*out));
	if (store_status_get(st, REG_SPAN, STATUS_NEXT_POSTS, &out->st) == -1)
		return -1;
	out->timezone = xstrdup(timezone);
	out->now = now;
	out->posts = xcalloc(out->st.nnext + 1, sizeof(*out->posts));
	out->nposts = out->st.nnext;

	saved = clock_zone_enter(timezone);
	local_text(now, out->now_local, sizeof(out->now_local));
	if (out->st.match_at != 0)
		local_text(out->st.match_at, out->match_at_local,
		    sizeof(out->match_at_local));
	for (i = 0; i < out->nposts; i++)
		local_text(out->st.next[i].run_at, out->posts[i].run_at_local,
		    sizeof(out->posts[i].run_at_local));
	make_days(out, local_day(now));
	clock_zone_leave(saved);

	for (i = 0; i < out->nposts; i++) {
		p = &out->st.next[i];
		out->posts[i].id = p->id;
		out->posts[i].kind = xstrdup(p->kind != NULL ? p->kind : "");
		if (p->bot_handle != NULL)
			out->posts[i].bot = xasprintf("@%s", p->bot_handle);
		out->posts[i].run_at = p->run_at;
		out->posts[i].text = status_excerpt(p->body != NULL ? p->body :
		    "", STATUS_EXCERPT_CHARS);
	}
	for (i = 0; i < out->st.nkinds; i++)
		for (k = 0; k < OUTBOX_STATE_COUNT; k++)
			if (k != OUTBOX_CANCELLED)
				out->deliverable += out->st.kinds[i].n[k];
	for (i = 0; i < out->st.nkinds; i++)
		out->delivered += out->st.kinds[i].n[OUTBOX_SENT];
	return 0;
}

void
status_free(struct status *s)
{
	size_t	i;

	for (i = 0; i < s->nposts; i++) {
		free(s->posts[i].kind);
		free(s->posts[i].bot);
		free(s->posts[i].text);
	}
	free(s->posts);
	free(s->days);
	free(s->timezone);
	store_status_clear(&s->st);
	memset(s, 0, sizeof(*s));
}

/* The text a body carries, as told in status.h; NULL: the body itself. */
static const char *
body_text(json_t *j)
{
	json_t	*parts;
	size_t	 i;

	if (json_is_string(j))
		return json_string_value(j);
	if (!json_is_object(j))
		return NULL;
	if (json_is_array(parts = json_object_get(j, "parts")))
		for (i = 0; i < json_array_size(parts); i++)
			if (json_is_string(json_array_get(parts, i)))
				return json_string_value(json_array_get(parts,
				    i));
	if (json_is_string(json_object_get(j, "text")))
		return json_string_value(json_object_get(j, "text"));
	if (json_is_string(json_object_get(j, "status")))
		return json_string_value(json_object_get(j, "status"));
	return NULL;
}

char *
status_excerpt(const char *body, size_t max)
{
	json_t		*j = json_loads(body, JSON_DECODE_ANY, NULL);
	const char	*text = j != NULL ? body_text(j) : NULL;
	const uint8_t	*p;
	size_t		 left, chars = 0;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*f;
	ucs4_t		 c;
	int		 n, space = 0;

	if (text == NULL)
		text = body;
	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("open_memstream");
	p = (const uint8_t *)text;
	left = strlen(text);
	while (left > 0) {
		if ((n = u8_mbtoucr(&c, p, left)) < 0) {
			c = 0xfffd;
			n = 1;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = chars > 0;
		} else if (c >= 0x20 && (c < 0x7f || c >= 0xa0)) {
			if (chars + space >= max) {
				fputs("\xe2\x80\xa6", f);	/* … */
				break;
			}
			if (space)
				fputc(' ', f);
			chars += space;
			space = 0;
			if (c == 0xfffd)
				fputs("\xef\xbf\xbd", f);
			else
				fwrite(p, 1, (size_t)n, f);
			chars++;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fclose(f) != 0)
		fatal("open_memstream");
	json_decref(j);
	return buf;
}

void
status_percent(char *buf, size_t size, int64_t part, int64_t whole)
{
	int64_t	permille;

	if (whole <= 0 || part < 0) {
		snprintf(buf, size, "-");
		return;
	}
	permille = part * 1000 / whole;
	snprintf(buf, size, "%" PRId64 ".%" PRId64 "%%", permille / 10,
	    permille % 10);
}
