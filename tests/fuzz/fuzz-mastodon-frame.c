/*
 * fuzz-mastodon-frame: any bytes as a streaming frame (and a frame's
 * payload as a Notification), as a Notification entity on its own (what
 * REST returns), as status HTML, as a MediaAttachment (an upload's
 * answer) and as a picture's first bytes.  Each must give a result or a reason,
 * never a crash, a leak or undefined behaviour, and every result must
 * keep the promises the headers make.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/html-text.h"
#include "quitx/mastodon-parse.h"
#include "quitx/media.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A reason: there is one, and it is printable ASCII. */
static void
fuzz_check_err(const char *err)
{
	if (err[0] == '\0')
		abort();
	for (; *err != '\0'; err++)
		if (*err < 0x20 || *err > 0x7e)
			abort();
}

/*
 * html_text's promise: valid UTF-8, no control byte but '\n', no space
 * at either end of a line, no empty line at either end.
 */
static void
fuzz_check_text(const char *text)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 n, i;

	if (s[0] == '\n')
		abort();
	for (; *s != '\0'; s += n) {
		n = 1;
		if (*s < 0x80) {
			if ((*s < 0x20 && *s != '\n') || *s == 0x7f)
				abort();
			if (*s == ' ' && (s == (const unsigned char *)text ||
			    s[-1] == '\n' || s[1] == '\n' || s[1] == '\0'))
				abort();
			if (*s == '\n' && s[1] == '\0')
				abort();
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf)
			n = 2;
		else if (*s >= 0xe0 && *s <= 0xef)
			n = 3;
		else if (*s >= 0xf0 && *s <= 0xf4)
			n = 4;
		else
			abort();
		for (i = 1; i < n; i++)
			if ((s[i] & 0xc0) != 0x80)
				abort();
		if ((s[0] == 0xe0 && s[1] < 0xa0) ||
		    (s[0] == 0xed && s[1] >= 0xa0) ||
		    (s[0] == 0xf0 && s[1] < 0x90) ||
		    (s[0] == 0xf4 && s[1] >= 0x90))
			abort();
	}
}

static void
fuzz_notification(const char *json, size_t len)
{
	struct mastodon_notification	n;
	char				err[256];
	size_t				i;

	err[0] = '\0';
	if (mastodon_notification_parse(json, len, &n, err, sizeof(err)) ==
	    -1) {
		fuzz_check_err(err);
		if (n.id != NULL || n.mentions != NULL || n.text != NULL)
			abort();
		return;
	}
	if (n.id == NULL || n.type_name == NULL)
		abort();
	if (n.type != MASTODON_NOTIF_OTHER &&
	    (n.account_id == NULL || n.account_acct == NULL))
		abort();
	if (n.type == MASTODON_NOTIF_MENTION) {
		if (n.status_id == NULL || n.status_visibility == NULL ||
		    n.text == NULL)
			abort();
		fuzz_check_text(n.text);
	}
	for (i = 0; i < n.nmentions; i++)
		if (n.mentions[i] == NULL)
			abort();
	/* ids order consistently */
	if (mastodon_id_cmp(n.id, n.id) != 0 ||
	    (mastodon_id_cmp(n.id, "34975861") > 0) !=
	    (mastodon_id_cmp("34975861", n.id) < 0))
		abort();
	mastodon_notification_clear(&n);
	mastodon_notification_clear(&n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum mastodon_event	 ev;
	char			 err[256], *payload, *text;

	err[0] = '\0';
	if (mastodon_frame_parse((const char *)data, size, &ev, &payload, err,
	    sizeof(err)) == 0) {
		if ((ev == MASTODON_EV_NOTIFICATION || ev == MASTODON_EV_DELETE ||
		    ev == MASTODON_EV_ERROR) && payload == NULL)
			abort();
		if (payload != NULL)
			fuzz_notification(payload, strlen(payload));
		free(payload);
	} else {
		fuzz_check_err(err);
		if (payload != NULL)
			abort();
	}
	fuzz_notification((const char *)data, size);

	{
		enum media_type	 type;
		unsigned	 w, h;
		char		*id;
		int		 ready;

		err[0] = '\0';
		if (media_mastodon_parse((const char *)data, size, &id, &ready,
		    err, sizeof(err)) == 0) {
			if (id == NULL || id[0] == '\0' || (ready != 0 &&
			    ready != 1))
				abort();
			free(id);
		} else {
			fuzz_check_err(err);
			if (id != NULL)
				abort();
		}
		if (media_sniff(data, size, &type) == 0 &&
		    media_dimensions(data, size, type, &w, &h) == 0 &&
		    (w == 0 || h == 0))
			abort();
	}

	text = html_text((const char *)data, size);
	if (text == NULL)
		abort();
	fuzz_check_text(text);
	free(text);
	return 0;
}
