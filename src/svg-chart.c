/*
 * svg-chart: stacked bars in SVG (svg-chart.h).
 *
 * Sizes are in the viewBox's units; the page scales the drawing.  Fonts
 * and colours are presentation attributes, not style, so a page whose
 * policy forbids styles still shows them.
 */
#define LOG_TAG "svg-chart"
#include "quitx/svg-chart.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "quitx/log.h"
#include "quitx/markup.h"
#include "quitx/stats.h"

#define WIDTH		800
#define HEIGHT		320
#define LEFT		72	/* room for the y axis' numbers */
#define RIGHT		16
#define TOP		44	/* the legend */
#define BOTTOM		40	/* the labels under the bars */
#define PLOT_W		(WIDTH - LEFT - RIGHT)
#define PLOT_H		(HEIGHT - TOP - BOTTOM)
/* the room a label under the bars takes: a date, with a gap */
#define LABEL_W		80
/* the y axis has at most this many steps */
#define Y_STEPS		5

static const char *const palette[] = {
	"#6364ff",	/* Mastodon's purple */
	"#1185fe",	/* Bluesky's blue */
	"#e07b39",
	"#2e9d5b",
};
#define NCOLOURS	(sizeof(palette) / sizeof(palette[0]))

/* 1234567 -> "1,234,567" */
static void
grouped(FILE *f, int64_t v)
{
	char	buf[32];

	fputs(stats_grouped(buf, sizeof(buf), v), f);
}

static int64_t
value(const struct svg_chart *c, size_t col, size_t s)
{
	int64_t	v = c->values[col * c->nseries + s];

	return v > 0 ? v : 0;
}

/*
 * The y axis' step: 1, 2 or 5 times a power of ten, the smallest that
 * reaches max in Y_STEPS steps.  Never 0, so nothing divides by it.
 */
static int64_t
y_step(int64_t max)
{
	static const int64_t	 f[] = { 1, 2, 5 };
	int64_t			 mag;
	size_t			 i;

	for (mag = 1; mag <= INT64_MAX / 50; mag *= 10)
		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			if (f[i] * mag * Y_STEPS >= max)
				return f[i] * mag;
	return mag;
}

static void
legend(FILE *f, const struct svg_chart *c)
{
	size_t	s;
	int	x = LEFT;

	fputs("<g class=\"legend\">", f);
	for (s = 0; s < c->nseries; s++) {
		fprintf(f, "<rect x=\"%d\" y=\"14\" width=\"12\" height=\"12\""
		    " fill=\"%s\"/><text x=\"%d\" y=\"24\">", x,
		    palette[s % NCOLOURS], x + 18);
		markup_escape(f, c->series[s]);
		fputs("</text>", f);
		/* a rough width: the legend has two or three short names */
		x += 18 + 7 * (int)strlen(c->series[s]) + 24;
	}
	fputs("</g>", f);
}

static void
y_axis(FILE *f, int64_t top, int64_t step)
{
	int64_t	v;
	double	y;

	fputs("<g class=\"y-axis\">", f);
	for (v = 0; v <= top; v += step) {
		y = TOP + PLOT_H - (double)v * PLOT_H / (double)top;
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\""
		    " stroke=\"%s\"/><text x=\"%d\" y=\"%.1f\""
		    " text-anchor=\"end\">", LEFT, y, WIDTH - RIGHT, y,
		    v == 0 ? "#333" : "#ddd", LEFT - 6, y + 4);
		grouped(f, v);
		fputs("</text>", f);
	}
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\""
	    " stroke=\"#333\"/></g>", LEFT, TOP, LEFT, TOP + PLOT_H);
}

/* One column: its bar (series stacked) and a <title> with its figures. */
static void
bar(FILE *f, const struct svg_chart *c, size_t col, int64_t top)
{
	double	cw = (double)PLOT_W / (double)c->ncolumns;
	double	bw = cw >= 4 ? cw * 0.8 : cw;
	double	x = LEFT + (double)col * cw + (cw - bw) / 2;
	double	base = TOP + PLOT_H, h;
	size_t	s;
	int64_t	v;

	fputs("<g class=\"bar\"><title>", f);
	markup_escape(f, c->labels[col]);
	for (s = 0; s < c->nseries; s++) {
		fputs(s == 0 ? ": " : ", ", f);
		markup_escape(f, c->series[s]);
		fputc(' ', f);
		grouped(f, value(c, col, s));
	}
	fputs("</title>", f);
	for (s = 0; s < c->nseries; s++) {
		if ((v = value(c, col, s)) == 0)
			continue;
		h = (double)v * PLOT_H / (double)top;
		base -= h;
		fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\""
		    " height=\"%.2f\" fill=\"%s\"/>", x, base, bw, h,
		    palette[s % NCOLOURS]);
	}
	fputs("</g>", f);
}

/* As many labels as fit under the bars: every k-th, from the first. */
static void
x_labels(FILE *f, const struct svg_chart *c)
{
	double	cw = (double)PLOT_W / (double)c->ncolumns;
	size_t	col, every = (c->ncolumns * LABEL_W + PLOT_W - 1) / PLOT_W;

	if (every == 0)
		every = 1;
	fputs("<g class=\"x-axis\" text-anchor=\"middle\">", f);
	for (col = 0; col < c->ncolumns; col += every) {
		fprintf(f, "<text x=\"%.1f\" y=\"%d\">",
		    LEFT + ((double)col + 0.5) * cw, TOP + PLOT_H + 18);
		markup_escape(f, c->labels[col]);
		fputs("</text>", f);
	}
	fputs("</g>", f);
}

char *
svg_chart_bars(const struct svg_chart *c, size_t *len)
{
	char	*buf = NULL;
	size_t	 n = 0, col, s;
	int64_t	 max = 0, total, step, top;
	FILE	*f;

	for (col = 0; col < c->ncolumns; col++) {
		total = 0;
		for (s = 0; s < c->nseries; s++)
			total += value(c, col, s);
		if (total > max)
			max = total;
	}
	step = y_step(max);
	top = max == 0 ? step : (max + step - 1) / step * step;

	if ((f = open_memstream(&buf, &n)) == NULL)
		fatal("open_memstream");
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0"
	    " %d %d\" width=\"%d\" height=\"%d\" role=\"img\""
	    " font-family=\"sans-serif\" font-size=\"12\" fill=\"#222\""
	    " aria-label=\"", WIDTH, HEIGHT, WIDTH, HEIGHT);
	markup_escape(f, c->title);
	fputs("\"><title>", f);
	markup_escape(f, c->title);
	fputs("</title>", f);
	if (c->desc != NULL) {
		fputs("<desc>", f);
		markup_escape(f, c->desc);
		fputs("</desc>", f);
	}
	legend(f, c);
	y_axis(f, top, step);
	if (c->ncolumns == 0) {
		fprintf(f, "<text class=\"empty\" x=\"%d\" y=\"%d\""
		    " text-anchor=\"middle\">", LEFT + PLOT_W / 2,
		    TOP + PLOT_H / 2);
		markup_escape(f, c->empty != NULL ? c->empty : "");
		fputs("</text>", f);
	} else {
		fputs("<g class=\"bars\">", f);
		for (col = 0; col < c->ncolumns; col++)
			bar(f, c, col, top);
		fputs("</g>", f);
		x_labels(f, c);
	}
	fputs("</svg>\n", f);
	if (fclose(f) != 0)
		fatal("open_memstream");
	if (len != NULL)
		*len = n;
	return buf;
}
