/*
 * httpd: the daemon's local HTTP endpoint (behind the team's reverse
 * proxy): GET /healthz and GET /metrics.  The upload page joins it later.
 */
#ifndef QUITX_HTTPD_H
#define QUITX_HTTPD_H

#include <libwebsockets.h>

/* The protocol entry to put first in the vhost's protocol list. */
extern const struct lws_protocols httpd_protocol;

/* Size of the per-connection state the protocol needs. */
size_t	httpd_pss_size(void);

#endif
