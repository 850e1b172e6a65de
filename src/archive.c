/*
 * archive: the data files of an X archive, one byte at a time.
 *
 * A small JSON tokenizer with an explicit stack (no recursion, no DOM)
 * drives a little semantic layer that knows where ids live:
 * [ { "<type>" : { "accountId" : "..." } } ].  Every other key is noise
 * from our point of view and its value is skipped whatever it holds, so
 * new X fields never break an import; what we do read is checked hard,
 * because importing a wrong id is worse than refusing a file.
 *
 * Byte-at-a-time costs a function call per byte but makes chunk
 * boundaries irrelevant: a chunk may end anywhere, even inside a UTF-8
 * sequence or an escape, and nothing is buffered but the current token.
 */
#include "quitx/archive.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/quote.h"
#include "quitx/xmalloc.h"

#define ARCHIVE_PREFIX		"window.YTD."
/* "\xef\xbb\xbfwindow.YTD.following.part123456789 = [" fits easily */
#define ARCHIVE_PREFIX_MAX	96
#define ARCHIVE_NUMBER_MAX	64
#define ARCHIVE_QUOTE_MAX	40

enum archive_phase { PH_PREFIX, PH_BODY, PH_TRAILER, PH_FINISHED };
enum archive_lex { LEX_NONE, LEX_STRING, LEX_NUMBER, LEX_LITERAL };
/* what the parser expects next inside the innermost container */
enum archive_state { S_KEY_OR_END, S_KEY, S_COLON, S_VALUE, S_VALUE_OR_END,
	S_COMMA_OR_END };
/* what the value being read means to us */
enum archive_role { R_NONE, R_KIND, R_ID, R_USERNAME };

struct archive_parser {
	enum archive_kind	 expect, kind;
	archive_id_fn		 on_id;
	void			*arg;
	enum archive_phase	 phase;
	int			 failed;
	size_t			 off;		/* offset of the current byte */
	size_t			 count;
	char			 err[320];

	unsigned char		 pre[ARCHIVE_PREFIX_MAX];
	size_t			 prelen;
	int			 semicolon;	/* seen after the ] */

	unsigned char		 frame[ARCHIVE_DEPTH_MAX];	/* '{' or '[' */
	unsigned char		 state[ARCHIVE_DEPTH_MAX];
	int			 depth;

	enum archive_lex	 lex;
	int			 is_key;
	int			 esc;		/* 1 after '\', 2..5 in \uXXXX */
	unsigned		 u, hi;		/* \u value, pending surrogate */
	int			 utf_need;	/* continuation bytes to come */
	unsigned char		 utf_lo, utf_hi;
	char			 tok[ARCHIVE_STRING_MAX + 1];
	size_t			 toklen, tokoff;
	enum archive_role	 role, vrole;

	int			 entry_has_kind, kind_open, have_id, have_user;
	int64_t			 cur_id;
	char			 cur_user[ARCHIVE_USERNAME_MAX + 1];
	int			 have_acct;
	struct archive_account	 acct;
};

static const char *const archive_names[] = {
	"follower", "following", "account",
};

static int	archive_fail(struct archive_parser *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	archive_struct(struct archive_parser *, unsigned char);

/* Input as it may appear in a message (quote.h). */
static const char *
archive_quote(char *dst, size_t dstsize, const void *src, size_t len)
{
	return quote_ascii(dst, dstsize, src, len, ARCHIVE_QUOTE_MAX);
}

static int
archive_fail(struct archive_parser *p, size_t off, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (p->failed)
		return -1;
	p->failed = 1;
	n = snprintf(p->err, sizeof(p->err), "byte %zu: ", off);
	if (n < 0 || (size_t)n >= sizeof(p->err))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(p->err + n, sizeof(p->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
archive_syntax(struct archive_parser *p, unsigned char c, const char *want)
{
	char	q[16];

	return archive_fail(p, p->off, "JSON syntax error: expected %s, "
	    "got \"%s\"", want, archive_quote(q, sizeof(q), &c, 1));
}

/* The type named by the prefix, or -1. */
static int
archive_kind_of(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < 3; i++)
		if (strlen(archive_names[i]) == len &&
		    memcmp(archive_names[i], s, len) == 0)
			return (int)i;
	return -1;
}

/*
 * The whole prefix, up to and including its '[':
 * [BOM] window.YTD.<type>.part<N> <ws> = <ws> [
 */
static int
archive_prefix(struct archive_parser *p)
{
	const char	*s = (const char *)p->pre, *type;
	size_t		 n = p->prelen, i, tlen, base = 0;
	char		 q[ARCHIVE_QUOTE_MAX * 4 + 8];
	int		 k;

	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		base = 3;
	i = base + strlen(ARCHIVE_PREFIX);
	type = s + i;
	for (tlen = 0; i < n && ((s[i] >= 'a' && s[i] <= 'z') ||
	    (s[i] >= 'A' && s[i] <= 'Z')); i++)
		tlen++;
	if (tlen == 0 || i + 5 > n || memcmp(s + i, ".part", 5) != 0)
		goto bad;
	i += 5;
	if (i >= n || s[i] < '0' || s[i] > '9')
		goto bad;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
	    s[i] == '\n'))
		i++;
	if (i >= n || s[i++] != '=')
		goto bad;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
	    s[i] == '\n'))
		i++;
	if (i + 1 != n)		/* the '[' is the last byte */
		goto bad;
	if ((k = archive_kind_of(type, tlen)) == -1)
		return archive_fail(p, (size_t)(type - s), "unsupported archive "
		    "type \"%s\" (want follower, following or account)",
		    archive_quote(q, sizeof(q), type, tlen));
	if (p->expect != ARCHIVE_ANY && (enum archive_kind)k != p->expect)
		return archive_fail(p, (size_t)(type - s), "a %s file, expected "
		    "a %s file", archive_names[k], archive_names[p->expect]);
	p->kind = (enum archive_kind)k;
	p->phase = PH_BODY;
	p->frame[0] = '[';
	p->state[0] = S_VALUE_OR_END;
	p->depth = 1;
	return 0;
bad:
	return archive_fail(p, 0, "bad prefix \"%s\", expected "
	    "\"window.YTD.<type>.part<N> = [\"", archive_quote(q, sizeof(q),
	    s, n));
}

/*
 * Prefix bytes are kept until the '['; a file that does not start with
 * window.YTD. is refused at its first wrong byte, so that a 600 MB file
 * of something else fails at once.
 */
static int
archive_prefix_byte(struct archive_parser *p, unsigned char c)
{
	static const char	 bom[] = "\xef\xbb\xbf";
	size_t			 base, plen = strlen(ARCHIVE_PREFIX);
	char			 q[ARCHIVE_QUOTE_MAX * 4 + 8];

	if (p->prelen == sizeof(p->pre))
		return archive_fail(p, 0, "bad prefix \"%s\", expected "
		    "\"window.YTD.<type>.part<N> = [\"",
		    archive_quote(q, sizeof(q), p->pre, p->prelen));
	p->pre[p->prelen++] = c;
	base = p->pre[0] == 0xef ? 3 : 0;
	if (p->prelen <= base) {
		if (c != (unsigned char)bom[p->prelen - 1])
			return archive_fail(p, p->off, "not an X archive file "
			    "(bad byte order mark)");
		return 0;
	}
	if (p->prelen <= base + plen) {
		if (c != (unsigned char)ARCHIVE_PREFIX[p->prelen - base - 1])
			return archive_fail(p, p->off, "not an X archive file: "
			    "\"%s\" does not start with \"window.YTD.\"",
			    archive_quote(q, sizeof(q), p->pre, p->prelen));
		return 0;
	}
	if (c == '[')
		return archive_prefix(p);
	return 0;
}

/* A decimal id of 1 to 19 digits, at most INT64_MAX; no sign, no space. */
static int
archive_id(struct archive_parser *p, int64_t *out)
{
	uint64_t	v = 0;
	size_t		i;
	char		q[ARCHIVE_QUOTE_MAX * 4 + 8];

	for (i = 0; i < p->toklen; i++)
		if (p->tok[i] < '0' || p->tok[i] > '9')
			break;
	if (p->toklen == 0 || i < p->toklen)
		return archive_fail(p, p->tokoff, "id \"%s\" is not a number",
		    archive_quote(q, sizeof(q), p->tok, p->toklen));
	if (p->toklen > 19)
		return archive_fail(p, p->tokoff, "id \"%s\" has more than 19 "
		    "digits", archive_quote(q, sizeof(q), p->tok, p->toklen));
	/* 19 digits fit in a uint64_t: no overflow before the check */
	for (i = 0; i < p->toklen; i++)
		v = v * 10 + (uint64_t)(p->tok[i] - '0');
	if (v > (uint64_t)INT64_MAX)
		return archive_fail(p, p->tokoff, "id \"%s\" is out of range",
		    archive_quote(q, sizeof(q), p->tok, p->toklen));
	*out = (int64_t)v;
	return 0;
}

static int
archive_username(struct archive_parser *p)
{
	size_t	i;
	char	q[ARCHIVE_QUOTE_MAX * 4 + 8], c;

	for (i = 0; i < p->toklen; i++) {
		c = p->tok[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_'))
			break;
	}
	if (p->toklen == 0 || p->toklen > ARCHIVE_USERNAME_MAX || i < p->toklen)
		return archive_fail(p, p->tokoff, "username \"%s\" is not an X "
		    "handle (1 to 15 letters, digits or _)",
		    archive_quote(q, sizeof(q), p->tok, p->toklen));
	memcpy(p->cur_user, p->tok, p->toklen);
	p->cur_user[p->toklen] = '\0';
	return 0;
}

/* A value ended: its container now wants a comma or its end. */
static void
archive_value_done(struct archive_parser *p)
{
	if (p->depth > 0)
		p->state[p->depth - 1] = S_COMMA_OR_END;
}

/* A key ended: what will its value mean? */
static int
archive_key(struct archive_parser *p)
{
	char	q[ARCHIVE_QUOTE_MAX * 4 + 8];
	int	k;

	p->state[p->depth - 1] = S_COLON;
	p->role = R_NONE;
	if (p->depth == 2) {
		k = archive_kind_of(p->tok, p->toklen);
		if (k == (int)p->kind) {
			if (p->entry_has_kind)
				return archive_fail(p, p->tokoff, "entry with "
				    "two \"%s\" keys", archive_names[k]);
			p->entry_has_kind = 1;
			p->role = R_KIND;
		} else if (k != -1)
			return archive_fail(p, p->tokoff, "a \"%s\" entry in a "
			    "%s file", archive_quote(q, sizeof(q), p->tok,
			    p->toklen), archive_names[p->kind]);
	} else if (p->depth == 3 && p->kind_open) {
		if (p->toklen == 9 && memcmp(p->tok, "accountId", 9) == 0) {
			if (p->have_id)
				return archive_fail(p, p->tokoff, "entry with "
				    "two accountId keys");
			p->role = R_ID;
		} else if (p->kind == ARCHIVE_ACCOUNT && p->toklen == 8 &&
		    memcmp(p->tok, "username", 8) == 0) {
			if (p->have_user)
				return archive_fail(p, p->tokoff, "entry with "
				    "two username keys");
			p->role = R_USERNAME;
		}
	}
	return 0;
}

static int
archive_string_done(struct archive_parser *p)
{
	p->lex = LEX_NONE;
	if (p->is_key)
		return archive_key(p);
	if (p->vrole == R_ID) {
		if (archive_id(p, &p->cur_id) == -1)
			return -1;
		p->have_id = 1;
	} else if (p->vrole == R_USERNAME) {
		if (archive_username(p) == -1)
			return -1;
		p->have_user = 1;
	}
	archive_value_done(p);
	return 0;
}

static int
archive_push(struct archive_parser *p, unsigned char c)
{
	if (p->depth == ARCHIVE_DEPTH_MAX)
		return archive_fail(p, p->off, "nesting deeper than %d",
		    ARCHIVE_DEPTH_MAX);
	p->frame[p->depth] = c;
	p->state[p->depth] = c == '{' ? S_KEY_OR_END : S_VALUE_OR_END;
	p->depth++;
	return 0;
}

/* The innermost container ends. */
static int
archive_close(struct archive_parser *p)
{
	if (p->depth == 3 && p->kind_open) {
		p->kind_open = 0;
		if (!p->have_id)
			return archive_fail(p, p->off, "%s entry without "
			    "accountId", archive_names[p->kind]);
		if (p->kind == ARCHIVE_ACCOUNT) {
			if (!p->have_user)
				return archive_fail(p, p->off, "account entry "
				    "without username");
			if (p->have_acct)
				return archive_fail(p, p->off, "more than one "
				    "account entry");
			p->acct.id = p->cur_id;
			memcpy(p->acct.username, p->cur_user,
			    sizeof(p->acct.username));
			p->have_acct = 1;
		} else if (p->on_id != NULL && p->on_id(p->cur_id, p->arg) != 0)
			return archive_fail(p, p->off, "stopped by the caller");
	} else if (p->depth == 2) {
		if (!p->entry_has_kind)
			return archive_fail(p, p->off, "entry without a \"%s\" "
			    "key", archive_names[p->kind]);
		p->count++;
	}
	if (--p->depth == 0)
		p->phase = PH_TRAILER;
	archive_value_done(p);
	return 0;
}

static void
archive_token_begin(struct archive_parser *p, enum archive_lex lex)
{
	p->lex = lex;
	p->toklen = 0;
	p->tokoff = p->off;
	p->esc = 0;
	p->hi = 0;
	p->utf_need = 0;
}

static int
archive_value_begin(struct archive_parser *p, unsigned char c)
{
	enum archive_role	role = p->role;

	p->role = R_NONE;
	if (p->depth == 1 && c != '{')
		return c == '"' || c == '-' || (c >= '0' && c <= '9') ||
		    c == '[' || (c >= 'a' && c <= 'z') ?
		    archive_fail(p, p->off, "entry is not an object") :
		    archive_syntax(p, c, "a value");
	if (role == R_KIND && c != '{')
		return archive_fail(p, p->off, "\"%s\" is not an object",
		    archive_names[p->kind]);
	if ((role == R_ID || role == R_USERNAME) && c != '"')
		return archive_fail(p, p->off, "%s is not a string",
		    role == R_ID ? "accountId" : "username");
	if (c == '{' || c == '[') {
		if (archive_push(p, c) == -1)
			return -1;
		if (p->depth == 2)
			p->entry_has_kind = 0;
		else if (role == R_KIND) {
			p->kind_open = 1;
			p->have_id = p->have_user = 0;
		}
		return 0;
	}
	if (c == '"') {
		archive_token_begin(p, LEX_STRING);
		p->is_key = 0;
		p->vrole = role;
		return 0;
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		archive_token_begin(p, LEX_NUMBER);
		p->tok[p->toklen++] = (char)c;
		return 0;
	}
	if (c >= 'a' && c <= 'z') {
		archive_token_begin(p, LEX_LITERAL);
		p->tok[p->toklen++] = (char)c;
		return 0;
	}
	return archive_syntax(p, c, "a value");
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
archive_number_ok(const char *s, size_t n)
{
	size_t	i = 0, d;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i == n;
}

/* A number or literal goes on until a byte that cannot be part of it. */
static int
archive_scalar_byte(struct archive_parser *p, unsigned char c)
{
	char	q[ARCHIVE_QUOTE_MAX * 4 + 8];
	int	in;

	if (p->lex == LEX_NUMBER)
		in = (c >= '0' && c <= '9') || c == '-' || c == '+' ||
		    c == '.' || c == 'e' || c == 'E';
	else
		in = c >= 'a' && c <= 'z';
	if (in) {
		if (p->toklen == ARCHIVE_NUMBER_MAX)
			return archive_fail(p, p->tokoff, "JSON syntax error: "
			    "token \"%s\" too long", archive_quote(q, sizeof(q),
			    p->tok, p->toklen));
		p->tok[p->toklen++] = (char)c;
		return 0;
	}
	if (p->lex == LEX_NUMBER ? !archive_number_ok(p->tok, p->toklen) :
	    !((p->toklen == 4 && memcmp(p->tok, "true", 4) == 0) ||
	    (p->toklen == 5 && memcmp(p->tok, "false", 5) == 0) ||
	    (p->toklen == 4 && memcmp(p->tok, "null", 4) == 0)))
		return archive_fail(p, p->tokoff, "JSON syntax error: bad %s "
		    "\"%s\"", p->lex == LEX_NUMBER ? "number" : "literal",
		    archive_quote(q, sizeof(q), p->tok, p->toklen));
	p->lex = LEX_NONE;
	archive_value_done(p);
	return archive_struct(p, c);
}

static int
archive_append(struct archive_parser *p, unsigned char c)
{
	if (p->toklen == ARCHIVE_STRING_MAX)
		return archive_fail(p, p->tokoff, "string longer than %d bytes",
		    ARCHIVE_STRING_MAX);
	p->tok[p->toklen++] = (char)c;
	return 0;
}

/* A code point from a \u escape, as UTF-8. */
static int
archive_append_cp(struct archive_parser *p, unsigned cp)
{
	int	r;

	if (cp < 0x80)
		return archive_append(p, (unsigned char)cp);
	if (cp < 0x800)
		return archive_append(p, (unsigned char)(0xc0 | cp >> 6)) |
		    archive_append(p, (unsigned char)(0x80 | (cp & 0x3f)));
	if (cp < 0x10000)
		r = archive_append(p, (unsigned char)(0xe0 | cp >> 12));
	else {
		r = archive_append(p, (unsigned char)(0xf0 | cp >> 18));
		r |= archive_append(p, (unsigned char)(0x80 |
		    ((cp >> 12) & 0x3f)));
	}
	r |= archive_append(p, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
	return r | archive_append(p, (unsigned char)(0x80 | (cp & 0x3f)));
}

static int
archive_unicode(struct archive_parser *p)
{
	unsigned	u = p->u;

	if (p->hi != 0) {
		if (u < 0xdc00 || u > 0xdfff)
			return archive_fail(p, p->off, "invalid \\u escape "
			    "(unpaired surrogate)");
		u = 0x10000 + ((p->hi - 0xd800) << 10) + (u - 0xdc00);
		p->hi = 0;
		return archive_append_cp(p, u);
	}
	if (u >= 0xd800 && u <= 0xdbff) {
		p->hi = u;
		return 0;
	}
	if (u >= 0xdc00 && u <= 0xdfff)
		return archive_fail(p, p->off, "invalid \\u escape (unpaired "
		    "surrogate)");
	if (u == 0)
		return archive_fail(p, p->off, "\\u0000 in a string");
	return archive_append_cp(p, u);
}

static int
archive_string_byte(struct archive_parser *p, unsigned char c)
{
	static const char	 from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char		*e;
	int			 h;

	if (p->esc == 1) {
		if (p->hi != 0 && c != 'u')
			return archive_fail(p, p->off, "invalid \\u escape "
			    "(unpaired surrogate)");
		if (c == 'u') {
			p->esc = 2;
			p->u = 0;
			return 0;
		}
		p->esc = 0;
		if (c == '\0' || (e = strchr(from, c)) == NULL)
			return archive_fail(p, p->off, "JSON syntax error: bad "
			    "escape in a string");
		return archive_append(p, (unsigned char)to[e - from]);
	}
	if (p->esc >= 2) {
		if (c >= '0' && c <= '9')
			h = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			h = (c | 0x20) - 'a' + 10;
		else
			return archive_fail(p, p->off, "JSON syntax error: bad "
			    "\\u escape in a string");
		p->u = p->u << 4 | (unsigned)h;
		if (++p->esc < 6)
			return 0;
		p->esc = 0;
		return archive_unicode(p);
	}
	if (p->utf_need > 0) {
		if (c < p->utf_lo || c > p->utf_hi)
			return archive_fail(p, p->off, "invalid UTF-8 in a "
			    "string");
		p->utf_need--;
		p->utf_lo = 0x80;
		p->utf_hi = 0xbf;
		return archive_append(p, c);
	}
	if (p->hi != 0 && c != '\\')
		return archive_fail(p, p->off, "invalid \\u escape (unpaired "
		    "surrogate)");
	if (c == '"')
		return archive_string_done(p);
	if (c == '\\') {
		p->esc = 1;
		return 0;
	}
	if (c < 0x20)
		return archive_fail(p, p->off, "control character 0x%02x in a "
		    "string", c);
	if (c >= 0x80) {
		p->utf_lo = 0x80;
		p->utf_hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			p->utf_need = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			p->utf_need = 2;
			if (c == 0xe0)
				p->utf_lo = 0xa0;
			else if (c == 0xed)	/* no surrogates */
				p->utf_hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			p->utf_need = 3;
			if (c == 0xf0)
				p->utf_lo = 0x90;
			else if (c == 0xf4)
				p->utf_hi = 0x8f;
		} else
			return archive_fail(p, p->off, "invalid UTF-8 in a "
			    "string");
	}
	return archive_append(p, c);
}

/* A byte between tokens. */
static int
archive_struct(struct archive_parser *p, unsigned char c)
{
	char	q[16];
	int	obj;

	if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
		return 0;
	if (p->depth == 0) {
		if (c == ';' && !p->semicolon) {
			p->semicolon = 1;
			return 0;
		}
		return archive_fail(p, p->off, "\"%s\" after the end of the "
		    "array", archive_quote(q, sizeof(q), &c, 1));
	}
	obj = p->frame[p->depth - 1] == '{';
	switch (p->state[p->depth - 1]) {
	case S_KEY_OR_END:
		if (c == '}')
			return archive_close(p);
		/* FALLTHROUGH */
	case S_KEY:
		if (c != '"')
			return archive_syntax(p, c, "a key");
		archive_token_begin(p, LEX_STRING);
		p->is_key = 1;
		return 0;
	case S_COLON:
		if (c != ':')
			return archive_syntax(p, c, "':'");
		p->state[p->depth - 1] = S_VALUE;
		return 0;
	case S_VALUE_OR_END:
		if (c == ']')
			return archive_close(p);
		/* FALLTHROUGH */
	case S_VALUE:
		return archive_value_begin(p, c);
	case S_COMMA_OR_END:
		if (c == ',') {
			p->state[p->depth - 1] = obj ? S_KEY : S_VALUE;
			return 0;
		}
		if (c == (obj ? '}' : ']'))
			return archive_close(p);
		return archive_syntax(p, c, obj ? "',' or '}'" : "',' or ']'");
	}
	return archive_syntax(p, c, "something else");
}

static int
archive_byte(struct archive_parser *p, unsigned char c)
{
	switch (p->phase) {
	case PH_PREFIX:
		return archive_prefix_byte(p, c);
	case PH_BODY:
	case PH_TRAILER:
		switch (p->lex) {
		case LEX_STRING:
			return archive_string_byte(p, c);
		case LEX_NUMBER:
		case LEX_LITERAL:
			return archive_scalar_byte(p, c);
		case LEX_NONE:
			break;
		}
		return archive_struct(p, c);
	case PH_FINISHED:
		break;
	}
	return archive_fail(p, p->off, "data after the end of input");
}

/* How many of the n bytes at s are blanks between JSON tokens. */
static size_t
archive_blanks(const unsigned char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
			break;
	return i;
}

/* How many are printable ASCII a string holds as is (no '"' or '\\'). */
static size_t
archive_plain(const unsigned char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] >= 0x80 || s[i] == '"' || s[i] == '\\')
			break;
	return i;
}

struct archive_parser *
archive_parser_new(enum archive_kind expect, archive_id_fn on_id, void *arg)
{
	struct archive_parser	*p;

	p = xcalloc(1, sizeof(*p));
	p->expect = expect;
	p->kind = ARCHIVE_ANY;
	p->on_id = on_id;
	p->arg = arg;
	return p;
}

int
archive_parser_feed(struct archive_parser *p, const void *buf, size_t len)
{
	const unsigned char	*s = buf;
	size_t			 i, n;

	if (p->failed)
		return -1;
	for (i = 0; i < len; i++, p->off++) {
		/*
		 * Two fast paths, for what most of a file is: indentation
		 * between tokens, and plain ASCII inside strings (the
		 * userLink URLs).  Both do exactly what the byte path does,
		 * a run at a time; anything else takes the byte path.
		 */
		if (p->phase == PH_BODY || p->phase == PH_TRAILER) {
			if (p->lex == LEX_NONE)
				n = archive_blanks(s + i, len - i);
			else if (p->lex == LEX_STRING && p->esc == 0 &&
			    p->utf_need == 0 && p->hi == 0 &&
			    (n = archive_plain(s + i, len - i)) > 0) {
				if (n > ARCHIVE_STRING_MAX - p->toklen)
					n = 0;	/* the byte path says why */
				memcpy(p->tok + p->toklen, s + i, n);
				p->toklen += n;
			} else
				n = 0;
			i += n;
			p->off += n;
			if (i == len)
				break;
		}
		if (archive_byte(p, s[i]) == -1)
			return -1;
	}
	return 0;
}

int
archive_parser_finish(struct archive_parser *p)
{
	if (p->failed)
		return -1;
	if (p->phase != PH_TRAILER)
		return archive_fail(p, p->off, "truncated input: the file ends "
		    "before the closing ]");
	if (p->kind == ARCHIVE_ACCOUNT && !p->have_acct)
		return archive_fail(p, p->off, "account file without an "
		    "account entry");
	p->phase = PH_FINISHED;
	return 0;
}

enum archive_kind
archive_parser_kind(const struct archive_parser *p)
{
	return p->kind;
}

const struct archive_account *
archive_parser_account(const struct archive_parser *p)
{
	if (p->failed || p->phase != PH_FINISHED || !p->have_acct)
		return NULL;
	return &p->acct;
}

size_t
archive_parser_count(const struct archive_parser *p)
{
	return p->count;
}

const char *
archive_error(const struct archive_parser *p)
{
	return p->failed ? p->err : NULL;
}

void
archive_parser_free(struct archive_parser *p)
{
	free(p);
}

int
archive_parse_buffer(enum archive_kind expect, const void *buf, size_t len,
    archive_id_fn on_id, void *arg, struct archive_account *acct_out,
    char *err, size_t errsize)
{
	struct archive_parser		*p;
	const struct archive_account	*a;
	int				 r;

	p = archive_parser_new(expect, on_id, arg);
	r = archive_parser_feed(p, buf, len);
	if (r == 0)
		r = archive_parser_finish(p);
	if (acct_out != NULL) {
		memset(acct_out, 0, sizeof(*acct_out));
		if (r == 0 && (a = archive_parser_account(p)) != NULL)
			*acct_out = *a;
	}
	if (err != NULL && errsize > 0)
		snprintf(err, errsize, "%s", r == 0 ? "" : archive_error(p));
	archive_parser_free(p);
	return r;
}

enum archive_file
archive_file_kind(const char *name)
{
	static const struct {
		const char		*stem;
		enum archive_file	 file;
		int			 parts;		/* -part<N> allowed */
	} names[] = {
		{ "manifest", ARCHIVE_FILE_MANIFEST, 0 },
		{ "account", ARCHIVE_FILE_ACCOUNT, 0 },
		{ "follower", ARCHIVE_FILE_FOLLOWER, 1 },
		{ "following", ARCHIVE_FILE_FOLLOWING, 1 },
	};
	const char	*base = strrchr(name, '/'), *p;
	size_t		 i, n;

	base = base != NULL ? base + 1 : name;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = strlen(names[i].stem);
		if (strncmp(base, names[i].stem, n) != 0)
			continue;
		p = base + n;
		if (names[i].parts && strncmp(p, "-part", 5) == 0 &&
		    p[5] >= '0' && p[5] <= '9') {
			for (p += 5; *p >= '0' && *p <= '9'; p++)
				;
		}
		if (strcmp(p, ".js") == 0)
			return names[i].file;
	}
	return ARCHIVE_FILE_NONE;
}
