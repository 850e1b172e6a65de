/*
 * command: what a member's post to the bot asks for, from its plain text
 * (HTML already turned into text by html-text).  A pure parser: no I/O,
 * no logging, nothing allocated that the caller sees.
 *
 * Members write as people do, in English or French: any case, with or
 * without accents, in any word order, with greetings, thanks, emoji,
 * typos (one letter off in words of six letters or more: "regster",
 * "inscritpion"), smart quotes, invisible characters (zero-width, RTL/LTR
 * marks), HTML leftovers ("&amp;", "<br>") and "fancy" Unicode letters
 * (fullwidth, mathematical bold), which are read as the letters they
 * stand for.  Invalid UTF-8 bytes are read as spaces.
 *
 * The X handle may be written @jack, jack (right after a register word or
 * "my X handle is", "mon compte X est", "I'm jack on X"...), as a profile
 * or status URL (x.com/jack, https://twitter.com/jack/status/1,
 * mobile.twitter.com/@jack, twitter.com/intent/user?screen_name=jack) or
 * as @jack@x.com.  The bot's own mention is dropped first; an @name that
 * is one of the post's real mentions (Mastodon acct, or its username part
 * as Mastodon shows it, or a Bluesky handle) is that person's fediverse
 * account, never an X handle.
 *
 * When several commands appear, the first of these wins:
 *   1. forget (an erase word with an object: "forget me", "delete my
 *      data"; never when negated: "don't forget me");
 *   2. stop, when clear ("stop", "stop messages", "unsubscribe", "stop"
 *      with nothing but politeness around it);
 *   3. register: a register word, or an identity statement ("my X handle
 *      is @jack"), or an X handle in a reply to the call-to-register post,
 *      or a lone X profile URL (a link to a profile, not to a post, with
 *      nothing but politeness around it: clear enough on its own);
 *   4. intro off ("don't introduce me", "ne me présente pas", "no intro":
 *      an introduction word under a negation), then intro on;
 *   5. resume, upload link, suggestions, status, then a "stop" that was
 *      not clear, then help;
 *   6. none when nothing but greetings, thanks, emoji or other people's
 *      mentions is left ("?" alone is help), else unknown.
 * Other negated commands count as not written: "don't stop" alone is
 * unknown (the help reply then says how to stop or resume).  "registered"
 * or "inscrit" without any handle asks for the status ("am I
 * registered?").  A bare @jack outside a reply to the call, or a link to
 * a post, is unknown.
 */
#ifndef QUITX_COMMAND_H
#define QUITX_COMMAND_H

#include <stddef.h>

#include "quitx/config.h"

/*
 * Text past this many bytes is not read (cut at a character boundary):
 * a post is at most a few thousand characters, and the bound keeps the
 * work small on hostile input.
 */
#define COMMAND_TEXT_MAX	4096

enum command_kind {
	CMD_NONE,		/* nothing for the bot: greetings, thanks, emoji only */
	CMD_REGISTER,		/* handle set, or refusal says why not */
	CMD_STATUS,		/* "status", "where am I", "mon statut", "état" */
	CMD_UPLOAD_LINK,	/* "upload link", "link", "lien d'envoi", "send my archive" */
	CMD_SUGGESTIONS,	/* "suggestions", "who should I follow", "qui suivre" */
	CMD_INTRO_ON,		/* "introduce me", "présente-moi" */
	CMD_INTRO_OFF,		/* "don't introduce me", "ne me présente pas" */
	CMD_STOP_MESSAGES,	/* "stop", "stop messages", "arrête", "stop les messages" */
	CMD_RESUME_MESSAGES,	/* "resume", "reprendre", "restart messages" */
	CMD_FORGET,		/* "forget me", "delete my data", "oublie-moi" */
	CMD_HELP,		/* "help", "aide", "?" */
	CMD_UNKNOWN,		/* text that is none of these */
};
#define CMD_KIND_COUNT	(CMD_UNKNOWN + 1)

enum command_refusal {		/* why a register attempt was refused */
	REFUSE_NONE,
	REFUSE_NO_HANDLE,	/* a register word with no handle */
	REFUSE_TOO_LONG,	/* more than 15 characters */
	REFUSE_BAD_CHARS,	/* characters outside [A-Za-z0-9_]: "jack.smith" */
	REFUSE_FEDIVERSE,	/* the only candidates are fediverse/Bluesky accounts */
	REFUSE_SEVERAL,		/* two different X handles given */
};
#define REFUSE_COUNT	(REFUSE_SEVERAL + 1)

struct command {
	enum command_kind	 kind;
	/* CMD_REGISTER without refusal: 1..15 of [A-Za-z0-9_], case kept */
	char			 handle[16];
	/* CMD_REGISTER only: REFUSE_NONE, or why there is no handle */
	enum command_refusal	 refusal;
	/*
	 * The refused token for the reply, printable ASCII (any other
	 * character is '?'), cut to 31 bytes: the token as written for
	 * TOO_LONG and BAD_CHARS, the account (acct or Bluesky handle) for
	 * FEDIVERSE, the first two handles separated by a space for
	 * SEVERAL, "" otherwise.
	 */
	char			 refused[32];
	enum lang		 lang;		/* of the text when clear, else the hint */
	int			 lang_clear;	/* 1 when the text itself showed it */
};

struct command_input {
	const char		*text;		/* plain text, UTF-8, may be invalid, need not end in NUL */
	size_t			 len;
	/*
	 * The post's real mentions: Mastodon accts ("user" for a local
	 * account, "user@host"), Bluesky handles ("name.bsky.social"); the
	 * bot's own may be among them.  A leading '@' is allowed.
	 */
	const char *const	*mentions;
	size_t			 nmentions;
	/* the bot's handle as written in posts ("HelloQuitX", "helloquitx.bsky.social"), may be NULL */
	const char		*bot_handle;
	int			 reply_to_call;	/* 1: replies to the bot's call-to-register post */
	enum lang		 hint;		/* the language of the bot account written to */
};

/* Read in and fill out (every field set, strings NUL-terminated). */
void	command_parse(const struct command_input *in, struct command *out);

/* "register", "upload-link", "intro-off"...: for logs and `quitx explain` */
const char *command_name(enum command_kind k);

/* "no-handle", "too-long", "bad-chars", "fediverse", "several", "none" */
const char *command_refusal_name(enum command_refusal r);

/* 1 if s (n bytes) is a valid X handle: 1..15 of [A-Za-z0-9_], else 0. */
int	command_x_handle_valid(const char *s, size_t n);

#endif
