/*
 * fuzz-jetstream: any bytes as a Jetstream frame, as a
 * listNotifications entry when they are JSON, and as uploadBlob's answer.  Each gives a result or a
 * reason, never a crash, a leak or undefined behaviour; a kept event has
 * an at-uri and a payload the handler can read back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "quitx/bluesky-parse.h"
#include "quitx/media.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The DIDs the seeds use for the two bots. */
static const char *const bots[] = { "did:plc:ewvi7nxzyoun6zhxrhs64oiz",
    "did:plc:4hqjfn7m6n5hno3doamuhgef" };

static void
check_err(const char *err)
{
	if (err[0] == '\0')
		abort();
	for (; *err != '\0'; err++)
		if (*err < 0x20 || *err > 0x7e)
			abort();
}

static void
check_kept(const struct bsky_event *ev)
{
	struct bsky_post	p;
	char			err[128];

	if (ev->uri == NULL || ev->payload == NULL ||
	    strncmp(ev->uri, "at://did:", 9) != 0 || ev->bots == 0 ||
	    ev->kind == BSKY_NONE)
		abort();
	if (bsky_post_parse(ev->payload, &p, err, sizeof(err)) != 0)
		abort();
	if (p.kind != ev->kind || strcmp(p.uri, ev->uri) != 0 ||
	    p.text == NULL || (p.kind == BSKY_MENTION && p.cid == NULL))
		abort();
	bsky_post_clear(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bsky_event	 ev;
	struct bsky_post	 p;
	json_t			*n;
	json_error_t		 jerr;
	char			 err[128];
	int			 rc;

	err[0] = '\0';
	rc = bsky_jetstream_parse((const char *)data, size, bots, 2, &ev, err,
	    sizeof(err));
	if (rc == 1)
		check_kept(&ev);
	else if (ev.payload != NULL || ev.uri != NULL)
		abort();
	if (rc == -1)
		check_err(err);
	bsky_event_clear(&ev);

	if ((n = json_loadb((const char *)data, size, 0, &jerr)) != NULL) {
		err[0] = '\0';
		rc = bsky_notification_parse(n, bots[0], &ev, err,
		    sizeof(err));
		if (rc == 1)
			check_kept(&ev);
		else if (ev.payload != NULL)
			abort();
		if (rc == -1)
			check_err(err);
		bsky_event_clear(&ev);
		json_decref(n);
	}
	/* uploadBlob's answer: a blob with exactly its four keys, or why */
	{
		json_t	*blob;

		err[0] = '\0';
		if ((blob = media_bsky_blob_parse((const char *)data, size,
		    err, sizeof(err))) == NULL)
			check_err(err);
		else if (json_object_size(blob) != 4 ||
		    !json_is_string(json_object_get(json_object_get(blob,
		    "ref"), "$link")) || json_integer_value(json_object_get(
		    blob, "size")) < 0)
			abort();
		json_decref(blob);
	}
	/* the payload reader on anything */
	if (size < 65536) {
		char *s = malloc(size + 1);

		memcpy(s, data, size);
		s[size] = '\0';
		if (bsky_post_parse(s, &p, err, sizeof(err)) == 0)
			bsky_post_clear(&p);
		free(s);
	}
	return 0;
}
