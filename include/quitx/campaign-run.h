/*
 * campaign-run: the campaign day, inside the daemon.
 *
 * A tick every second: the cross-reference is recomputed on a thread of
 * its own (with its own store connection) whenever something changed,
 * at most every campaign.match_interval seconds; from the campaign's
 * start time the introductions are queued once and every member with
 * suggestions they were not told about gets their message, a batch of
 * members per tick so that the loop never stalls; Bluesky members'
 * suggestions are checked against whom they already follow first; and
 * members whose settings refused a message are asked, once and
 * publicly, to follow the bot.
 */
#ifndef QUITX_CAMPAIGN_RUN_H
#define QUITX_CAMPAIGN_RUN_H

struct lws_context;
struct daemon_state;
struct campaign_run;

struct campaign_run	*campaign_run_create(struct lws_context *lws,
			    const struct daemon_state *ds);
/* Waits for a match in progress to finish. */
void			 campaign_run_free(struct campaign_run *r);

#endif
