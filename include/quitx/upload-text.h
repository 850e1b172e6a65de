/*
 * upload-text: what the upload page's server side says to a member, in
 * their language (the page itself is src/www/upload.<lang>.html).
 */
#ifndef QUITX_UPLOAD_TEXT_H
#define QUITX_UPLOAD_TEXT_H

#include <stdint.h>

#include "quitx/config.h"

enum upload_msg {
	UM_OK,			/* archive in, claim proven */
	UM_MISMATCH,		/* archive in, but of another handle */
	UM_NOT_ARCHIVE,
	UM_BAD_FILE,
	UM_BAD_ZIP,
	UM_NO_ACCOUNT,
	UM_NO_FOLLOWS,
	UM_TWO_ACCOUNTS,
	UM_STORE,
	UM_TOO_BIG,
	UM_NO_FILE,
	UM_BAD_TYPE,
	UM_BUSY,
	UM_TOO_SLOW,
	UM_LINK_UNKNOWN,	/* both languages: we don't know whose it is */
	UM_LINK_EXPIRED,
	UM_COUNT
};

struct upload_msg_vars {
	const char	*handle;	/* the archive's X handle */
	const char	*claimed;	/* the member's claim */
	int64_t		 followers, following;
	int		 max_mb;
	const char	*detail;	/* an English technical detail */
};

/* The message, filled in (plain text, not escaped); malloc'd. */
char	*upload_text(enum lang lang, enum upload_msg which,
	    const struct upload_msg_vars *v);

/* s with & < > " ' escaped for HTML; malloc'd. */
char	*html_escape(const char *s);

#endif
