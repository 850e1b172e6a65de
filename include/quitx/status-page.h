/*
 * status-page: GET /status, the campaign team's page: registrations per
 * day as a chart, the key figures, the outbox's progress by kind and the
 * next scheduled posts.  One self-contained HTML document (inline style,
 * inline SVG, no script, nothing fetched), served with a policy that
 * forbids everything else.  It shows the campaign's figures and the
 * posts planned before they are public: the reverse proxy must put it
 * behind the team's authentication.
 */
#ifndef QUITX_STATUS_PAGE_H
#define QUITX_STATUS_PAGE_H

#include <stddef.h>

#include "quitx/status.h"

/* The Content-Security-Policy the page is served with. */
#define STATUS_PAGE_CSP \
	"default-src 'none'; style-src 'unsafe-inline'; img-src data:; " \
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

/*
 * The page for s, every text from the store escaped.  A pure function
 * of s: malloc'd, its length in *len when len is not NULL.
 */
char	*status_page_html(const struct status *s, size_t *len);

#endif
