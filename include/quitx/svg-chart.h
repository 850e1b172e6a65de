/*
 * svg-chart: a stacked bar chart as a standalone SVG document, a pure
 * function of its data (no I/O, no clock, no locale), so that the same
 * input always draws the same bytes.
 */
#ifndef QUITX_SVG_CHART_H
#define QUITX_SVG_CHART_H

#include <stddef.h>
#include <stdint.h>

struct svg_chart {
	const char		*title;		/* <title> and aria-label */
	const char		*desc;		/* <desc>, or NULL */
	const char *const	*labels;	/* ncolumns, under the bars */
	size_t			 ncolumns;
	const char *const	*series;	/* nseries: the legend */
	size_t			 nseries;
	const int64_t		*values;	/* [column * nseries + series] */
	const char		*empty;		/* shown when ncolumns is 0 */
};

/*
 * One bar per column (a <g class="bar"> with a <title> naming its
 * label and values), its series stacked bottom up, under a legend, with
 * a y axis of round numbers and as many labels under the bars as fit
 * (every k-th).  Every text is escaped; negative values count as 0.
 * The document has no XML declaration, so it can also be put inline in
 * HTML as is.  malloc'd, its length in *len when len is not NULL.
 */
char	*svg_chart_bars(const struct svg_chart *c, size_t *len);

#endif
