/*
 * test-bluesky-parse: Jetstream events and listNotifications entries as
 * the network sends them, filtered for the bots and normalized for the
 * inbox, and the payload read back as the handler does.
 *
 * Fixtures are written with ' for " and turned into JSON by dq().  The
 * events follow Jetstream's v1 wire (its golden test lines): did,
 * time_us, kind, commit{rev, operation, collection, rkey, record, cid}.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "quitx/bluesky-parse.h"
#include "quitx/xmalloc.h"

#define BOT_EN	"did:plc:ewvi7nxzyoun6zhxrhs64oiz"
#define BOT_FR	"did:plc:4hqjfn7m6n5hno3doamuhgef"
#define MARIE	"did:plc:vwzwgnygau7ed7b7wt5ux7y2"

static const char *const bots[] = { BOT_EN, BOT_FR };

static char *
dq(const char *s)
{
	char	*o = xstrdup(s), *p;

	for (p = o; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return o;
}

/* "@helloquitx.bsky.social register @marie_x": the facet on bytes 0..23 */
static const char mention_event[] =
	"{'did':'" MARIE "','time_us':1737360062329308,'kind':'commit',"
	"'commit':{'rev':'3lg2hxvpnkc2a','operation':'create',"
	"'collection':'app.bsky.feed.post','rkey':'3lg2hxvowo2b2',"
	"'record':{'$type':'app.bsky.feed.post','createdAt':"
	"'2025-01-20T08:01:02.345Z','langs':['fr','en'],"
	"'text':'@helloquitx.bsky.social register @marie_x',"
	"'facets':[{'$type':'app.bsky.richtext.facet','index':{'byteStart':0,"
	"'byteEnd':23},'features':[{'$type':"
	"'app.bsky.richtext.facet#mention','did':'" BOT_EN "'}]}]},"
	"'cid':'bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a'}}";

static void
test_mention(void **state)
{
	struct bsky_event	 ev;
	struct bsky_post	 p;
	char			*j = dq(mention_event), err[128];

	(void)state;
	assert_int_equal(bsky_jetstream_parse(j, strlen(j), bots, 2, &ev, err,
	    sizeof(err)), 1);
	assert_int_equal(ev.kind, BSKY_MENTION);
	assert_int_equal(ev.bots, 1);
	assert_true(ev.time_us == 1737360062329308LL);
	assert_string_equal(ev.uri, "at://" MARIE
	    "/app.bsky.feed.post/3lg2hxvowo2b2");
	assert_int_equal(bsky_post_parse(ev.payload, &p, err, sizeof(err)), 0);
	assert_int_equal(p.kind, BSKY_MENTION);
	assert_string_equal(p.did, MARIE);
	assert_null(p.handle);
	assert_string_equal(p.text, "@helloquitx.bsky.social register "
	    "@marie_x");
	assert_string_equal(p.lang, "fr");
	assert_int_equal(p.nmentions, 1);
	assert_string_equal(p.mentions[0], "helloquitx.bsky.social");
	assert_string_equal(p.mention_dids[0], BOT_EN);
	assert_string_equal(p.cid, "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4"
	    "rujcjtnci5beludirz2a");
	assert_null(p.parent_uri);
	assert_null(p.root_uri);
	bsky_post_clear(&p);
	bsky_event_clear(&ev);
	free(j);
}

/* A reply to a bot's post, deep in a thread the FR bot started. */
static void
test_reply(void **state)
{
	struct bsky_event	 ev;
	struct bsky_post	 p;
	char			*j, err[128];

	(void)state;
	j = dq("{'did':'" MARIE "','time_us':1737360099000001,"
	    "'kind':'commit','commit':{'rev':'3lg2j','operation':'create',"
	    "'collection':'app.bsky.feed.post','rkey':'3lg2jabcdefgh',"
	    "'record':{'$type':'app.bsky.feed.post','createdAt':"
	    "'2025-01-20T08:05:00Z','text':'inscription @marie_x',"
	    "'reply':{'root':{'uri':'at://" BOT_FR "/app.bsky.feed.post/"
	    "3lg2aaaaaaaaa','cid':'bafyroot'},'parent':{'uri':'at://"
	    "did:plc:someoneelse/app.bsky.feed.post/3lg2bbbbbbbbb','cid':"
	    "'bafyparent'}}},'cid':'bafyreply'}}");
	assert_int_equal(bsky_jetstream_parse(j, strlen(j), bots, 2, &ev, err,
	    sizeof(err)), 1);
	assert_int_equal(ev.bots, 2);
	assert_int_equal(bsky_post_parse(ev.payload, &p, err, sizeof(err)), 0);
	assert_string_equal(p.root_uri, "at://" BOT_FR
	    "/app.bsky.feed.post/3lg2aaaaaaaaa");
	assert_string_equal(p.root_cid, "bafyroot");
	assert_string_equal(p.parent_uri, "at://did:plc:someoneelse/"
	    "app.bsky.feed.post/3lg2bbbbbbbbb");
	assert_int_equal(p.nmentions, 0);
	bsky_post_clear(&p);
	bsky_event_clear(&ev);
	free(j);
}

/* What concerns nobody: other posts, the bot's own, edits, deletes... */
static void
test_not_for_us(void **state)
{
	static const char *const frames[] = {
		/* a post naming nobody */
		"{'did':'" MARIE "','time_us':1737360000000001,'kind':'commit',"
		"'commit':{'rev':'r','operation':'create','collection':"
		"'app.bsky.feed.post','rkey':'3lg2a','record':{'text':'hi',"
		"'createdAt':'2025-01-20T08:00:00Z'},'cid':'bafy'}}",
		/* the bot's own post mentioning itself */
		"{'did':'" BOT_EN "','time_us':1737360000000002,'kind':'commit',"
		"'commit':{'rev':'r','operation':'create','collection':"
		"'app.bsky.feed.post','rkey':'3lg2a','record':{'text':'x',"
		"'createdAt':'2025-01-20T08:00:00Z','facets':[{'index':"
		"{'byteStart':0,'byteEnd':1},'features':[{'$type':"
		"'app.bsky.richtext.facet#mention','did':'" BOT_EN "'}]}]},"
		"'cid':'bafy'}}",
		/* an edit of a post that mentions the bot */
		"{'did':'" MARIE "','time_us':1737360000000003,'kind':'commit',"
		"'commit':{'rev':'r','operation':'update','collection':"
		"'app.bsky.feed.post','rkey':'3lg2a','record':{'text':'x',"
		"'facets':[{'index':{'byteStart':0,'byteEnd':1},'features':"
		"[{'$type':'app.bsky.richtext.facet#mention','did':'" BOT_EN
		"'}]}]},'cid':'bafy'}}",
		/* an unfollow: a delete has no record */
		"{'did':'" MARIE "','time_us':1737360000000004,'kind':'commit',"
		"'commit':{'rev':'r','operation':'delete','collection':"
		"'app.bsky.graph.follow','rkey':'3lg2a'}}",
		/* the bot's identity event */
		"{'did':'" BOT_EN "','time_us':1737360000000005,'kind':"
		"'identity','identity':{'did':'" BOT_EN "','handle':"
		"'helloquitx.bsky.social','seq':1,'time':"
		"'2025-01-20T08:00:00Z'}}",
		/* a like of the bot's post */
		"{'did':'" MARIE "','time_us':1737360000000006,'kind':'commit',"
		"'commit':{'rev':'r','operation':'create','collection':"
		"'app.bsky.feed.like','rkey':'3lg2a','record':{'subject':"
		"{'uri':'at://" BOT_EN "/app.bsky.feed.post/3lg2x','cid':'b'},"
		"'createdAt':'2025-01-20T08:00:00Z'},'cid':'bafy'}}",
	};
	struct bsky_event	 ev;
	char			*j, err[128];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		j = dq(frames[i]);
		assert_int_equal(bsky_jetstream_parse(j, strlen(j), bots, 2,
		    &ev, err, sizeof(err)), 0);
		assert_int_equal(ev.kind, BSKY_NONE);
		assert_null(ev.payload);
		/* the position still moves */
		assert_true(ev.time_us == 1737360000000001LL + (long long)i);
		free(j);
	}
}

static void
test_follow(void **state)
{
	struct bsky_event	 ev;
	struct bsky_post	 p;
	char			*j, err[128];

	(void)state;
	j = dq("{'did':'" MARIE "','time_us':1737360100000000,"
	    "'kind':'commit','commit':{'rev':'r','operation':'create',"
	    "'collection':'app.bsky.graph.follow','rkey':'3lg2follow0aa',"
	    "'record':{'$type':'app.bsky.graph.follow','subject':'" BOT_FR
	    "','createdAt':'2025-01-20T08:00:00Z'},'cid':'bafyf'}}");
	assert_int_equal(bsky_jetstream_parse(j, strlen(j), bots, 2, &ev, err,
	    sizeof(err)), 1);
	assert_int_equal(ev.kind, BSKY_FOLLOW);
	assert_int_equal(ev.bots, 2);
	assert_int_equal(bsky_post_parse(ev.payload, &p, err, sizeof(err)), 0);
	assert_int_equal(p.kind, BSKY_FOLLOW);
	assert_string_equal(p.did, MARIE);
	bsky_post_clear(&p);
	bsky_event_clear(&ev);
	free(j);
}

/* Frames that name a bot but are not events: a reason, no payload. */
static void
test_malformed(void **state)
{
	static const char *const frames[] = {
		"{'did':'" MARIE "','kind':'commit','text':'" BOT_EN "'",
		"['" BOT_EN "']",
		"{'did':'" MARIE "','kind':'commit','note':'" BOT_EN "'}",
		"{'did':'" MARIE "','time_us':1,'kind':'commit','commit':"
		"{'operation':'create','rkey':'x','note':'" BOT_EN "'}}",
		"{'did':'" MARIE "','time_us':1,'kind':'commit','commit':"
		"{'operation':'create','collection':'app.bsky.feed.post',"
		"'rkey':'x','record':{'facets':[{'features':[{'$type':"
		"'app.bsky.richtext.facet#mention','did':'" BOT_EN "'}]}]},"
		"'cid':'c'}}",
		"{'did':'" MARIE "','time_us':1,'kind':'commit','commit':"
		"{'operation':'create','collection':'app.bsky.feed.post',"
		"'rkey':'x','record':'" BOT_EN "','cid':'c'}}",
	};
	struct bsky_event	 ev;
	char			*j, err[128];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		j = dq(frames[i]);
		err[0] = '\0';
		assert_int_equal(bsky_jetstream_parse(j, strlen(j), bots, 2,
		    &ev, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
		assert_null(ev.payload);
		assert_null(ev.uri);
		free(j);
	}
}

/* A facet whose range is out of the text or cuts a character. */
static void
test_odd_facets(void **state)
{
	struct bsky_event	 ev;
	struct bsky_post	 p;
	char			*j, err[128];

	(void)state;
	j = dq("{'did':'" MARIE "','time_us':5,'kind':'commit','commit':"
	    "{'rev':'r','operation':'create','collection':"
	    "'app.bsky.feed.post','rkey':'3lg2a','cid':'c','record':"
	    "{'text':'\xc3\xa9t\xc3\xa9','createdAt':'2025-01-20T08:00:00Z',"
	    "'facets':[{'index':{'byteStart':1,'byteEnd':3},'features':"
	    "[{'$type':'app.bsky.richtext.facet#mention','did':'" BOT_EN
	    "'}]},{'index':{'byteStart':0,'byteEnd':900},'features':"
	    "[{'$type':'app.bsky.richtext.facet#mention','did':'" BOT_FR
	    "'}]}]}}}");
	assert_int_equal(bsky_jetstream_parse(j, strlen(j), bots, 2, &ev, err,
	    sizeof(err)), 1);
	assert_int_equal(ev.bots, 3);
	assert_int_equal(bsky_post_parse(ev.payload, &p, err, sizeof(err)), 0);
	assert_int_equal(p.nmentions, 2);
	assert_string_equal(p.mentions[0], "");
	assert_string_equal(p.mentions[1], "");
	bsky_post_clear(&p);
	bsky_event_clear(&ev);
	free(j);
}

/* listNotifications entries, as the AppView answers them. */
static void
test_notifications(void **state)
{
	json_t		*n;
	json_error_t	 jerr;
	struct bsky_event ev;
	struct bsky_post p;
	char		*j, err[128];

	(void)state;
	j = dq("{'uri':'at://" MARIE "/app.bsky.feed.post/3lg2hxvowo2b2',"
	    "'cid':'bafyc','author':{'did':'" MARIE "','handle':"
	    "'marie.bsky.social','displayName':'Marie','labels':[]},"
	    "'reason':'mention','record':{'$type':'app.bsky.feed.post',"
	    "'text':'@helloquitx.bsky.social status','createdAt':"
	    "'2025-01-20T08:00:00Z','facets':[{'index':{'byteStart':0,"
	    "'byteEnd':23},'features':[{'$type':"
	    "'app.bsky.richtext.facet#mention','did':'" BOT_EN "'}]}]},"
	    "'isRead':false,'indexedAt':'2025-01-20T08:00:00.123Z',"
	    "'labels':[]}");
	n = json_loads(j, 0, &jerr);
	assert_non_null(n);
	assert_int_equal(bsky_notification_parse(n, BOT_EN, &ev, err,
	    sizeof(err)), 1);
	assert_int_equal(bsky_post_parse(ev.payload, &p, err, sizeof(err)), 0);
	assert_string_equal(p.handle, "marie.bsky.social");
	assert_string_equal(p.text, "@helloquitx.bsky.social status");
	bsky_post_clear(&p);
	bsky_event_clear(&ev);
	/* the same post seen by the other bot: not its mention */
	assert_int_equal(bsky_notification_parse(n, BOT_FR, &ev, err,
	    sizeof(err)), 0);
	json_object_set_new(n, "reason", json_string("like"));
	assert_int_equal(bsky_notification_parse(n, BOT_EN, &ev, err,
	    sizeof(err)), 0);
	/* a uri that is not the author's record */
	json_object_set_new(n, "reason", json_string("mention"));
	json_object_set_new(n, "uri", json_string("at://dlpid:c:x/"
	    "app.bsky.feed.post/3lg2h"));
	assert_int_equal(bsky_notification_parse(n, BOT_EN, &ev, err,
	    sizeof(err)), -1);
	json_object_set_new(n, "uri", json_string("at://did:plc:other/"
	    "app.bsky.feed.post/3lg2h"));
	assert_int_equal(bsky_notification_parse(n, BOT_EN, &ev, err,
	    sizeof(err)), -1);
	json_object_del(n, "uri");
	assert_int_equal(bsky_notification_parse(n, BOT_EN, &ev, err,
	    sizeof(err)), -1);
	json_decref(n);
	free(j);
}

static void
test_uri_did(void **state)
{
	char	did[64];

	(void)state;
	assert_int_equal(bsky_uri_did("at://did:plc:abc/app.bsky.feed.post/x",
	    did, sizeof(did)), 0);
	assert_string_equal(did, "did:plc:abc");
	assert_int_equal(bsky_uri_did("at://alice.test/app.bsky.feed.post/x",
	    did, sizeof(did)), -1);
	assert_int_equal(bsky_uri_did("https://did:plc:abc/", did,
	    sizeof(did)), -1);
	assert_int_equal(bsky_uri_did("at://did:plc:abcdefghijklmnop/x", did,
	    8), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mention),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_not_for_us),
		cmocka_unit_test(test_follow),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_odd_facets),
		cmocka_unit_test(test_notifications),
		cmocka_unit_test(test_uri_did),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
