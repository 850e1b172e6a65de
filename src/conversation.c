/*
 * conversation: the rules, command by command.  See conversation.h.
 *
 * Consent rules (SPEC §3): registering is the consent to be suggested and
 * the confirmation says so; the public introduction is a separate opt-in;
 * "stop" cancels queued private messages at once; "forget me" erases
 * everything and is confirmed even to someone we knew nothing about.
 * Anything personal (the upload link, the state of a claim) is only ever
 * answered privately.
 */
#include "quitx/conversation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "quitx/xmalloc.h"

static void
answer(struct decision *d, enum tmpl which, int private)
{
	if (d->nanswers < CONV_MAX_ANSWERS) {
		d->answers[d->nanswers].which = which;
		d->answers[d->nanswers].private = private;
		d->nanswers++;
	}
}

static void
decide_register(const struct command *cmd, const struct person *p,
    int links_open, struct decision *d)
{
	switch (cmd->refusal) {
	case REFUSE_NONE:
		break;
	case REFUSE_NO_HANDLE:
		answer(d, T_REFUSED_NO_HANDLE, 0);
		return;
	case REFUSE_TOO_LONG:
		answer(d, T_REFUSED_TOO_LONG, 0);
		return;
	case REFUSE_BAD_CHARS:
		answer(d, T_REFUSED_BAD_CHARS, 0);
		return;
	case REFUSE_FEDIVERSE:
		answer(d, T_REFUSED_FEDIVERSE, 0);
		return;
	case REFUSE_SEVERAL:
		answer(d, T_REFUSED_SEVERAL, 0);
		return;
	}
	/* the same handle again: a reminder, no new link, nobody told */
	if (p->member && p->claim_handle != NULL &&
	    strcasecmp(p->claim_handle, cmd->handle) == 0) {
		answer(d, T_REGISTER_SAME, 0);
		d->register_claim = 1;
		return;
	}
	d->register_claim = 1;
	if (p->others_claiming > 0) {
		d->tell_others = 1;
		answer(d, T_REGISTER_CONTESTED, 0);
	} else
		answer(d, T_REGISTER_OK, 0);
	/* the archive proves the claim: every new claim gets its link */
	if (links_open) {
		d->upload_link = 1;
		answer(d, T_UPLOAD_LINK, 1);
	}
}

void
conversation_decide(const struct command *cmd, const struct person *p,
    int links_open, struct decision *d)
{
	memset(d, 0, sizeof(*d));
	d->set_intro = -1;
	d->set_stopped = -1;

	switch (cmd->kind) {
	case CMD_NONE:
		break;
	case CMD_REGISTER:
		decide_register(cmd, p, links_open, d);
		break;
	case CMD_STATUS:
		answer(d, p->member ? T_STATUS : T_STATUS_NONE, 1);
		break;
	case CMD_UPLOAD_LINK:
		if (!p->member)
			answer(d, T_NOT_MEMBER, 0);
		else if (!links_open)
			answer(d, T_UPLOAD_CLOSED, 0);
		else {
			d->upload_link = 1;
			answer(d, T_UPLOAD_LINK, 1);
		}
		break;
	case CMD_SUGGESTIONS:
		answer(d, p->member ? T_SUGGESTIONS_LATER : T_NOT_MEMBER, 0);
		break;
	case CMD_INTRO_ON:
	case CMD_INTRO_OFF:
		if (!p->member) {
			answer(d, T_NOT_MEMBER, 0);
			break;
		}
		d->set_intro = cmd->kind == CMD_INTRO_ON;
		answer(d, d->set_intro ? T_INTRO_ON : T_INTRO_OFF, 0);
		break;
	case CMD_STOP_MESSAGES:
	case CMD_RESUME_MESSAGES:
		if (!p->member) {
			answer(d, T_NOT_MEMBER, 0);
			break;
		}
		d->set_stopped = cmd->kind == CMD_STOP_MESSAGES;
		answer(d, d->set_stopped ? T_STOP_OK : T_RESUME_OK, 0);
		break;
	case CMD_FORGET:
		d->forget = 1;
		answer(d, T_FORGET_OK, 0);
		break;
	case CMD_HELP:
	case CMD_UNKNOWN:
		d->is_help = 1;
		answer(d, T_HELP, 0);
		break;
	}
}

static const char *const months[LANG_COUNT][12] = {
	{ "January", "February", "March", "April", "May", "June", "July",
	  "August", "September", "October", "November", "December" },
	{ "janvier", "février", "mars", "avril", "mai", "juin", "juillet",
	  "août", "septembre", "octobre", "novembre", "décembre" },
};

char *
conversation_text(const struct config *conf, const struct command *cmd,
    const struct person *p, const char *bot, const char *link,
    enum tmpl which)
{
	struct tmpl_vars	 v;
	enum tmpl		 proof_t;
	char			*day, *proof, *reach, *text, days[16];

	memset(&v, 0, sizeof(v));
	/* "20 January", "20 janvier": the day as each language says it */
	day = xasprintf("%d %s", conf->campaign.day,
	    months[cmd->lang][conf->campaign.month - 1]);
	snprintf(days, sizeof(days), "%d", conf->upload_link_days);
	v.handle = cmd->kind == CMD_REGISTER && cmd->handle[0] != '\0' ?
	    cmd->handle : p->claim_handle;
	v.refused = cmd->refused;
	v.bot = bot;
	v.day = day;
	v.link = link;
	v.days = days;
	proof_t = p->proof == PROOF_ARCHIVE ? T_PROOF_ARCHIVE :
	    p->proof == PROOF_IMPORT ? T_PROOF_IMPORT : T_PROOF_NONE;
	proof = templates_render(conf->templates, cmd->lang, proof_t, &v);
	reach = templates_render(conf->templates, cmd->lang,
	    p->follows_bot ? T_REACH_YES : T_REACH_NO, &v);
	v.proof = proof;
	v.reach = reach;
	text = templates_render(conf->templates, cmd->lang, which, &v);
	free(day);
	free(proof);
	free(reach);
	return text;
}
