/*
 * fuzz-command: any bytes as a member's post.  The input is
 *
 *	FLAGS TEXT [\0 MENTION [\0 MENTION]]
 *
 * FLAGS (one byte) picks the network (bit 0: Bluesky's bot handle,
 * else Mastodon's); the text is the bytes up to the first NUL (not
 * NUL-terminated: the parser must read only len bytes); each mention
 * after it is given as an acct besides the bot's own.  Every input is
 * parsed with both hints and reply_to_call 0 and 1, and once more as
 * plain bytes with no mentions and no bot handle.  The result must keep
 * the promises command.h makes, whatever the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/command.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * s (size bytes) holds a NUL, and only printable ASCII before it; spaces
 * (nspaces at most) only between two non-spaces.
 */
static size_t
fuzz_check_ascii(const char *s, size_t size, int nspaces)
{
	size_t	i;

	for (i = 0; i < size && s[i] != '\0'; i++) {
		if (s[i] == ' ' && nspaces-- > 0 && i > 0 && s[i - 1] != ' ' &&
		    i + 1 < size && s[i + 1] != ' ' && s[i + 1] != '\0')
			continue;
		if (s[i] < 0x21 || s[i] > 0x7e)
			abort();
	}
	if (i == size)
		abort();
	return i;
}

static void
fuzz_check(const struct command_input *in, const struct command *c)
{
	size_t	hl, rl;

	if ((unsigned)c->kind > CMD_UNKNOWN ||
	    (unsigned)c->refusal > REFUSE_SEVERAL)
		abort();
	hl = fuzz_check_ascii(c->handle, sizeof(c->handle), 0);
	/* two handles, space-separated, for REFUSE_SEVERAL */
	rl = fuzz_check_ascii(c->refused, sizeof(c->refused),
	    c->refusal == REFUSE_SEVERAL);
	if (c->kind != CMD_REGISTER &&
	    (c->refusal != REFUSE_NONE || hl != 0 || rl != 0))
		abort();
	if (c->kind == CMD_REGISTER && c->refusal == REFUSE_NONE &&
	    (!command_x_handle_valid(c->handle, hl) || rl != 0))
		abort();
	if (c->kind == CMD_REGISTER && c->refusal != REFUSE_NONE && hl != 0)
		abort();
	if ((c->refusal == REFUSE_NONE || c->refusal == REFUSE_NO_HANDLE) !=
	    (rl == 0))
		abort();
	if (c->lang != LANG_EN && c->lang != LANG_FR)
		abort();
	if (c->lang_clear != 0 && c->lang_clear != 1)
		abort();
	if (!c->lang_clear && c->lang != in->hint)
		abort();
	if (strcmp(command_name(c->kind), "invalid") == 0 ||
	    strcmp(command_refusal_name(c->refusal), "invalid") == 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	*bots[] = { "HelloQuitX", "helloquitx.bsky.social" };
	char			 m1[256], m2[256];
	const char		*mentions[3];
	const uint8_t		*p, *end = data + size;
	struct command_input	 in;
	struct command		 c, again, first[2];
	size_t			 n, nm = 1;
	int			 call, hint;

	if (size == 0)
		return 0;
	mentions[0] = bots[data[0] & 1];
	p = memchr(data + 1, '\0', size - 1);
	memset(&in, 0, sizeof(in));
	in.text = (const char *)data + 1;
	in.len = p != NULL ? (size_t)(p - data - 1) : size - 1;
	if (p != NULL) {
		p++;
		n = strnlen((const char *)p, (size_t)(end - p));
		if (n >= sizeof(m1))
			n = sizeof(m1) - 1;
		memcpy(m1, p, n);
		m1[n] = '\0';
		mentions[nm++] = m1;
		p = memchr(p, '\0', (size_t)(end - p));
		if (p != NULL && ++p < end) {
			n = strnlen((const char *)p, (size_t)(end - p));
			if (n >= sizeof(m2))
				n = sizeof(m2) - 1;
			memcpy(m2, p, n);
			m2[n] = '\0';
			mentions[nm++] = m2;
		}
	}
	in.mentions = mentions;
	in.nmentions = nm;
	in.bot_handle = mentions[0];
	for (call = 0; call <= 1; call++) {
		for (hint = LANG_EN; hint <= LANG_FR; hint++) {
			in.reply_to_call = call;
			in.hint = (enum lang)hint;
			command_parse(&in, &c);
			fuzz_check(&in, &c);
			/* the same input, the same answer */
			command_parse(&in, &again);
			if (memcmp(&c, &again, sizeof(c)) != 0)
				abort();
			first[hint] = c;
		}
		/* the hint only fills in a language the text did not show */
		if (first[0].kind != first[1].kind ||
		    strcmp(first[0].handle, first[1].handle) != 0 ||
		    first[0].refusal != first[1].refusal ||
		    first[0].lang_clear != first[1].lang_clear ||
		    (first[0].lang_clear && first[0].lang != first[1].lang))
			abort();
	}

	/* the whole input as text, nobody mentioned, no bot */
	memset(&in, 0, sizeof(in));
	in.text = (const char *)data;
	in.len = size;
	in.reply_to_call = (data[0] & 2) != 0;
	command_parse(&in, &c);
	fuzz_check(&in, &c);
	return 0;
}
