/*
 * status-page: the /status page (status-page.h) and its route.
 *
 * The page is built whole per request from one read of the store, on
 * the event loop like /metrics: a few people look at it now and then.
 * Every text that comes from the store (kinds, handles, post texts) goes
 * through markup_escape; the page's own words are constants.
 */
#define LOG_TAG "status-page"
#include "quitx/status-page.h"
#include "httpd-internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quitx/config.h"
#include "quitx/daemon.h"
#include "quitx/log.h"
#include "quitx/markup.h"
#include "quitx/stats.h"
#include "quitx/svg-chart.h"
#include "quitx/xmalloc.h"

static const char style[] =
	"body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;"
	"max-width:60rem;padding:1rem;color:#222;background:#fff}"
	"h1{font-size:1.5rem;margin:.2rem 0}"
	"h2{font-size:1.15rem;margin:1.6rem 0 .5rem}"
	".note{color:#555;font-size:.9rem}"
	"figure{margin:0}svg{max-width:100%;height:auto}"
	"dl{display:grid;grid-template-columns:repeat(auto-fill,"
	"minmax(11rem,1fr));gap:.5rem;margin:0}"
	"dl div{border:1px solid #ddd;border-radius:4px;padding:.4rem .6rem}"
	"dt{color:#555;font-size:.85rem}dd{margin:0;font-size:1.3rem}"
	"table{border-collapse:collapse;width:100%}"
	"th,td{padding:.3rem .5rem;border-bottom:1px solid #ddd;"
	"text-align:left}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
	"tfoot th,tfoot td{font-weight:bold}"
	"td.text{overflow-wrap:anywhere}";

static void
text(FILE *f, const char *s)
{
	markup_escape(f, s);
}

static void
number(FILE *f, int64_t v)
{
	char	buf[32];

	fputs(stats_grouped(buf, sizeof(buf), v), f);
}

/* A figure in the summary: <div><dt>term</dt><dd id=id>value</dd></div>. */
static void
figure(FILE *f, const char *id, const char *term, int64_t v)
{
	fprintf(f, "<div><dt>%s</dt><dd id=\"%s\">", term, id);
	number(f, v);
	fputs("</dd></div>\n", f);
}

static void
chart(FILE *f, const struct status *s)
{
	static const char *const series[NETWORK_COUNT] = { "Mastodon",
	    "Bluesky" };
	const char	**labels;
	int64_t		 *values, total = 0;
	char		 *svg, *desc;
	size_t		  i;
	int		  k;

	labels = xcalloc(s->ndays + 1, sizeof(*labels));
	values = xcalloc(s->ndays * NETWORK_COUNT + 1, sizeof(*values));
	for (i = 0; i < s->ndays; i++) {
		labels[i] = s->days[i].date;
		for (k = 0; k < NETWORK_COUNT; k++) {
			values[i * NETWORK_COUNT + k] = s->days[i].n[k];
			total += s->days[i].n[k];
		}
	}
	if (s->ndays > 0)
		desc = xasprintf("%" PRId64 " registrations from %s to %s,"
		    " by day (%s) and network.", total, s->days[0].date,
		    s->days[s->ndays - 1].date, s->timezone);
	else
		desc = xstrdup("No registrations yet.");
	svg = svg_chart_bars(&(struct svg_chart){
	    .title = "Registrations per day, Mastodon and Bluesky",
	    .desc = desc, .labels = labels, .ncolumns = s->ndays,
	    .series = series, .nseries = NETWORK_COUNT, .values = values,
	    .empty = "No registrations yet" }, NULL);
	fputs("<figure id=\"registrations\">", f);
	fputs(svg, f);
	fputs("<figcaption class=\"note\">", f);
	text(f, desc);
	if (s->earlier[NETWORK_MASTODON] + s->earlier[NETWORK_BLUESKY] > 0) {
		fputs(" Not shown: ", f);
		number(f, s->earlier[NETWORK_MASTODON] +
		    s->earlier[NETWORK_BLUESKY]);
		fprintf(f, " registrations before the last %d days.",
		    STATUS_DAYS_MAX);
	}
	fputs("</figcaption></figure>\n", f);
	free(svg);
	free(desc);
	free(values);
	free(labels);
}

static void
figures(FILE *f, const struct status *s)
{
	const struct store_stats	*st = &s->st.stats;

	fputs("<h2>Members and data</h2>\n<dl id=\"figures\">\n", f);
	figure(f, "members-mastodon", "Members on Mastodon",
	    st->members[NETWORK_MASTODON]);
	figure(f, "members-bluesky", "Members on Bluesky",
	    st->members[NETWORK_BLUESKY]);
	figure(f, "members-total", "Members in all",
	    st->members[NETWORK_MASTODON] + st->members[NETWORK_BLUESKY]);
	figure(f, "claims-verified", "X claims verified", st->claims_proven);
	figure(f, "claims-unproven", "X claims not verified",
	    st->claims - st->claims_proven);
	figure(f, "uploads", "Archives and imports", st->uploads);
	figure(f, "edges", "Follow edges", st->edges);
	figure(f, "suggestions", "Suggestions", s->st.suggestions);
	figure(f, "members-suggested", "Members with suggestions",
	    s->st.members_suggested);
	fputs("</dl>\n<p class=\"note\" id=\"match\">", f);
	if (s->st.match_at == 0)
		fputs("No match has run yet.", f);
	else {
		fputs("Suggestions as of the match of ", f);
		text(f, s->match_at_local);
		fputs(".", f);
	}
	fputs("</p>\n", f);
}

static void
outbox(FILE *f, const struct status *s)
{
	const struct store_status	*st = &s->st;
	int64_t				 sum[OUTBOX_STATE_COUNT], all;
	char				 pct[16];
	size_t				 i;
	int				 k;

	fputs("<h2>Outbox</h2>\n", f);
	if (st->nkinds == 0) {
		fputs("<p id=\"outbox-empty\">Nothing queued yet.</p>\n", f);
		return;
	}
	memset(sum, 0, sizeof(sum));
	fputs("<table id=\"outbox\"><thead><tr><th scope=\"col\">Kind</th>",
	    f);
	for (k = 0; k < OUTBOX_STATE_COUNT; k++)
		fprintf(f, "<th scope=\"col\" class=\"n\">%s</th>",
		    store_outbox_state_name(k));
	fputs("<th scope=\"col\" class=\"n\">total</th></tr></thead>\n<tbody>",
	    f);
	for (i = 0; i < st->nkinds; i++) {
		fputs("<tr data-kind=\"", f);
		text(f, st->kinds[i].kind);
		fputs("\"><th scope=\"row\">", f);
		text(f, st->kinds[i].kind);
		fputs("</th>", f);
		for (k = all = 0; k < OUTBOX_STATE_COUNT; k++) {
			fprintf(f, "<td class=\"n\" data-state=\"%s\">",
			    store_outbox_state_name(k));
			number(f, st->kinds[i].n[k]);
			fputs("</td>", f);
			sum[k] += st->kinds[i].n[k];
			all += st->kinds[i].n[k];
		}
		fputs("<td class=\"n\" data-state=\"total\">", f);
		number(f, all);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody><tfoot><tr data-kind=\"all\"><th scope=\"row\">all</th>",
	    f);
	for (k = all = 0; k < OUTBOX_STATE_COUNT; k++) {
		fprintf(f, "<td class=\"n\" data-state=\"%s\">",
		    store_outbox_state_name(k));
		number(f, sum[k]);
		fputs("</td>", f);
		all += sum[k];
	}
	fputs("<td class=\"n\" data-state=\"total\">", f);
	number(f, all);
	fputs("</td></tr></tfoot></table>\n<p id=\"delivered\">Delivered ", f);
	number(f, s->delivered);
	fputs(" of ", f);
	number(f, s->deliverable);
	status_percent(pct, sizeof(pct), s->delivered, s->deliverable);
	fprintf(f, " (%s)</p>\n<p class=\"note\">Cancelled messages (members"
	    " who stopped messages or were forgotten) are not counted as"
	    " to deliver.</p>\n", pct);
}

static void
scheduled(FILE *f, const struct status *s)
{
	size_t	i;

	fputs("<h2>Next scheduled posts</h2>\n", f);
	if (s->nposts == 0) {
		fputs("<p id=\"scheduled-empty\">No scheduled post is"
		    " pending.</p>\n", f);
		return;
	}
	fputs("<table id=\"scheduled\"><thead><tr><th scope=\"col\">When</th>"
	    "<th scope=\"col\">Kind</th><th scope=\"col\">Bot</th>"
	    "<th scope=\"col\">Text</th><th scope=\"col\" class=\"n\">#</th>"
	    "</tr></thead>\n<tbody>", f);
	for (i = 0; i < s->nposts; i++) {
		fputs("<tr><td>", f);
		text(f, s->posts[i].run_at_local);
		fputs("</td><td>", f);
		text(f, s->posts[i].kind);
		fputs("</td><td>", f);
		text(f, s->posts[i].bot != NULL ? s->posts[i].bot : "-");
		fputs("</td><td class=\"text\">", f);
		text(f, s->posts[i].text);
		fprintf(f, "</td><td class=\"n\">%" PRId64 "</td></tr>\n",
		    s->posts[i].id);
	}
	fputs("</tbody></table>\n", f);
}

char *
status_page_html(const struct status *s, size_t *len)
{
	char		*buf = NULL, iso[32];
	size_t		 n = 0;
	time_t		 t = (time_t)s->now;
	struct tm	 tm;
	FILE		*f;

	if ((f = open_memstream(&buf, &n)) == NULL)
		fatal("open_memstream");
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		iso[0] = '\0';
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width,"
	    " initial-scale=1\"><meta name=\"robots\" content=\"noindex\">"
	    "<title>quitx: campaign status</title><style>%s</style></head>\n"
	    "<body>\n<h1>Campaign status</h1>\n"
	    "<p class=\"note\">Rendered <time id=\"rendered\" datetime=\"%s\">",
	    style, iso);
	text(f, s->now_local);
	fputs("</time> (", f);
	text(f, s->timezone);
	fputs("). Reload the page to update it.</p>\n"
	    "<h2>Registrations per day</h2>\n", f);
	chart(f, s);
	figures(f, s);
	outbox(f, s);
	scheduled(f, s);
	fputs("<p class=\"note\">quitx " QUITX_VERSION ". For the campaign"
	    " team: serve this page only behind the reverse proxy's"
	    " authentication.</p>\n</body></html>\n", f);
	if (fclose(f) != 0)
		fatal("open_memstream");
	if (len != NULL)
		*len = n;
	return buf;
}

int
status_request(struct lws *wsi, struct httpd_pss *pss)
{
	static const char *const headers[] = {
		"content-security-policy:", STATUS_PAGE_CSP,
		"referrer-policy:", "no-referrer",
		"x-robots-tag:", "noindex",
		NULL,
	};
	struct daemon_state	*ds = lws_context_user(lws_get_context(wsi));
	struct status		 s;
	char			*body;
	size_t			 len;

	if (status_collect(ds->store, ds->conf->campaign.timezone,
	    (int64_t)time(NULL), &s) == -1) {
		log_warnx("status page: the store does not answer: %s",
		    store_errmsg(ds->store));
		return httpd_respond(wsi, pss, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "text/plain", xstrdup("store unavailable\n"), 18);
	}
	body = status_page_html(&s, &len);
	status_free(&s);
	return httpd_respond_headers(wsi, pss, HTTP_STATUS_OK,
	    "text/html; charset=utf-8", headers, body, len);
}
