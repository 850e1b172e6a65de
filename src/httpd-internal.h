/*
 * httpd-internal: what httpd.c, upload.c (the /u/ pages), follows.c
 * (the /f/ files) and status-page.c (/status) share.
 */
#ifndef QUITX_HTTPD_INTERNAL_H
#define QUITX_HTTPD_INTERNAL_H

#include <libwebsockets.h>
#include <stddef.h>

struct upload_req;

struct httpd_pss {
	char			*body;
	size_t			 len, off;
	int			 head;		/* HEAD: headers only */
	int			 close_after;	/* unread body: no keep-alive */
	struct upload_req	*up;		/* a POST /u/<token> */
};

/*
 * Send the status line and headers, then write body (malloc'd, taken
 * over) from the writeable callback.  0, or -1 to close.
 */
int	httpd_respond(struct lws *wsi, struct httpd_pss *pss, unsigned status,
	    const char *type, char *body, size_t len);

/*
 * The same with extra headers: name/value pairs ("name:", "value") up
 * to a NULL name, or NULL.
 */
int	httpd_respond_headers(struct lws *wsi, struct httpd_pss *pss,
	    unsigned status, const char *type, const char *const *headers,
	    char *body, size_t len);

/* GET|HEAD /u/... and POST /u/<token>: the upload pages (upload.c). */
int	upload_request(struct lws *wsi, struct httpd_pss *pss, const char *uri,
	    int post);
/* A chunk of a POST body; its end. */
int	upload_body(struct lws *wsi, struct httpd_pss *pss, const void *in,
	    size_t len);
int	upload_body_done(struct lws *wsi, struct httpd_pss *pss);
/* The connection closed: a job still running answers nobody. */
void	upload_closed(struct httpd_pss *pss);

/* GET|HEAD /f/<token>: a member's follows-import file (follows.c). */
int	follows_request(struct lws *wsi, struct httpd_pss *pss,
	    const char *uri);

/* GET|HEAD /status: the campaign team's page (status-page.c). */
int	status_request(struct lws *wsi, struct httpd_pss *pss);

#endif
