/*
 * handler: the inbox's consumer.  Takes each new event in order, reads
 * the command in it, applies the conversation's decision to the store and
 * queues the answers in the outbox, then marks the event handled, all in
 * one transaction: an event is handled whole, once, or not at all.
 */
#ifndef QUITX_HANDLER_H
#define QUITX_HANDLER_H

#include <stddef.h>

struct lws_context;
struct daemon_state;

struct handler;

/* Handle the inbox of the daemon (its current config and store). */
struct handler	*handler_create(struct lws_context *lws,
		    const struct daemon_state *ds);

void		 handler_free(struct handler *h);

/* Handle up to max new events now; returns how many, or -1. */
int		 handler_run(struct handler *h, size_t max);

#endif
