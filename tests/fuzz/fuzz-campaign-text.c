/*
 * fuzz-campaign-text: outside text through the campaign day's texts.
 * The input is
 *
 *	R N TEXT
 *
 * R (one byte) gives the room of a Mastodon status, 80 + 2 * R; N (one
 * byte) picks the network the message is read on (its low bit) and the
 * "more" count; TEXT, up to the first NUL, is a link path token for
 * token_shape_ok, a status for campaign_mastodon_length, and, one per
 * line, the accounts of a suggestion list, an introduction and a
 * follows-import file.  Whatever the input:
 *   - a token is accepted only with its exact length and alphabet;
 *   - Mastodon's count is at most the clusters plus 23 per "http";
 *   - every part fits its limit, an account is in one part whole,
 *     each Bluesky facet is in bounds, a mention's starting with '@';
 *   - the CSV has its header, then one "address,true,false," line per
 *     account kept, with no quote.
 * The message files are read from $QUITX_MESSAGES, else conf/messages
 * (make check-fuzz runs from the top folder); without them, only the
 * rest is checked.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "quitx/campaign-text.h"
#include "quitx/richtext.h"
#include "quitx/templates.h"
#include "quitx/token.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ACCOUNTS	64

static struct templates *
fuzz_templates(void)
{
	static struct templates	*t;
	static int		 tried;
	struct config_errors	 errs = { NULL, 0 };
	const char		*dir = getenv("QUITX_MESSAGES");

	if (!tried) {
		tried = 1;
		t = templates_load(dir != NULL ? dir : "conf/messages",
		    (1u << LANG_EN) | (1u << LANG_FR), &errs);
		config_errors_clear(&errs);
	}
	return t;
}

static void
check_parts(const struct campaign_part *p, size_t np, enum network net,
    size_t room, size_t max_g, size_t max_b)
{
	json_t		*f, *feat;
	size_t		 i, j, s, e;

	for (i = 0; i < np; i++) {
		if (net == NETWORK_MASTODON) {
			if (campaign_mastodon_length(p[i].text) > room)
				abort();
			if (p[i].facets != NULL)
				abort();
			continue;
		}
		if (!richtext_fits(p[i].text, max_g, max_b, NULL))
			abort();
		json_array_foreach(p[i].facets, j, f) {
			s = (size_t)json_integer_value(json_object_get(
			    json_object_get(f, "index"), "byteStart"));
			e = (size_t)json_integer_value(json_object_get(
			    json_object_get(f, "index"), "byteEnd"));
			if (s >= e || e > strlen(p[i].text))
				abort();
			feat = json_array_get(json_object_get(f, "features"),
			    0);
			if (strcmp(json_string_value(json_object_get(feat,
			    "$type")), "app.bsky.richtext.facet#mention") == 0 &&
			    p[i].text[s] != '@')
				abort();
		}
	}
}

/* Each account's line is in one part, whole. */
static void
check_whole(const struct campaign_part *p, size_t np, const char *line)
{
	size_t	i;

	for (i = 0; i < np; i++)
		if (strstr(p[i].text, line) != NULL)
			return;
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct campaign_account	 acc[FUZZ_ACCOUNTS];
	struct campaign_part	*p;
	const char		*accts[FUZZ_ACCOUNTS];
	struct templates	*t = fuzz_templates();
	enum network		 net;
	char			*text, *copy, *line, *save, *csv, *l;
	size_t			 room, more, n = 0, i, len, https = 0, np;
	const char		*q;

	if (size < 2)
		return 0;
	room = 80 + 2 * (size_t)data[0];
	net = (data[1] & 1) ? NETWORK_BLUESKY : NETWORK_MASTODON;
	more = data[1] >> 4;
	text = strndup((const char *)data + 2, size - 2);
	if (text == NULL)
		return 0;

	if (token_shape_ok(text) && strlen(text) != TOKEN_CHARS)
		abort();
	for (q = text; (q = strcasestr(q, "http")) != NULL; q++)
		https++;
	if (campaign_mastodon_length(text) > richtext_graphemes(text,
	    strlen(text)) + 23 * https)
		abort();

	copy = strdup(text);
	for (line = strtok_r(copy, "\n", &save); line != NULL &&
	    n < FUZZ_ACCOUNTS; line = strtok_r(NULL, "\n", &save)) {
		acc[n].network = (line[0] & 1) ? NETWORK_BLUESKY :
		    NETWORK_MASTODON;
		acc[n].account = line;
		acc[n].handle = (line[0] & 2) ? line + 1 : NULL;
		accts[n++] = line;
	}

	csv = campaign_follows_csv(accts, n, &len);
	if (len != strlen(csv) || strncmp(csv, "Account address,Show boosts,"
	    "Notify on new posts,Languages\n", 58) != 0 ||
	    strchr(csv, '"') != NULL)
		abort();
	for (l = csv + 58, i = 0; *l != '\0'; i++) {
		q = strchr(l, '\n');
		if (q == NULL || q - l < 12 ||
		    strncmp(q - 12, ",true,false,\n", 13) != 0)
			abort();
		l = (char *)q + 1;
	}
	if (i > n)
		abort();
	free(csv);

	if (t != NULL) {
		if (campaign_suggestion_parts(t, LANG_FR, net, room, acc, n,
		    more, n > 0 ? accts[0] : NULL, n, data[1] & 2, &p,
		    &np) == 0) {
			check_parts(p, np, net, room, RICHTEXT_CHAT_GRAPHEMES,
			    RICHTEXT_CHAT_BYTES);
			/* a DID is written as given (Bluesky: no WORD
			   JOINER) */
			for (i = 0; i < n && net == NETWORK_BLUESKY; i++)
				if (acc[i].network == NETWORK_BLUESKY &&
				    acc[i].handle == NULL)
					check_whole(p, np, acc[i].account);
			campaign_parts_free(p, np);
		}
		if (campaign_intro_parts(t, LANG_EN, net, room, acc, n, &p,
		    &np) == 0) {
			check_parts(p, np, net, room, RICHTEXT_POST_GRAPHEMES,
			    RICHTEXT_POST_BYTES);
			campaign_parts_free(p, np);
		}
	}
	free(copy);
	free(text);
	return 0;
}
