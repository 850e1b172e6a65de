/*
 * templates: the bot's words, one file per language (conf/messages/en.conf,
 * fr.conf), so the campaign team edits them without touching C.
 *
 * Each key is one message; {name} placeholders are filled when the
 * message is written.  Loading checks every key is there, every
 * placeholder is one that key may use, and that the longest rendering
 * fits a post; problems come back as "FILE:LINE: message".
 */
#ifndef QUITX_TEMPLATES_H
#define QUITX_TEMPLATES_H

#include <stddef.h>

#include "quitx/config.h"

enum tmpl {
	T_REGISTER_OK,
	T_REGISTER_SAME,
	T_REGISTER_CONTESTED,
	T_CONTESTED_OTHER,
	T_REFUSED_NO_HANDLE,
	T_REFUSED_TOO_LONG,
	T_REFUSED_BAD_CHARS,
	T_REFUSED_FEDIVERSE,
	T_REFUSED_SEVERAL,
	T_UPLOAD_LINK,
	T_UPLOAD_CLOSED,
	T_STATUS,
	T_STATUS_NONE,
	T_PROOF_NONE,
	T_PROOF_ARCHIVE,
	T_PROOF_IMPORT,
	T_REACH_YES,
	T_REACH_NO,
	T_SUGGESTIONS_LATER,
	T_INTRO_ON,
	T_INTRO_OFF,
	T_STOP_OK,
	T_RESUME_OK,
	T_FORGET_OK,
	T_NOT_MEMBER,
	T_HELP,
	T_SUGGESTIONS_HEADER,		/* the campaign day's private message */
	T_SUGGESTIONS_FOLLOWUP_HEADER,	/* the same, for those new since */
	T_SUGGESTIONS_MORE,
	T_SUGGESTIONS_CSV,		/* Mastodon's follows-import file */
	T_SUGGESTIONS_CSV_ELSEWHERE,	/* the same, to a member elsewhere */
	T_SUGGESTIONS_NONE,		/* `suggestions`: no one yet */
	T_INTRO_HEADER,			/* the public introductions */
	T_ASK_FOLLOW,			/* Bluesky chat refused: follow me */
	T_COUNT
};

/* Values for the placeholders; NULL ones render as "". */
struct tmpl_vars {
	const char	*handle;	/* the X handle, without '@' */
	const char	*refused;	/* what was refused */
	const char	*bot;		/* the bot's handle */
	const char	*day;		/* the campaign day, as the language writes it */
	const char	*link;		/* a personal upload link */
	const char	*days;		/* how many days the link lasts */
	const char	*proof;		/* T_PROOF_* rendered */
	const char	*reach;		/* T_REACH_* rendered */
	const char	*count;		/* how many people, as digits */
	const char	*network;	/* "Mastodon" or "Bluesky" */
};

struct templates;

/*
 * Load dir/en.conf and dir/fr.conf (the languages in mask).  On problems
 * returns NULL and appends them to errs (config.h's struct).
 */
struct templates *templates_load(const char *dir, unsigned mask,
		    struct config_errors *errs);
void		 templates_free(struct templates *t);

/* The message in lang, filled in; malloc'd. */
char		*templates_render(const struct templates *t, enum lang lang,
		    enum tmpl which, const struct tmpl_vars *v);

/* The key of a template in the files ("register_ok"). */
const char	*templates_key(enum tmpl which);

/* Longest rendering allowed, in characters (a 500-character post less
 * the "@user@host " a reply starts with). */
#define TEMPLATE_MAX_CHARS	400
/*
 * The same for the texts of public Bluesky posts (intro_header,
 * ask_follow): a post has 300 graphemes, and room must be left for the
 * mention of a member with a long handle, or for the introduced.
 */
#define TEMPLATE_MAX_POST_CHARS	200

#endif
