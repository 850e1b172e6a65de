/*
 * upload-worker: ingests uploaded archives on a thread of its own, so a
 * member's 650 MB follower file never stalls the event loop (streams,
 * sends, other uploads keep going).  Jobs run one at a time, in order,
 * on the worker's own store connection; each finished job comes back to
 * the loop thread through an eventfd the loop watches.
 */
#ifndef QUITX_UPLOAD_WORKER_H
#define QUITX_UPLOAD_WORKER_H

#include <libwebsockets.h>
#include <stdint.h>

#include "quitx/ingest.h"
#include "quitx/zipread.h"

struct upload_file {
	char	*path;		/* the spooled copy: deleted once read */
	char	*name;		/* as the member's browser named it */
};

struct upload_job {
	int64_t			 member_id;
	struct upload_file	*files;
	size_t			 nfiles;

	/* set by the worker */
	int			 failed;
	enum ingest_err		 err;
	char			*detail;	/* ingest_error's text */
	struct ingest_result	 res;

	/* the loop's: who waits for it (NULL once they left) */
	void			*owner;
	struct upload_job	*next;
};

/* Called on the loop thread with each finished job (it owns it then). */
typedef void (*upload_done_fn)(struct upload_job *job, void *arg);

struct upload_worker;

/* The protocol that watches the worker's eventfd: add it to the vhost. */
extern const struct lws_protocols upload_worker_protocol;

struct upload_worker *upload_worker_new(struct lws_vhost *vh,
		    const char *store_path, const struct zipread_limits *l,
		    upload_done_fn done, void *arg);

/* Queue a job (from the loop thread). */
void	upload_worker_submit(struct upload_worker *w, struct upload_job *job);

/* Jobs queued or running. */
size_t	upload_worker_pending(struct upload_worker *w);

/* Delete the job's spooled files (if still there) and free it. */
void	upload_job_free(struct upload_job *job);

/* Finish the job running and stop the thread; queued jobs stay. */
void	upload_worker_stop(struct upload_worker *w);

/*
 * Stop, then free the jobs left.  Their connections must be closed
 * first (they point at the jobs): after the event loop is destroyed.
 */
void	upload_worker_free(struct upload_worker *w);

#endif
