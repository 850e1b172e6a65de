/*
 * httpd: the daemon's local HTTP endpoint (behind the team's reverse
 * proxy): GET /healthz, GET /metrics, the team's GET /status
 * (status-page.c), the members' upload pages under /u/ (upload.c) and
 * their follows-import files under /f/ (follows.c).
 */
#ifndef QUITX_HTTPD_H
#define QUITX_HTTPD_H

#include <libwebsockets.h>

/* The protocol entry to put first in the vhost's protocol list. */
extern const struct lws_protocols httpd_protocol;

/* Size of the per-connection state the protocol needs. */
size_t	httpd_pss_size(void);

struct upload_job;

/*
 * The upload worker's done callback (upload-worker.h): answers the
 * member still waiting, if they are.
 */
void	upload_job_done(struct upload_job *job, void *arg);

#endif
