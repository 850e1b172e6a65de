/*
 * test-svg-chart: the chart is a well-formed SVG document (parsed by
 * libxml2, strictly) for 0, 1, 31 and 400 columns and for all-zero
 * counts; the bars have the heights their values say; hostile labels
 * come out as text, not markup.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "quitx/svg-chart.h"
#include "quitx/xmalloc.h"

#define SVG_NS	"http://www.w3.org/2000/svg"

static const char *const two[] = { "Mastodon", "Bluesky" };

struct drawn {
	char			*svg;
	xmlDocPtr		 doc;
	xmlXPathContextPtr	 xp;
};

/* Draw and parse; any parse error (not well-formed) fails the test. */
static void
draw(struct drawn *d, const struct svg_chart *c)
{
	size_t	len;

	d->svg = svg_chart_bars(c, &len);
	assert_non_null(d->svg);
	assert_int_equal(strlen(d->svg), len);
	d->doc = xmlReadMemory(d->svg, (int)len, "chart.svg", "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (d->doc == NULL)
		fail_msg("not well-formed XML:\n%s", d->svg);
	d->xp = xmlXPathNewContext(d->doc);
	xmlXPathRegisterNs(d->xp, (const xmlChar *)"s",
	    (const xmlChar *)SVG_NS);
	/* no number came out as nan or inf (a division by zero) */
	assert_null(strstr(d->svg, "nan"));
	assert_null(strstr(d->svg, "inf"));
}

static void
drawn_free(struct drawn *d)
{
	xmlXPathFreeContext(d->xp);
	xmlFreeDoc(d->doc);
	free(d->svg);
}

static int
count(struct drawn *d, const char *xpath)
{
	xmlXPathObjectPtr	o;
	int			n;

	o = xmlXPathEvalExpression((const xmlChar *)xpath, d->xp);
	assert_non_null(o);
	n = o->nodesetval != NULL ? o->nodesetval->nodeNr : 0;
	xmlXPathFreeObject(o);
	return n;
}

/* The text of the first node xpath finds (free it), or NULL. */
static char *
text_of(struct drawn *d, const char *xpath)
{
	xmlXPathObjectPtr	 o;
	xmlChar			*t;
	char			*s = NULL;

	o = xmlXPathEvalExpression((const xmlChar *)xpath, d->xp);
	assert_non_null(o);
	if (o->nodesetval != NULL && o->nodesetval->nodeNr > 0) {
		t = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
		s = xstrdup((const char *)t);
		xmlFree(t);
	}
	xmlXPathFreeObject(o);
	return s;
}

static void
assert_text(struct drawn *d, const char *xpath, const char *want)
{
	char	*got = text_of(d, xpath);

	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: want \"%s\", got \"%s\"", xpath, want,
		    got != NULL ? got : "(none)");
	free(got);
}

/* n days of dates and values (day i: i % 7 on Mastodon, 2 * i on Bluesky). */
static void
days(size_t n, char ***labels, int64_t **values)
{
	size_t	i;

	*labels = xcalloc(n + 1, sizeof(**labels));
	*values = xcalloc(2 * n + 1, sizeof(**values));
	for (i = 0; i < n; i++) {
		(*labels)[i] = xasprintf("day-%zu", i);
		(*values)[2 * i] = (int64_t)(i % 7);
		(*values)[2 * i + 1] = (int64_t)(2 * i);
	}
}

static void
days_free(size_t n, char **labels, int64_t *values)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
	free(values);
}

/* 0, 1, 2, 31 and 400 days: one bar group per day, labels thinned. */
static void
test_columns(void **state)
{
	static const size_t	 ns[] = { 0, 1, 2, 31, 400 };
	struct drawn		 d;
	char			**labels;
	int64_t			*values;
	size_t			 i;
	int			 nlabels;

	(void)state;
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		days(ns[i], &labels, &values);
		draw(&d, &(struct svg_chart){ .title = "Registrations",
		    .desc = "per day", .labels = (const char *const *)labels,
		    .ncolumns = ns[i], .series = two, .nseries = 2,
		    .values = values, .empty = "No registrations yet" });
		/* a standalone document, named for screen readers */
		assert_int_equal(count(&d, "/s:svg[@role='img']"
		    "[@aria-label='Registrations']"), 1);
		assert_text(&d, "/s:svg/s:title", "Registrations");
		assert_text(&d, "/s:svg/s:desc", "per day");
		assert_int_equal(count(&d, "//s:g[@class='bar']"), ns[i]);
		/* the legend names both networks */
		assert_text(&d, "//s:g[@class='legend']/s:text[1]", "Mastodon");
		assert_text(&d, "//s:g[@class='legend']/s:text[2]", "Bluesky");
		nlabels = count(&d, "//s:g[@class='x-axis']/s:text");
		if (ns[i] == 0) {
			assert_text(&d, "//s:text[@class='empty']",
			    "No registrations yet");
			assert_int_equal(nlabels, 0);
		} else {
			/* the first day is labelled; labels never crowd */
			assert_text(&d, "//s:g[@class='x-axis']/s:text[1]",
			    "day-0");
			assert_true(nlabels >= 1 && nlabels <= 9);
			if (ns[i] <= 9)
				assert_int_equal(nlabels, ns[i]);
			/* each bar says its day and figures */
			if (ns[i] == 400)
				assert_text(&d, "//s:g[@class='bar'][400]/"
				    "s:title", "day-399: Mastodon 0, Bluesky"
				    " 798");
		}
		drawn_free(&d);
		days_free(ns[i], labels, values);
	}
}

/* Every count 0: bars without rectangles, an axis from 0 to 1. */
static void
test_zero_counts(void **state)
{
	static const char *const labels[] = { "a", "b", "c" };
	static const int64_t	 zeros[6] = { 0 };
	struct drawn		 d;

	(void)state;
	draw(&d, &(struct svg_chart){ .title = "t", .labels = labels,
	    .ncolumns = 3, .series = two, .nseries = 2, .values = zeros });
	assert_int_equal(count(&d, "//s:g[@class='bar']"), 3);
	assert_int_equal(count(&d, "//s:g[@class='bar']/s:rect"), 0);
	assert_int_equal(count(&d, "//s:g[@class='y-axis']/s:text"), 2);
	assert_text(&d, "//s:g[@class='y-axis']/s:text[1]", "0");
	assert_text(&d, "//s:g[@class='y-axis']/s:text[2]", "1");
	assert_text(&d, "//s:g[@class='bar'][2]/s:title",
	    "b: Mastodon 0, Bluesky 0");
	drawn_free(&d);
}

static double
attr(struct drawn *d, const char *xpath, const char *name)
{
	xmlXPathObjectPtr	 o;
	xmlChar			*v;
	double			 x;

	o = xmlXPathEvalExpression((const xmlChar *)xpath, d->xp);
	assert_non_null(o);
	assert_non_null(o->nodesetval);
	assert_true(o->nodesetval->nodeNr > 0);
	v = xmlGetProp(o->nodesetval->nodeTab[0], (const xmlChar *)name);
	assert_non_null(v);
	x = strtod((const char *)v, NULL);
	xmlFree(v);
	xmlXPathFreeObject(o);
	return x;
}

/*
 * Heights follow the values: 10 + 30 on the tallest day reaches the
 * top of a 0-40 axis (steps of 10); 20 on the other day, half of it.
 */
static void
test_heights(void **state)
{
	static const char *const labels[] = { "d1", "d2" };
	static const int64_t	 v[] = { 10, 30, 20, 0 };
	struct drawn		 d;
	double			 full, m, b, y0, ytop;

	(void)state;
	draw(&d, &(struct svg_chart){ .title = "t", .labels = labels,
	    .ncolumns = 2, .series = two, .nseries = 2, .values = v });
	assert_int_equal(count(&d, "//s:g[@class='y-axis']/s:text"), 5);
	assert_text(&d, "//s:g[@class='y-axis']/s:text[5]", "40");
	y0 = attr(&d, "//s:g[@class='y-axis']/s:line[1]", "y1");
	ytop = attr(&d, "//s:g[@class='y-axis']/s:line[5]", "y1");
	full = y0 - ytop;
	assert_true(full > 100);
	m = attr(&d, "//s:g[@class='bar'][1]/s:rect[1]", "height");
	b = attr(&d, "//s:g[@class='bar'][1]/s:rect[2]", "height");
	assert_true(m > full / 4 - 0.05 && m < full / 4 + 0.05);
	assert_true(b > full * 3 / 4 - 0.05 && b < full * 3 / 4 + 0.05);
	/* stacked: Bluesky's bar sits on Mastodon's, the top at 40 */
	assert_true(attr(&d, "//s:g[@class='bar'][1]/s:rect[2]", "y") <
	    ytop + 0.05);
	/* the Mastodon bar of day 2, half the axis; no Bluesky rect */
	assert_int_equal(count(&d, "//s:g[@class='bar'][2]/s:rect"), 1);
	m = attr(&d, "//s:g[@class='bar'][2]/s:rect[1]", "height");
	assert_true(m > full / 2 - 0.05 && m < full / 2 + 0.05);
	/* big numbers are grouped on the axis: 1.2M in steps of 500,000 */
	drawn_free(&d);
	draw(&d, &(struct svg_chart){ .title = "t", .labels = labels,
	    .ncolumns = 1, .series = two, .nseries = 2,
	    .values = (const int64_t []){ 1200000, 0 } });
	assert_text(&d, "//s:g[@class='y-axis']/s:text[2]", "500,000");
	assert_text(&d, "//s:g[@class='y-axis']/s:text[last()]", "1,500,000");
	drawn_free(&d);
}

/* Markup, quotes, control bytes and broken UTF-8 in every text. */
static void
test_hostile_text(void **state)
{
	static const char *const labels[] = {
		"<script>alert(1)</script> & \"'",
		"\x01\x1b[31mred\xff\xfe",
	};
	static const char *const series[] = { "a<b>&amp;", "\"/><x y='" };
	static const int64_t	 v[] = { 1, 2, 3, 4 };
	struct drawn		 d;

	(void)state;
	draw(&d, &(struct svg_chart){ .title = "T & <t>", .desc = "</desc>",
	    .labels = labels, .ncolumns = 2, .series = series, .nseries = 2,
	    .values = v, .empty = "" });
	assert_null(strstr(d.svg, "<script"));
	assert_null(strstr(d.svg, "<x"));
	assert_null(strstr(d.svg, "<b>"));
	/* the same texts come back out of the parsed document */
	assert_text(&d, "/s:svg/s:title", "T & <t>");
	assert_int_equal(count(&d, "/s:svg[@aria-label='T & <t>']"), 1);
	assert_text(&d, "/s:svg/s:desc", "</desc>");
	assert_text(&d, "//s:g[@class='legend']/s:text[1]", "a<b>&amp;");
	assert_text(&d, "//s:g[@class='legend']/s:text[2]", "\"/><x y='");
	assert_text(&d, "//s:g[@class='x-axis']/s:text[1]",
	    "<script>alert(1)</script> & \"'");
	/* control bytes dropped, bad bytes as U+FFFD */
	assert_text(&d, "//s:g[@class='x-axis']/s:text[2]",
	    "[31mred\xef\xbf\xbd\xef\xbf\xbd");
	assert_int_equal(count(&d, "//s:g[@class='bar']"), 2);
	drawn_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_zero_counts),
		cmocka_unit_test(test_heights),
		cmocka_unit_test(test_hostile_text),
	};
	int	rc;

	xmlInitParser();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return rc;
}
