/*
 * bench-mastodon-frames: how many streaming frames quitx parses and
 * filters per second on one core.
 *
 * Each frame is what the streaming server sends for a mention: the
 * envelope, then the Notification inside the payload string, then the
 * status HTML turned into text.  Frames vary (ids, languages, lengths,
 * some follows) so that nothing is cached by accident.  Prints the
 * median of several runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "quitx/mastodon-parse.h"
#include "quitx/xmalloc.h"

#define FRAMES	20000
#define RUNS	7


static char *
make_frame(int i)
{
	json_t	*n, *acct, *status, *mentions, *frame;
	char	 content[1024], id[32], *payload, *out;

	snprintf(id, sizeof(id), "%d", 113000000 + i);
	switch (i % 3) {
	case 0:
		snprintf(content, sizeof(content), "<p><span class=\"h-card\" translate=\"no\"><a href=\"https://mastodon.example/@HelloQuitX\" class=\"u-url mention\">@<span>HelloQuitX</span></a></span> register @jack_%d please</p>", i);
		break;
	case 1:
		snprintf(content, sizeof(content), "<p><span class=\"h-card\"><a href=\"https://mastodon.example/@HelloQuitteX\" class=\"u-url mention\">@<span>HelloQuitteX</span></a></span> inscription, mon compte X est <a href=\"https://x.com/marie_%d\" rel=\"nofollow noopener\" target=\"_blank\"><span class=\"invisible\">https://</span><span class=\"\">x.com/marie_%d</span><span class=\"invisible\"></span></a> &amp; j&#39;arrive \U0001F680</p>", i, i);
		break;
	default:
		snprintf(content, sizeof(content), "<p>@<span>HelloQuitX</span> status?<br>thanks! %d</p><p>cc <a href=\"https://social.example/tags/QuitX\" class=\"mention hashtag\" rel=\"tag\">#<span>QuitX</span></a></p>", i);
	}
	acct = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:s}",
	    "id", id, "username", "member", "acct", "member@piaille.example",
	    "display_name", "Member", "bot", 0, "locked", 0,
	    "url", "https://piaille.example/@member");
	mentions = json_pack("[{s:s, s:s, s:s, s:s}]", "id", "1",
	    "username", "HelloQuitX", "acct", "HelloQuitX",
	    "url", "https://mastodon.example/@HelloQuitX");
	status = json_pack("{s:s, s:s, s:n, s:n, s:s, s:s, s:s, s:O, s:o}",
	    "id", id, "created_at", "2027-01-20T08:01:02.000Z",
	    "in_reply_to_id", "in_reply_to_account_id",
	    "visibility", i % 5 == 0 ? "direct" : "public",
	    "language", i % 2 ? "fr" : "en", "content", content,
	    "account", acct, "mentions", mentions);
	n = json_pack("{s:s, s:s, s:s, s:o}", "id", id,
	    "type", i % 10 == 9 ? "follow" : "mention",
	    "created_at", "2027-01-20T08:01:02.345Z", "account", acct);
	if (i % 10 != 9)
		json_object_set(n, "status", status);
	json_decref(status);
	payload = json_dumps(n, JSON_COMPACT);
	frame = json_pack("{s:[s], s:s, s:s}", "stream", "user:notification",
	    "event", "notification", "payload", payload);
	out = json_dumps(frame, JSON_COMPACT);
	free(payload);
	json_decref(frame);
	json_decref(n);
	return out;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(void)
{
	struct mastodon_notification	 n;
	enum mastodon_event		 ev;
	struct timespec			 t0, t1;
	char				**frames, *payload, err[128];
	double				 rates[RUNS];
	size_t				 bytes = 0;
	int				 i, r, kept;

	frames = xcalloc(FRAMES, sizeof(*frames));
	for (i = 0; i < FRAMES; i++) {
		frames[i] = make_frame(i);
		bytes += strlen(frames[i]);
	}
	for (r = 0; r < RUNS; r++) {
		kept = 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < FRAMES; i++) {
			if (mastodon_frame_parse(frames[i], strlen(frames[i]),
			    &ev, &payload, err, sizeof(err)) == -1)
				return 1;
			if (ev == MASTODON_EV_NOTIFICATION &&
			    mastodon_notification_parse(payload,
			    strlen(payload), &n, err, sizeof(err)) == 0) {
				/* the connector's filter: mentions by people */
				if ((n.type == MASTODON_NOTIF_MENTION &&
				    !n.account_bot) ||
				    n.type == MASTODON_NOTIF_FOLLOW)
					kept++;
				mastodon_notification_clear(&n);
			}
			free(payload);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		rates[r] = FRAMES / ((double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		if (kept != FRAMES)
			return 1;
	}
	qsort(rates, RUNS, sizeof(rates[0]), cmp_double);
	printf("mastodon frames: %d frames of %zu bytes on average, "
	    "parsed and filtered: median %.0f frames/s (min %.0f, max %.0f) "
	    "over %d runs, one core\n", FRAMES, bytes / FRAMES,
	    rates[RUNS / 2], rates[0], rates[RUNS - 1], RUNS);
	for (i = 0; i < FRAMES; i++)
		free(frames[i]);
	free(frames);
	return 0;
}
