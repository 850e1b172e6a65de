/*
 * demo-view: what the demo shows while it runs.  On a terminal, one
 * block of lines redrawn in place (the cursor goes back up over it);
 * otherwise (a log, CI) a plain line at each phase and every few
 * seconds, so that a file of it reads top to bottom.
 *
 * The figures come from the store (read-only) and the peers' counters:
 * what the daemon did, not what the script believes it asked for.
 */
#include "demo-internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "quitx/clock.h"

#define VIEW_LINES	9
#define ZONE		"Europe/Paris"
#define TTY_EVERY_MS	250
#define PLAIN_EVERY_MS	5000

static int64_t	last_ms;
static int	drawn;		/* lines on the screen to redraw over */

struct figures {
	long long	members, verified, uploads, matches, sent, queued;
	long long	countdown, r429;
};

static void
figures(struct demo *d, struct figures *f)
{
	long long	a, b;

	f->members = demo_db_int(d, "SELECT count(*) FROM member", NULL);
	f->verified = demo_db_int(d, "SELECT count(*) FROM x_claim WHERE"
	    " proof <> 'none'", NULL);
	f->uploads = demo_db_int(d, "SELECT count(*) FROM x_upload WHERE"
	    " completed_at IS NOT NULL", NULL);
	f->matches = demo_db_int(d, "SELECT count(*) FROM suggestion", NULL);
	f->sent = demo_db_int(d, "SELECT count(*) FROM outbox WHERE"
	    " state = 'sent'", NULL);
	f->queued = demo_db_int(d, "SELECT count(*) FROM outbox WHERE"
	    " state IN ('queued', 'sending')", NULL);
	f->countdown = demo_db_int(d, "SELECT count(*) FROM scheduled_post"
	    " WHERE kind = 'countdown' AND state = 'queued'", NULL);
	f->r429 = -1;
	/* a look that fails (a busy peer) is not the demo's failure */
	if (d->masto.base != NULL && d->bsky.base != NULL &&
	    (a = demo_peer_stat_try(d, &d->masto, "rate_limited")) >= 0 &&
	    (b = demo_peer_stat_try(d, &d->bsky, "rate_limited")) >= 0)
		f->r429 = a + b;
}

static long long
shown(long long v)
{
	return v < 0 ? 0 : v;
}

/* The daemon's simulated time, as the campaign's zone reads it. */
static void
sim_time(struct demo *d, char *buf, size_t size)
{
	struct timeval	tv;
	double		real;

	if (d->sim_start == 0) {
		snprintf(buf, size, "-");
		return;
	}
	gettimeofday(&tv, NULL);
	real = (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
	clock_format_in(ZONE, d->sim_start + (int64_t)((real -
	    (double)d->sim_anchor) * d->sim_speed), buf, size);
}

/* Redraw (a terminal) or print a line (not one), at most so often. */
void
demo_view(struct demo *d, int force)
{
	struct figures	f;
	char		sim[64];
	int64_t		now = demo_now_ms();
	double		secs = (double)(now - d->started_ms) / 1000.0;

	if (!force && now - last_ms < (d->tty ? TTY_EVERY_MS : PLAIN_EVERY_MS))
		return;
	last_ms = now;
	figures(d, &f);
	sim_time(d, sim, sizeof(sim));
	if (!d->tty) {
		printf("[%6.1fs] %-26s %s; members %lld, uploads %lld, matches "
		    "%lld, outbox %lld sent / %lld queued, countdown %lld, "
		    "429s %lld\n", secs, d->phase, sim, shown(f.members),
		    shown(f.uploads), shown(f.matches), shown(f.sent),
		    shown(f.queued), shown(f.countdown), shown(f.r429));
		fflush(stdout);
		return;
	}
	if (drawn > 0)
		printf("\033[%dA", drawn);
	printf("\033[K  quitx demo: %d people, %g simulated day%s a second"
	    "  (%.1f s)\n", d->members, d->speed, d->speed == 1 ? "" : "s",
	    secs);
	printf("\033[K  phase          %s\n", d->phase);
	printf("\033[K  clock          %s (the daemon's, simulated)\n", sim);
	printf("\033[K  registered     %lld members, %lld claims proven\n",
	    shown(f.members), shown(f.verified));
	printf("\033[K  uploads        %lld archives read\n", shown(f.uploads));
	printf("\033[K  matches        %lld suggestions\n", shown(f.matches));
	printf("\033[K  countdown      %lld posts\n", shown(f.countdown));
	printf("\033[K  outbox         %lld sent, %lld queued\n", shown(f.sent),
	    shown(f.queued));
	printf("\033[K  429s           %lld\n", shown(f.r429));
	drawn = VIEW_LINES;
	fflush(stdout);
}

/* The last figures stay on the screen; what follows goes below. */
void
demo_view_end(struct demo *d)
{
	demo_view(d, 1);
	drawn = 0;
}

void
demo_phase(struct demo *d, const char *phase)
{
	d->phase = phase;
	demo_view(d, 1);
}
