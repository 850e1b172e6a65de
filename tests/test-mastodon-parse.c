/*
 * test-mastodon-parse: status HTML to text, streaming frames and
 * Notification entities as Mastodon sends them.
 *
 * JSON fixtures are written with ' for " (so they read like the
 * documentation) and turned into JSON by dq(); a \' inside a JSON string
 * is then \", an escaped quote.  None of them needs a real apostrophe:
 * Mastodon escapes it in HTML as &#39;.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "quitx/html-text.h"
#include "quitx/mastodon-parse.h"
#include "quitx/xmalloc.h"

/* The content of the mention fixture, as Mastodon 4.x renders it. */
static const char fixture_html[] =
	"<p><span class=\"h-card\" translate=\"no\"><a href=\"https://mastodon"
	".example/@HelloQuitX\" class=\"u-url mention\">@<span>HelloQuitX</span>"
	"</a></span> register me please, I&#39;m <a href=\"https://x.com/mari"
	"e_x\" rel=\"nofollow noopener\" translate=\"no\" target=\"_blank\">"
	"<span class=\"invisible\">https://</span><span class=\"\">x.com/marie_"
	"x</span><span class=\"invisible\"></span></a> on X &amp; I&apos;m lea"
	"ving 🚀</p><p>cc <span class=\"h-card\" translate=\"no\"><a href=\"htt"
	"ps://social.example/@paul\" class=\"u-url mention\">@<span>paul</span>"
	"</a></span></p>";

static const char fixture_text[] =
	"@HelloQuitX register me please, I'm https://x.com/marie_x on X & "
	"I'm leaving 🚀\n\ncc @paul";

/* GET /api/v1/notifications/34975861, as the documentation shows it */
static const char mention_json[] =
	"{"
	" 'id': '34975861',"
	" 'type': 'mention',"
	" 'created_at': '2025-01-20T08:01:02.345Z',"
	" 'group_key': 'ungrouped-34975861',"
	" 'account': {"
	"  'id': '109348745123456789',"
	"  'username': 'marie',"
	"  'acct': 'marie@piaille.example',"
	"  'display_name': 'Marie ✨',"
	"  'locked': false,"
	"  'bot': false,"
	"  'discoverable': true,"
	"  'group': false,"
	"  'created_at': '2022-11-13T00:00:00.000Z',"
	"  'note': '<p>Chercheuse. Ex-<a href=\\'https://x.com/marie_x\\' "
	"rel=\\'nofollow noopener\\' target=\\'_blank\\'>x.com/marie_x</a>"
	"</p>',"
	"  'url': 'https://piaille.example/@marie',"
	"  'uri': 'https://piaille.example/users/marie',"
	"  'avatar': 'https://files.example/avatars/marie.png',"
	"  'avatar_static': 'https://files.example/avatars/marie.png',"
	"  'header': 'https://files.example/headers/missing.png',"
	"  'header_static': 'https://files.example/headers/missing.png',"
	"  'followers_count': 321,"
	"  'following_count': 210,"
	"  'statuses_count': 1500,"
	"  'last_status_at': '2025-01-19',"
	"  'emojis': [],"
	"  'fields': []"
	" },"
	" 'status': {"
	"  'id': '113862458112233445',"
	"  'created_at': '2025-01-20T08:01:02.000Z',"
	"  'in_reply_to_id': null,"
	"  'in_reply_to_account_id': null,"
	"  'sensitive': false,"
	"  'spoiler_text': '',"
	"  'visibility': 'public',"
	"  'language': 'en',"
	"  'uri': 'https://piaille.example/users/marie/statuses/"
	"113862458112233445',"
	"  'url': 'https://piaille.example/@marie/113862458112233445',"
	"  'replies_count': 0,"
	"  'reblogs_count': 0,"
	"  'favourites_count': 0,"
	"  'edited_at': null,"
	"  'content': '<p><span class=\\'h-card\\' translate=\\'no\\'><a "
	"href=\\'https://mastodon.example/@HelloQuitX\\' class=\\'u-url "
	"mention\\'>@<span>HelloQuitX</span></a></span> register me please, "
	"I&#39;m <a href=\\'https://x.com/marie_x\\' rel=\\'nofollow noopener"
	"\\' translate=\\'no\\' target=\\'_blank\\'><span class=\\'invisible"
	"\\'>https://</span><span class=\\'\\'>x.com/marie_x</span><span "
	"class=\\'invisible\\'></span></a> on X &amp; I&apos;m leaving 🚀</p>"
	"<p>cc <span class=\\'h-card\\' translate=\\'no\\'><a href=\\'https:"
	"//social.example/@paul\\' class=\\'u-url mention\\'>@<span>paul"
	"</span></a></span></p>',"
	"  'reblog': null,"
	"  'application': {"
	"   'name': 'Web',"
	"   'website': null"
	"  },"
	"  'account': {"
	"   'id': '109348745123456789',"
	"   'username': 'marie',"
	"   'acct': 'marie@piaille.example',"
	"   'display_name': 'Marie ✨',"
	"   'bot': false,"
	"   'url': 'https://piaille.example/@marie'"
	"  },"
	"  'media_attachments': [],"
	"  'mentions': ["
	"   {"
	"    'id': '110000000000000001',"
	"    'username': 'HelloQuitX',"
	"    'url': 'https://mastodon.example/@HelloQuitX',"
	"    'acct': 'HelloQuitX'"
	"   },"
	"   {"
	"    'id': '110000000000000777',"
	"    'username': 'paul',"
	"    'url': 'https://social.example/@paul',"
	"    'acct': 'paul@social.example'"
	"   }"
	"  ],"
	"  'tags': [],"
	"  'emojis': [],"
	"  'card': null,"
	"  'poll': null"
	" }"
	"}";

static const char follow_json[] =
	"{"
	" 'id': '34975870',"
	" 'type': 'follow',"
	" 'created_at': '2025-01-20T08:02:00.000Z',"
	" 'group_key': 'ungrouped-34975870',"
	" 'account': {"
	"  'id': '109348745123456789',"
	"  'username': 'marie',"
	"  'acct': 'marie@piaille.example',"
	"  'display_name': 'Marie ✨',"
	"  'locked': false,"
	"  'bot': false,"
	"  'discoverable': true,"
	"  'group': false,"
	"  'created_at': '2022-11-13T00:00:00.000Z',"
	"  'note': '<p>Chercheuse. Ex-<a href=\\'https://x.com/marie_x\\' "
	"rel=\\'nofollow noopener\\' target=\\'_blank\\'>x.com/marie_x</a>"
	"</p>',"
	"  'url': 'https://piaille.example/@marie',"
	"  'uri': 'https://piaille.example/users/marie',"
	"  'avatar': 'https://files.example/avatars/marie.png',"
	"  'avatar_static': 'https://files.example/avatars/marie.png',"
	"  'header': 'https://files.example/headers/missing.png',"
	"  'header_static': 'https://files.example/headers/missing.png',"
	"  'followers_count': 321,"
	"  'following_count': 210,"
	"  'statuses_count': 1500,"
	"  'last_status_at': '2025-01-19',"
	"  'emojis': [],"
	"  'fields': []"
	" }"
	"}";

/* s with every ' turned into ", in a new string */
static char *
dq(const char *s)
{
	char	*j = xstrdup(s), *p;

	for (p = j; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return j;
}

/*
 * What html_text promises of any result: valid UTF-8, no control byte
 * but '\n', no space at either end of a line, no blank line at either
 * end.
 */
static int
text_ok(const char *text)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 n, i;

	if (s[0] == '\n')
		return 0;
	for (; *s != '\0'; s += n) {
		if (*s < 0x80) {
			n = 1;
			if ((*s < 0x20 && *s != '\n') || *s == 0x7f)
				return 0;
			if (*s == ' ' && (s == (const unsigned char *)text ||
			    s[-1] == '\n' || s[1] == '\n' || s[1] == '\0'))
				return 0;
			if (*s == '\n' && s[1] == '\0')
				return 0;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf)
			n = 2;
		else if (*s >= 0xe0 && *s <= 0xef)
			n = 3;
		else if (*s >= 0xf0 && *s <= 0xf4)
			n = 4;
		else
			return 0;
		for (i = 1; i < n; i++)
			if ((s[i] & 0xc0) != 0x80)
				return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) ||
		    (s[0] == 0xed && s[1] >= 0xa0) ||
		    (s[0] == 0xf0 && s[1] < 0x90) ||
		    (s[0] == 0xf4 && s[1] >= 0x90))
			return 0;
	}
	return 1;
}

/* html (a C string) must read as want */
#define assert_html(html, want) do {					\
	char	*t_ = html_text((html), strlen(html));			\
	assert_true(text_ok(t_));					\
	assert_string_equal(t_, (want));				\
	free(t_);							\
} while (0)

static void
test_html_fixture(void **state)
{
	(void)state;
	assert_html(fixture_html, fixture_text);
}

static void
test_html_breaks(void **state)
{
	(void)state;
	assert_html("<p>line one<br>line two<br />line three</p>",
	    "line one\nline two\nline three");
	assert_html("<p>a<br><br>b</p>", "a\n\nb");
	/* a <br> ending a paragraph adds nothing to the paragraph break */
	assert_html("<p>a<br></p><p>b</p>", "a\n\nb");
	assert_html("<p>one</p><p>two</p><p>three</p>",
	    "one\n\ntwo\n\nthree");
	/* spaces around a break do not survive on either line */
	assert_html("<p>a <br> b </p>\n<p> c</p>", "a\nb\n\nc");
	/* leading and trailing breaks go */
	assert_html("<br><p></p><p>x</p><br><br>", "x");
}

static void
test_html_entities(void **state)
{
	(void)state;
	assert_html("<p>&amp; &lt; &gt; &quot; &#39; &apos;</p>",
	    "& < > \" ' '");
	assert_html("<p>&#x1F680; &#128640; &#X1f680;</p>", "🚀 🚀 🚀");
	assert_html("<p>caf&eacute; &euro;5 &copy;</p>", "café €5 ©");
	/* &nbsp; does not collapse, and reads as a plain space */
	assert_html("<p>a&nbsp;b&nbsp;&nbsp;c</p>", "a b  c");
	/* a reference to nothing (NUL, surrogate, C1 control) is dropped */
	assert_html("<p>x&#0;y&#xD800;z&#128;.</p>", "xyz.");
	/*
	 * not an entity: left as written (also "&lt" without its ';',
	 * which browsers would decode; Mastodon always writes the ';')
	 */
	assert_html("<p>AT&T &unknown; 5 &lt 6</p>", "AT&T &unknown; 5 &lt 6");
}

static void
test_html_emoji(void **state)
{
	(void)state;
	/* ZWJ family, skin tones, flags, keycaps, VS16: byte for byte */
	assert_html("<p>👩‍👩‍👧‍👦 👍🏽 🧑🏿‍💻 🇫🇷 1️⃣ ❤️</p>",
	    "👩‍👩‍👧‍👦 👍🏽 🧑🏿‍💻 🇫🇷 1️⃣ ❤️");
	/* a ZWJ sequence split across elements is joined again */
	assert_html("<p>👩<span>\u200d💻</span></p>", "👩\u200d💻");
	/* combining marks stay on their base */
	assert_html("<p>e\xcc\x81 n\xcc\x83 \xe0\xa4\x95\xe0\xa5\x8d</p>",
	    "e\xcc\x81 n\xcc\x83 \xe0\xa4\x95\xe0\xa5\x8d");
}

static void
test_html_rtl(void **state)
{
	(void)state;
	/* Arabic with an LTR handle in it, and the marks that order it */
	assert_html("<p>مرحبا، أنا \u200e@marie_x\u200f على إكس</p>",
	    "مرحبا، أنا \u200e@marie_x\u200f على إكس");
	assert_html("<p dir=\"rtl\">שלום <a href=\"https://x.com/dana\">"
	    "<span class=\"invisible\">https://</span>x.com/dana</a> "
	    "\u2067תודה\u2069</p>",
	    "שלום https://x.com/dana \u2067תודה\u2069");
}

static void
test_html_links(void **state)
{
	(void)state;
	/* a long link: invisible + ellipsis + invisible is the full URL */
	assert_html("<p>see <a href=\"https://example.com/a/very/long/path/"
	    "indeed?x=1\" rel=\"nofollow noopener\" target=\"_blank\">"
	    "<span class=\"invisible\">https://</span><span class=\"ellipsis"
	    "\">example.com/a/very/long/pa</span><span class=\"invisible\">"
	    "th/indeed?x=1</span></a> now</p>",
	    "see https://example.com/a/very/long/path/indeed?x=1 now");
	assert_html("<p><a href=\"https://m.example/tags/QuitX\" class=\""
	    "mention hashtag\" rel=\"tag\">#<span>QuitX</span></a> <a href="
	    "\"https://m.example/tags/bye\" class=\"mention hashtag\" rel=\""
	    "tag\">#<span>bye</span></a></p>", "#QuitX #bye");
	/* mentions next to each other keep the space between them */
	assert_html("<p><span class=\"h-card\"><a href=\"https://a.example/"
	    "@a\" class=\"u-url mention\">@<span>a</span></a></span> <span "
	    "class=\"h-card\"><a href=\"https://b.example/@b\" class=\"u-url "
	    "mention\">@<span>b</span></a></span></p>", "@a @b");
	/* nested links (invalid HTML) still give all their text */
	assert_html("<p><a href=\"https://a.example/\">out <a href=\""
	    "https://b.example/\">in</a> after</a></p>", "out in after");
}

static void
test_html_dropped(void **state)
{
	(void)state;
	assert_html("<p>a<script>alert(\"x\") </script> b<style>p{color:"
	    "red}</style></p>", "a b");
	assert_html("<script>document.write('<p>x</p>')</script>", "");
	assert_html("<head><title>T</title></head><body>body</body>", "body");
	assert_html("<p>a<!-- comment -->b</p>", "ab");
}

static void
test_html_other_markup(void **state)
{
	(void)state;
	/* plain text (some servers send it) and text around tags */
	assert_html("just text, no tags", "just text, no tags");
	assert_html("  spaced \n\t out  ", "spaced out");
	assert_html("<div>one</div><div>two</div>three", "one\ntwo\nthree");
	assert_html("<p>quote:</p><blockquote><p>said</p></blockquote>end",
	    "quote:\n\nsaid\n\nend");
	assert_html("<p>list</p><ul><li>a</li><li>b <b>bold</b></li></ul>",
	    "list\n\na\nb bold");
	assert_html("<h1>Title</h1><p>x <em>y</em> <code>z</code></p>",
	    "Title\n\nx y z");
	assert_html("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td>"
	    "</tr></table>", "a b\nc");
	/* <pre> keeps its line breaks */
	assert_html("<pre>a  b\nc</pre>", "a  b\nc");
	/* unknown tags give their text */
	assert_html("<p><blink>x</blink> <foo:bar>y</foo:bar></p>", "x y");
	/* markup cut short */
	assert_html("<p>a <a href=\"https://x", "a");
	assert_html("<p>a <b>b", "a b");
}

static void
test_html_empty(void **state)
{
	char	*t;

	(void)state;
	assert_html("", "");
	assert_html("   \n ", "");
	assert_html("<p></p>", "");
	assert_html("<p> </p><br><p>&#32;</p>", "");
	/* a bare '<' that starts no tag is text */
	assert_html("1<2 and 3>2, x <", "1<2 and 3>2, x <");
	t = html_text(NULL, 0);
	assert_string_equal(t, "");
	free(t);
}

static void
test_html_invalid_utf8(void **state)
{
	static const char	in[] = "<p>a\xff" "b\xc3(c\xe2\x82" "d\xed\xa0"
	    "\x80" "e\xf8\x88\x80\x80\x80" "f\xc0\xaf" "g\x00h\x01i</p>";
	char			*t;

	(void)state;
	t = html_text(in, sizeof(in) - 1);
	assert_true(text_ok(t));
	/* each bad byte is one U+FFFD; NUL and controls are dropped */
	assert_string_equal(t, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "(c"
	    "\xef\xbf\xbd\xef\xbf\xbd" "d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "e\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "f\xef\xbf\xbd\xef\xbf\xbd" "ghi");
	free(t);
	/* a bad byte does not spoil the valid text after it */
	assert_html("\xe9t\xe9 🚀 été", "\xef\xbf\xbdt\xef\xbf\xbd 🚀 été");
}

static void
test_html_large(void **state)
{
	static const char	 word[] = "<p>word <b>bold</b></p>";
	size_t			 size = 1024 * 1024, i, len;
	char			*big, *t;

	(void)state;
	big = xmalloc(size);
	for (i = 0; i + sizeof(word) - 1 <= size; i += sizeof(word) - 1)
		memcpy(big + i, word, sizeof(word) - 1);
	len = i;
	t = html_text(big, len);
	assert_true(text_ok(t));
	assert_true(strncmp(t, "word bold\n\nword bold", 20) == 0);
	/* only the first HTML_TEXT_MAX bytes were read */
	assert_true(strlen(t) < HTML_TEXT_MAX);
	assert_true(strlen(t) > HTML_TEXT_MAX / 3);
	free(t);

	/* nested thousands deep: no recursion to overflow */
	for (i = 0; i + 3 <= size; i += 3)
		memcpy(big + i, "<b>", 3);
	t = html_text(big, i);
	assert_string_equal(t, "");
	free(t);
	for (i = 0; i + 5 <= size; i += 5)
		memcpy(big + i, "<q>x ", 5);
	t = html_text(big, i);
	assert_true(text_ok(t));
	assert_true(strncmp(t, "x x x", 5) == 0);
	free(t);
	free(big);
}

static void
test_html_cut_boundary(void **state)
{
	size_t	 len = HTML_TEXT_MAX + 1;
	char	*big, *t;

	(void)state;
	/* the limit falls inside "é": it is left out whole, not mangled */
	big = xmalloc(len + 1);
	memset(big, 'a', HTML_TEXT_MAX - 1);
	memcpy(big + HTML_TEXT_MAX - 1, "\xc3\xa9", 2);
	big[len] = '\0';
	t = html_text(big, len);
	assert_int_equal(strlen(t), HTML_TEXT_MAX - 1);
	assert_true(text_ok(t));
	free(t);
	free(big);
}

/* parse a frame written with ' for " */
static int
frame(const char *text, enum mastodon_event *ev, char **payload, char *err,
    size_t errsize)
{
	char	*j = dq(text);
	int	 rc;

	rc = mastodon_frame_parse(j, strlen(j), ev, payload, err, errsize);
	free(j);
	return rc;
}

static void
test_frame_notification(void **state)
{
	struct mastodon_notification	 n;
	enum mastodon_event		 ev;
	json_t				*obj;
	char				 err[256], *mention, *text, *payload;

	(void)state;
	/* a short frame as the streaming server writes it */
	assert_int_equal(frame("{'stream':['user:notification'],'event':"
	    "'notification','payload':'{\\'id\\':\\'34975870\\',\\'type\\':"
	    "\\'follow\\',\\'account\\':{\\'id\\':\\'1\\',\\'acct\\':\\'marie@"
	    "piaille.example\\'}}'}", &ev, &payload, err, sizeof(err)), 0);
	assert_int_equal(ev, MASTODON_EV_NOTIFICATION);
	assert_string_equal(payload, "{\"id\":\"34975870\",\"type\":\"follow\","
	    "\"account\":{\"id\":\"1\",\"acct\":\"marie@piaille.example\"}}");
	assert_int_equal(mastodon_notification_parse(payload, strlen(payload),
	    &n, err, sizeof(err)), 0);
	assert_int_equal(n.type, MASTODON_NOTIF_FOLLOW);
	assert_string_equal(n.id, "34975870");
	mastodon_notification_clear(&n);
	free(payload);

	/* the full mention, stringified into the payload */
	mention = dq(mention_json);
	obj = json_pack("{s:[s],s:s,s:s}", "stream", "user:notification",
	    "event", "notification", "payload", mention);
	assert_non_null(obj);
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	assert_int_equal(mastodon_frame_parse(text, strlen(text), &ev,
	    &payload, err, sizeof(err)), 0);
	assert_int_equal(ev, MASTODON_EV_NOTIFICATION);
	assert_string_equal(payload, mention);
	assert_int_equal(mastodon_notification_parse(payload, strlen(payload),
	    &n, err, sizeof(err)), 0);
	assert_string_equal(n.text, fixture_text);
	mastodon_notification_clear(&n);
	free(payload);
	free(text);
	free(mention);
}

static void
test_frame_delete(void **state)
{
	enum mastodon_event	 ev;
	char			 err[256], *payload;

	(void)state;
	assert_int_equal(frame("{'stream':['user'],'event':'delete',"
	    "'payload':'106692867363994015'}", &ev, &payload, err,
	    sizeof(err)), 0);
	assert_int_equal(ev, MASTODON_EV_DELETE);
	assert_string_equal(payload, "106692867363994015");
	free(payload);
	/* a delete must say what */
	assert_int_equal(frame("{'stream':['user'],'event':'delete'}", &ev,
	    &payload, err, sizeof(err)), -1);
	assert_null(payload);
	assert_string_equal(err, "frame: delete without payload");
}

static void
test_frame_other(void **state)
{
	enum mastodon_event	 ev;
	char			 err[256], *payload;

	(void)state;
	assert_int_equal(frame("{'stream':['user'],'event':'filters_changed'}",
	    &ev, &payload, err, sizeof(err)), 0);
	assert_int_equal(ev, MASTODON_EV_OTHER);
	assert_null(payload);
	assert_int_equal(frame("{'stream':['user'],'event':'filters_changed',"
	    "'payload':null}", &ev, &payload, err, sizeof(err)), 0);
	assert_null(payload);
	assert_int_equal(frame("{'stream':['hashtag','foo'],'event':'update',"
	    "'payload':'{}'}", &ev, &payload, err, sizeof(err)), 0);
	assert_int_equal(ev, MASTODON_EV_OTHER);
	assert_string_equal(payload, "{}");
	free(payload);
	/* servers before 3.3 sent no stream */
	assert_int_equal(frame("{'event':'announcement.delete','payload':'7'}",
	    &ev, &payload, err, sizeof(err)), 0);
	assert_string_equal(payload, "7");
	free(payload);
	/* an event without payload at all */
	assert_int_equal(frame("{'stream':['user'],'event':"
	    "'notifications_merged','payload':''}", &ev, &payload, err,
	    sizeof(err)), 0);
	assert_string_equal(payload, "");
	free(payload);
}

static void
test_frame_error(void **state)
{
	enum mastodon_event	 ev;
	char			 err[256], *payload;

	(void)state;
	assert_int_equal(frame("{'error':'Unknown stream type','status':400}",
	    &ev, &payload, err, sizeof(err)), 0);
	assert_int_equal(ev, MASTODON_EV_ERROR);
	assert_string_equal(payload, "Unknown stream type");
	free(payload);
	assert_int_equal(frame("{'error':'Error unsubscribing from channel'}",
	    &ev, &payload, err, sizeof(err)), 0);
	assert_int_equal(ev, MASTODON_EV_ERROR);
	assert_string_equal(payload, "Error unsubscribing from channel");
	free(payload);
	assert_int_equal(frame("{'error':401}", &ev, &payload, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "frame: error is not a string");
}

static void
test_frame_bad(void **state)
{
	static const char	 garbage[] = "\x82\x00\xff\xfe{\"event\":\x00";
	static const struct {
		const char	*frame;
		const char	*err;
	} bad[] = {
		{ "['user','update']", "frame: not a JSON object" },
		{ "{'stream':'user','event':'update','payload':'{}'}",
		    "frame: stream is not an array" },
		{ "{'stream':[1],'event':'update','payload':'{}'}",
		    "frame: stream[0] is not a string" },
		{ "{'stream':['user'],'payload':'{}'}", "frame: no event" },
		{ "{'stream':['user'],'event':7,'payload':'{}'}",
		    "frame: event is not a string" },
		{ "{'stream':['user'],'event':'notification','payload':{'id':"
		    "'1'}}", "frame: payload is not a string" },
		{ "{'stream':['user'],'event':'delete','payload':106692867}",
		    "frame: payload is not a string" },
		{ "{'stream':['user:notification'],'event':'notification'}",
		    "frame: notification without payload" },
		{ NULL, NULL },
	};
	enum mastodon_event	 ev;
	char			 err[256], *payload, *big;
	size_t			 i;

	(void)state;
	for (i = 0; bad[i].frame != NULL; i++) {
		payload = (char *)"untouched";
		assert_int_equal(frame(bad[i].frame, &ev, &payload, err,
		    sizeof(err)), -1);
		assert_null(payload);
		assert_string_equal(err, bad[i].err);
	}
	/* binary garbage, a NUL escape, a duplicate key, cut short */
	assert_int_equal(mastodon_frame_parse(garbage, sizeof(garbage) - 1,
	    &ev, &payload, err, sizeof(err)), -1);
	assert_null(payload);
	assert_true(strncmp(err, "frame: not JSON: ", 17) == 0);
	/* the reason never quotes the input (it goes to the log as is) */
	assert_int_equal(frame("{'event':evil\x1b[31m}", &ev, &payload, err,
	    sizeof(err)), -1);
	assert_null(strstr(err, "evil"));
	assert_string_equal(err, "frame: not JSON: invalid token at byte 13");
	assert_int_equal(frame("{'event':'delete','payload':'1\\u00002'}",
	    &ev, &payload, err, sizeof(err)), -1);
	assert_int_equal(frame("{'event':'delete','event':'update',"
	    "'payload':'1'}", &ev, &payload, err, sizeof(err)), -1);
	assert_int_equal(frame("{'event':'delete','payload':'1'", &ev,
	    &payload, err, sizeof(err)), -1);
	assert_int_equal(mastodon_frame_parse("", 0, &ev, &payload, err,
	    sizeof(err)), -1);
	/* a tiny error buffer still holds a terminated reason */
	assert_int_equal(mastodon_frame_parse("[]", 2, &ev, &payload, err, 6),
	    -1);
	assert_string_equal(err, "frame");
	/* too large: refused before parsing */
	big = xmalloc(MASTODON_JSON_MAX + 1);
	memset(big, ' ', MASTODON_JSON_MAX + 1);
	big[0] = '{';
	big[MASTODON_JSON_MAX] = '}';
	assert_int_equal(mastodon_frame_parse(big, MASTODON_JSON_MAX + 1, &ev,
	    &payload, err, sizeof(err)), -1);
	assert_true(strstr(err, "too large") != NULL);
	free(big);
}

static int
notif(const char *text, struct mastodon_notification *n, char *err,
    size_t errsize)
{
	char	*j = dq(text);
	int	 rc;

	rc = mastodon_notification_parse(j, strlen(j), n, err, errsize);
	free(j);
	return rc;
}

static void
test_notif_mention(void **state)
{
	struct mastodon_notification	n;
	char				err[256];

	(void)state;
	assert_int_equal(notif(mention_json, &n, err, sizeof(err)), 0);
	assert_string_equal(n.id, "34975861");
	assert_int_equal(n.type, MASTODON_NOTIF_MENTION);
	assert_string_equal(n.type_name, "mention");
	assert_string_equal(n.account_id, "109348745123456789");
	assert_string_equal(n.account_acct, "marie@piaille.example");
	assert_int_equal(n.account_bot, 0);
	assert_string_equal(n.status_id, "113862458112233445");
	assert_string_equal(n.status_visibility, "public");
	assert_string_equal(n.status_language, "en");
	assert_null(n.in_reply_to_id);
	assert_null(n.in_reply_to_account_id);
	assert_string_equal(n.text, fixture_text);
	assert_int_equal(n.nmentions, 2);
	assert_string_equal(n.mentions[0], "HelloQuitX");
	assert_string_equal(n.mentions[1], "paul@social.example");
	mastodon_notification_clear(&n);
	assert_null(n.id);
	assert_null(n.mentions);
	/* clearing twice is harmless */
	mastodon_notification_clear(&n);
}

static void
test_notif_follow(void **state)
{
	struct mastodon_notification	n;
	char				err[256];

	(void)state;
	assert_int_equal(notif(follow_json, &n, err, sizeof(err)), 0);
	assert_string_equal(n.id, "34975870");
	assert_int_equal(n.type, MASTODON_NOTIF_FOLLOW);
	assert_string_equal(n.type_name, "follow");
	assert_string_equal(n.account_id, "109348745123456789");
	assert_string_equal(n.account_acct, "marie@piaille.example");
	assert_null(n.status_id);
	assert_null(n.text);
	assert_int_equal(n.nmentions, 0);
	mastodon_notification_clear(&n);
}

static void
test_notif_reply_from_bot(void **state)
{
	struct mastodon_notification	n;
	char				err[256];

	(void)state;
	/* a direct reply from a bot, language unknown, three mentions */
	assert_int_equal(notif("{'id':'34975900','type':'mention',"
	    "'account':{'id':'42','acct':'echo@bots.example','bot':true},"
	    "'status':{'id':'113862458112239999','visibility':'direct',"
	    "'language':null,'in_reply_to_id':'113862458112233445',"
	    "'in_reply_to_account_id':'110000000000000001',"
	    "'content':'<p>@<span>HelloQuitX</span> <br>ok</p>',"
	    "'mentions':[{'acct':'HelloQuitX'},{'acct':'a@b.example'},"
	    "{'id':'3','acct':'c'}]}}", &n, err, sizeof(err)), 0);
	assert_int_equal(n.type, MASTODON_NOTIF_MENTION);
	assert_int_equal(n.account_bot, 1);
	assert_string_equal(n.status_visibility, "direct");
	assert_null(n.status_language);
	assert_string_equal(n.in_reply_to_id, "113862458112233445");
	assert_string_equal(n.in_reply_to_account_id, "110000000000000001");
	assert_string_equal(n.text, "@HelloQuitX\nok");
	assert_int_equal(n.nmentions, 3);
	assert_string_equal(n.mentions[0], "HelloQuitX");
	assert_string_equal(n.mentions[1], "a@b.example");
	assert_string_equal(n.mentions[2], "c");
	mastodon_notification_clear(&n);

	/* no mentions array, no language key, bot not a boolean */
	assert_int_equal(notif("{'id':'1','type':'mention','account':{'id':"
	    "'2','acct':'x','bot':'yes'},'status':{'id':'3','visibility':"
	    "'public','content':''}}", &n, err, sizeof(err)), 0);
	assert_int_equal(n.account_bot, 0);
	assert_null(n.status_language);
	assert_string_equal(n.text, "");
	assert_int_equal(n.nmentions, 0);
	assert_null(n.mentions);
	mastodon_notification_clear(&n);
}

static void
test_notif_other(void **state)
{
	struct mastodon_notification	n;
	char				err[256];

	(void)state;
	assert_int_equal(notif("{'id':'34975999','type':'admin.sign_up',"
	    "'account':{'id':'5','acct':'newbie'}}", &n, err, sizeof(err)), 0);
	assert_int_equal(n.type, MASTODON_NOTIF_OTHER);
	assert_string_equal(n.type_name, "admin.sign_up");
	assert_string_equal(n.account_acct, "newbie");
	mastodon_notification_clear(&n);
	/* a type from a future server, shaped as nobody knows yet */
	assert_int_equal(notif("{'id':'34976000','type':'collection_update',"
	    "'collection':{'id':9}}", &n, err, sizeof(err)), 0);
	assert_int_equal(n.type, MASTODON_NOTIF_OTHER);
	assert_string_equal(n.id, "34976000");
	assert_string_equal(n.type_name, "collection_update");
	assert_null(n.account_id);
	mastodon_notification_clear(&n);
	/* a favourite has a status, but only mentions read it */
	assert_int_equal(notif("{'id':'3','type':'favourite','account':{'id':"
	    "'5','acct':'fan'},'status':{'id':4}}", &n, err, sizeof(err)), 0);
	assert_null(n.status_id);
	mastodon_notification_clear(&n);
}

static void
test_notif_bad(void **state)
{
	static const struct {
		const char	*json;
		const char	*err;
	} bad[] = {
		{ "{'id':34975861,'type':'mention'}",
		    "notification: id is not a string" },
		{ "{'type':'follow','account':{'id':'1','acct':'a'}}",
		    "notification: id missing" },
		{ "{'id':'','type':'follow','account':{'id':'1','acct':'a'}}",
		    "notification: empty id" },
		{ "{'id':'1','type':null}", "notification: type missing" },
		{ "{'id':'1','type':'mention','account':{'id':'2','acct':'a'}}",
		    "notification mention: no status" },
		{ "{'id':'1','type':'mention','account':{'id':'2','acct':'a'},"
		    "'status':null}", "notification mention: no status" },
		{ "{'id':'1','type':'mention','account':{'id':'2','acct':'a'},"
		    "'status':'3'}", "notification: status is not an object" },
		{ "{'id':'1','type':'follow'}", "notification follow: no account" },
		{ "{'id':'1','type':'follow','account':{'id':2,'acct':'a'}}",
		    "notification: account.id is not a string" },
		{ "{'id':'1','type':'follow','account':{'id':'2'}}",
		    "notification: account.acct missing" },
		{ "{'id':'1','type':'poll','account':[]}",
		    "notification: account is not an object" },
		{ "{'id':'1','type':'mention','account':{'id':'2','acct':'a'},"
		    "'status':{'id':3,'visibility':'public','content':''}}",
		    "notification: status.id is not a string" },
		{ "{'id':'1','type':'mention','account':{'id':'2','acct':'a'},"
		    "'status':{'id':'3','visibility':'public','content':'',"
		    "'in_reply_to_id':113862458112233445}}",
		    "notification: status.in_reply_to_id is not a string" },
		{ "{'id':'1','type':'mention','account':{'id':'2','acct':'a'},"
		    "'status':{'id':'3','content':''}}",
		    "notification: status.visibility missing" },
		{ "{'id':'1','type':'mention','account':{'id':'2','acct':'a'},"
		    "'status':{'id':'3','visibility':'public'}}",
		    "notification: status.content missing" },
		{ "{'id':'1','type':'mention','account':{'id':'2','acct':'a'},"
		    "'status':{'id':'3','visibility':'public','content':'',"
		    "'mentions':{}}}",
		    "notification: status.mentions is not an array" },
		{ "{'id':'1','type':'mention','account':{'id':'2','acct':'a'},"
		    "'status':{'id':'3','visibility':'public','content':'',"
		    "'mentions':[{'acct':'a'},{'username':'b'}]}}",
		    "notification: status.mentions[1].acct is not a string" },
		{ "[{'id':'1'}]", "notification: not a JSON object" },
		{ NULL, NULL },
	};
	struct mastodon_notification	n;
	char				err[256];
	size_t				i;

	(void)state;
	for (i = 0; bad[i].json != NULL; i++) {
		assert_int_equal(notif(bad[i].json, &n, err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].err);
		/* nothing is left to free after a refusal */
		assert_null(n.id);
		assert_null(n.type_name);
		assert_null(n.account_id);
		assert_null(n.mentions);
		assert_int_equal(n.nmentions, 0);
	}
	assert_int_equal(mastodon_notification_parse("{\"id\":", 6, &n, err,
	    sizeof(err)), -1);
	assert_true(strncmp(err, "notification: not JSON: ", 24) == 0);
}

static void
test_id_cmp(void **state)
{
	(void)state;
	assert_true(mastodon_id_cmp("9", "10") < 0);
	assert_true(mastodon_id_cmp("10", "9") > 0);
	assert_int_equal(mastodon_id_cmp("34975861", "34975861"), 0);
	assert_true(mastodon_id_cmp("34975535", "34975861") < 0);
	assert_true(mastodon_id_cmp("113862458112233445", "34975861") > 0);
	assert_true(mastodon_id_cmp("113862458112233445",
	    "113862458112233446") < 0);
	/* past 64 bits still orders */
	assert_true(mastodon_id_cmp("99999999999999999999",
	    "100000000000000000000") < 0);
	/* leading zeros: the same number, ordered but never equal */
	assert_true(mastodon_id_cmp("010", "9") > 0);
	assert_true(mastodon_id_cmp("10", "010") < 0);
	assert_true(mastodon_id_cmp("010", "10") > 0);
	assert_int_equal(mastodon_id_cmp("0", "0"), 0);
	/* anything not all digits sorts after every number */
	assert_true(mastodon_id_cmp("99999999999999999999999", "a") < 0);
	assert_true(mastodon_id_cmp("a", "1") > 0);
	assert_true(mastodon_id_cmp("", "1") > 0);
	assert_true(mastodon_id_cmp("12a", "12b") < 0);
	assert_true(mastodon_id_cmp("-1", "1") > 0);
	assert_int_equal(mastodon_id_cmp("abc", "abc"), 0);
	/* NULL (no cursor yet) sorts first */
	assert_true(mastodon_id_cmp(NULL, "1") < 0);
	assert_true(mastodon_id_cmp("1", NULL) > 0);
	assert_int_equal(mastodon_id_cmp(NULL, NULL), 0);
}

static void
test_id_valid(void **state)
{
	(void)state;
	assert_true(mastodon_id_valid("34975861"));
	assert_true(mastodon_id_valid("0"));
	assert_true(mastodon_id_valid("12345678901234567890123456789012"));
	assert_false(mastodon_id_valid("123456789012345678901234567890123"));
	assert_false(mastodon_id_valid(""));
	assert_false(mastodon_id_valid(NULL));
	assert_false(mastodon_id_valid("-1"));
	assert_false(mastodon_id_valid("1 "));
	assert_false(mastodon_id_valid("1e5"));
	assert_false(mastodon_id_valid("٣"));	/* an Arabic-Indic digit */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_fixture),
		cmocka_unit_test(test_html_breaks),
		cmocka_unit_test(test_html_entities),
		cmocka_unit_test(test_html_emoji),
		cmocka_unit_test(test_html_rtl),
		cmocka_unit_test(test_html_links),
		cmocka_unit_test(test_html_dropped),
		cmocka_unit_test(test_html_other_markup),
		cmocka_unit_test(test_html_empty),
		cmocka_unit_test(test_html_invalid_utf8),
		cmocka_unit_test(test_html_large),
		cmocka_unit_test(test_html_cut_boundary),
		cmocka_unit_test(test_frame_notification),
		cmocka_unit_test(test_frame_delete),
		cmocka_unit_test(test_frame_other),
		cmocka_unit_test(test_frame_error),
		cmocka_unit_test(test_frame_bad),
		cmocka_unit_test(test_notif_mention),
		cmocka_unit_test(test_notif_follow),
		cmocka_unit_test(test_notif_reply_from_bot),
		cmocka_unit_test(test_notif_other),
		cmocka_unit_test(test_notif_bad),
		cmocka_unit_test(test_id_cmp),
		cmocka_unit_test(test_id_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
