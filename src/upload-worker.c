/*
 * upload-worker: one thread, a queue in, a list out, an eventfd between.
 */
#define LOG_TAG "upload"
#include "quitx/upload-worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "quitx/log.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

struct upload_worker {
	char			*store_path;
	struct zipread_limits	 limits;
	upload_done_fn		 done;
	void			*arg;
	int			 efd;
	int			 efd_lws;	/* lws closes it */
	struct lws		*wsi;		/* the eventfd, in the loop */

	pthread_t		 thread;
	int			 running;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct upload_job	*queue, *finished;	/* under mu */
	size_t			 pending;		/* under mu */
	int			 stop;			/* under mu */
};

static void
append(struct upload_job **list, struct upload_job *job)
{
	while (*list != NULL)
		list = &(*list)->next;
	job->next = NULL;
	*list = job;
}

static void
delete_spool(struct upload_job *job)
{
	size_t	i;

	for (i = 0; i < job->nfiles; i++)
		if (job->files[i].path != NULL &&
		    unlink(job->files[i].path) == -1 && errno != ENOENT)
			log_warn("cannot delete %s", job->files[i].path);
}

/*
 * The job is done, read or refused: its raw bytes go, and it goes back
 * to the loop.  Every job ends here, or a member would wait for ever.
 */
static void
finish(struct upload_worker *w, struct upload_job *job)
{
	delete_spool(job);
	pthread_mutex_lock(&w->mu);
	append(&w->finished, job);
	pthread_mutex_unlock(&w->mu);
	if (eventfd_write(w->efd, 1) == -1)
		log_warn("eventfd");
}

static void
run_job(struct upload_worker *w, struct store *st, struct upload_job *job)
{
	struct ingest	*g;
	size_t		 i;
	int64_t		 now = (int64_t)time(NULL);

	if ((g = ingest_new(st, job->member_id, UPLOAD_ARCHIVE, now)) == NULL) {
		job->failed = 1;
		job->err = INGEST_STORE;
		job->detail = xstrdup("the store failed");
		finish(w, job);
		return;
	}
	for (i = 0; i < job->nfiles; i++)
		if (ingest_named(g, job->files[i].path, job->files[i].name,
		    &w->limits) == -1)
			break;
	if (ingest_finish(g, (int64_t)time(NULL), &job->res) == -1) {
		job->failed = 1;
		job->err = ingest_errcode(g);
		job->detail = xstrdup(ingest_error(g));
	}
	/* the member hears now; old edges are deleted after (ingest_free) */
	finish(w, job);
	ingest_free(g);
}

static void *
worker_main(void *arg)
{
	struct upload_worker	*w = arg;
	struct upload_job	*job;
	struct store		*st = NULL;
	char			 err[512];

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->queue == NULL && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop)
			break;
		job = w->queue;
		w->queue = job->next;
		pthread_mutex_unlock(&w->mu);
		/* a connection of its own: the loop keeps using the other */
		if (st == NULL && store_open(w->store_path, &st, err,
		    sizeof(err)) == -1) {
			log_warnx("%s", err);
			st = NULL;
		}
		if (st != NULL)
			run_job(w, st, job);
		else {
			job->failed = 1;
			job->err = INGEST_STORE;
			job->detail = xstrdup("the store cannot be opened");
			finish(w, job);
		}
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	if (st != NULL)
		store_close(st);
	return NULL;
}

/* The loop side: hand each finished job to its owner. */
static int
worker_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct upload_worker	*w = lws_get_opaque_user_data(wsi);
	struct upload_job	*list, *job;
	eventfd_t		 v;

	(void)user;
	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (w == NULL)
			break;
		(void)eventfd_read(w->efd, &v);
		pthread_mutex_lock(&w->mu);
		list = w->finished;
		w->finished = NULL;
		pthread_mutex_unlock(&w->mu);
		while ((job = list) != NULL) {
			list = job->next;
			job->next = NULL;
			pthread_mutex_lock(&w->mu);
			w->pending--;
			pthread_mutex_unlock(&w->mu);
			w->done(job, w->arg);
		}
		break;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (w != NULL)
			w->wsi = NULL;
		break;
	default:
		break;
	}
	return 0;
}

const struct lws_protocols upload_worker_protocol = {
	"quitx-upload-worker", worker_callback, 0, 0, 0, NULL, 0,
};

struct upload_worker *
upload_worker_new(struct lws_vhost *vh, const char *store_path,
    const struct zipread_limits *l, upload_done_fn done, void *arg)
{
	struct upload_worker	*w = xcalloc(1, sizeof(*w));
	lws_sock_file_fd_type	 fd;

	w->store_path = xstrdup(store_path);
	w->limits = *l;
	w->done = done;
	w->arg = arg;
	w->efd = -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if ((w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		log_warn("eventfd");
		goto fail;
	}
	fd.filefd = w->efd;
	if ((w->wsi = lws_adopt_descriptor_vhost(vh, LWS_ADOPT_RAW_FILE_DESC,
	    fd, upload_worker_protocol.name, NULL)) == NULL) {
		log_warnx("cannot watch the upload worker in the event loop");
		goto fail;
	}
	w->efd_lws = 1;
	lws_set_opaque_user_data(w->wsi, w);
	if ((errno = pthread_create(&w->thread, NULL, worker_main, w)) != 0) {
		log_warn("cannot start the upload worker");
		goto fail;
	}
	w->running = 1;
	return w;
fail:
	/* the loop lives on: its wsi must not reach a freed worker */
	if (w->wsi != NULL)
		lws_set_opaque_user_data(w->wsi, NULL);
	upload_worker_free(w);
	return NULL;
}

void
upload_worker_submit(struct upload_worker *w, struct upload_job *job)
{
	pthread_mutex_lock(&w->mu);
	append(&w->queue, job);
	w->pending++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

size_t
upload_worker_pending(struct upload_worker *w)
{
	size_t	n;

	pthread_mutex_lock(&w->mu);
	n = w->pending;
	pthread_mutex_unlock(&w->mu);
	return n;
}

void
upload_job_free(struct upload_job *job)
{
	size_t	i;

	if (job == NULL)
		return;
	delete_spool(job);
	for (i = 0; i < job->nfiles; i++) {
		free(job->files[i].path);
		free(job->files[i].name);
	}
	free(job->files);
	free(job->detail);
	ingest_result_clear(&job->res);
	free(job);
}

void
upload_worker_stop(struct upload_worker *w)
{
	if (w == NULL || !w->running)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	w->running = 0;
}

void
upload_worker_free(struct upload_worker *w)
{
	struct upload_job	*job;

	if (w == NULL)
		return;
	upload_worker_stop(w);
	while ((job = w->queue) != NULL) {
		w->queue = job->next;
		upload_job_free(job);
	}
	while ((job = w->finished) != NULL) {
		w->finished = job->next;
		upload_job_free(job);
	}
	/* once adopted, the eventfd is the loop's to close, with its wsi */
	if (!w->efd_lws && w->efd != -1)
		close(w->efd);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->store_path);
	free(w);
}
