/*
 * conversation: what the bot does about one command from one person.
 *
 * Pure and network-neutral: given the parsed command and what the store
 * says about the person (member or not, their claim, whether they follow
 * the bot, how many others claim the same handle), it decides the
 * changes to make and the answers to send.  The handler applies them in
 * one transaction; `quitx explain` prints them without touching a store.
 */
#ifndef QUITX_CONVERSATION_H
#define QUITX_CONVERSATION_H

#include <stddef.h>

#include "quitx/command.h"
#include "quitx/store.h"
#include "quitx/templates.h"

/* What the store knows of the person who wrote. */
struct person {
	int		 member;
	const char	*claim_handle;		/* NULL: no claim */
	enum claim_proof proof;
	int		 follows_bot;
	int		 others_claiming;	/* other members with the handle asked for */
};

struct answer {
	enum tmpl	 which;
	int		 private;	/* personal data or a link: never public */
};

#define CONV_MAX_ANSWERS 3

struct decision {
	int		 register_claim;	/* make a member, set the claim */
	int		 tell_others;		/* the claim is contested: tell them */
	int		 set_intro;		/* -1 unchanged, 0 or 1 */
	int		 set_stopped;		/* -1 unchanged, 0 or 1 */
	int		 forget;
	int		 upload_link;		/* make a link (an answer carries it) */
	int		 is_help;		/* the answer is the help: once a day */
	struct answer	 answers[CONV_MAX_ANSWERS];
	size_t		 nanswers;
};

/* Decide.  links_open: public_url is set, so upload links can be made. */
void	conversation_decide(const struct command *cmd, const struct person *p,
	    int links_open, struct decision *d);

/*
 * The words of one answer, in the command's language, filled in from the
 * command, the person and the config (campaign day, link lifetime).
 * link: the upload link, or NULL.  malloc'd.
 */
char	*conversation_text(const struct config *conf, const struct command *cmd,
	    const struct person *p, const char *bot, const char *link,
	    enum tmpl which);

#endif
