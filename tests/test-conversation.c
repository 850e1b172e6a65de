/*
 * test-conversation: members talk to the bots through the local Mastodon
 * peer; the daemon answers.  Each test checks what the member reads (the
 * statuses the bots post, their visibility and what they reply to) and
 * what the store keeps.
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quitx/xmalloc.h"

#define EN	FX_EN
#define FR	FX_FR

static int
setup(void **state)
{
	*state = fx_start_mastodon(NULL);
	return 0;
}

static int
setup_two_replies(void **state)
{
	*state = fx_start_mastodon("replies_per_hour = 2;");
	return 0;
}

static int
teardown(void **state)
{
	fx_destroy(*state);
	return 0;
}

/* Wait for n statuses, keeping none. */
static void
wait_statuses(struct fixture *fx, size_t n)
{
	json_decref(fx_statuses(fx, n));
}

static const char *
field(json_t *statuses_, size_t i, const char *name)
{
	return json_string_value(json_object_get(json_array_get(statuses_, i),
	    name));
}

static void
test_register(void **state)
{
	struct fixture	*fx = *state;
	json_t		*st;
	char		*id;

	id = fx_say(fx, EN, "marie@piaille.example", "register @marie_x please");
	st = fx_statuses(fx, 2);
	/* the confirmation replies to her post, unlisted, in English */
	assert_non_null(strstr(field(st, 0, "text"),
	    "@marie@piaille.example Noted: you are @marie_x on X."));
	assert_non_null(strstr(field(st, 0, "text"), "follow @" EN));
	assert_string_equal(field(st, 0, "visibility"), "unlisted");
	assert_string_equal(field(st, 0, "language"), "en");
	/* @marie_x (X) and @HelloQuitX are written, but only she is mentioned */
	assert_int_equal(json_array_size(json_object_get(json_array_get(st, 0),
	    "mentions")), 1);
	assert_int_equal(json_array_size(json_object_get(json_array_get(st, 1),
	    "mentions")), 1);
	assert_non_null(field(st, 0, "in_reply_to_id"));
	/* the upload link only privately */
	assert_string_equal(field(st, 1, "visibility"), "direct");
	assert_non_null(strstr(field(st, 1, "text"),
	    "https://quitx.example.org/u/"));
	assert_null(strstr(field(st, 0, "text"), "/u/"));
	fx_wait_db(fx, "SELECT count(*) FROM member m JOIN x_claim c"
	    " ON c.member_id = m.id WHERE m.account = 'marie@piaille.example'"
	    " AND c.handle = 'marie_x' AND c.proof = 'none'", 1, 5);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM upload_token"),
	    1);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM inbox WHERE"
	    " state = 'done'"), 1);
	json_decref(st);
	free(id);

	/* the same again: a reminder, no second link */
	free(fx_say(fx, EN, "marie@piaille.example", "register @marie_x"));
	st = fx_statuses(fx, 3);
	assert_non_null(strstr(field(st, 2, "text"), "already registered"));
	fx_wait_db(fx, "SELECT count(*) FROM inbox WHERE state = 'done'", 2,
	    5);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM upload_token"),
	    1);
	json_decref(st);
}

static void
test_french_and_status(void **state)
{
	struct fixture	*fx = *state;
	json_t		*st;

	free(fx_say(fx, FR, "paul@social.example",
	    "bonjour, mon compte X est x.com/paul_x merci"));
	st = fx_statuses(fx, 2);
	assert_non_null(strstr(field(st, 0, "text"),
	    "vous êtes @paul_x sur X"));
	assert_string_equal(field(st, 0, "language"), "fr");
	json_decref(st);
	/* status is private, and knows he does not follow the bot yet */
	free(fx_say(fx, FR, "paul@social.example", "statut ?"));
	st = fx_statuses(fx, 3);
	assert_string_equal(field(st, 2, "visibility"), "direct");
	assert_non_null(strstr(field(st, 2, "text"), "pas encore prouvé"));
	assert_non_null(strstr(field(st, 2, "text"), "Suivez @" FR));
	json_decref(st);
	fx_peer_post(fx, "/_peer/follow", "{\"to\":\"" FR "\",\"from\":"
	    "\"paul@social.example\"}");
	fx_wait_db(fx, "SELECT count(*) FROM bot_follower", 1, 5);
	free(fx_say(fx, FR, "paul@social.example", "statut"));
	st = fx_statuses(fx, 4);
	assert_non_null(strstr(field(st, 3, "text"), "Vous suivez @" FR));
	json_decref(st);
}

static void
test_contested(void **state)
{
	struct fixture	*fx = *state;
	json_t		*st;
	size_t		 i, to_marie = 0, to_mallory = 0;

	free(fx_say(fx, EN, "marie@piaille.example", "register @lemonde"));
	wait_statuses(fx, 2);
	free(fx_say(fx, EN, "mallory@evil.example", "register @LeMonde"));
	/* mallory: contested reply + link; marie: a private heads-up */
	st = fx_statuses(fx, 5);
	for (i = 2; i < json_array_size(st); i++) {
		if (strstr(field(st, i, "text"), "@mallory@evil.example "
		    "Noted: @LeMonde. Another account says @LeMonde on X is "
		    "theirs too") != NULL)
			to_mallory++;
		if (strstr(field(st, i, "text"),
		    "@marie@piaille.example A heads-up") != NULL) {
			assert_string_equal(field(st, i, "visibility"),
			    "direct");
			to_marie++;
		}
	}
	assert_int_equal(to_mallory, 1);
	assert_int_equal(to_marie, 1);
	json_decref(st);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM x_claim"
	    " WHERE handle = 'lemonde' AND proof = 'none'"), 2);
}

/* forget me: no row about her is left, in any table. */
static void
test_forget_me(void **state)
{
	struct fixture	*fx = *state;
	json_t		*st;

	fx_peer_post(fx, "/_peer/follow", "{\"to\":\"" EN "\",\"from\":"
	    "\"marie@piaille.example\"}");
	free(fx_say(fx, EN, "marie@piaille.example", "register @marie_x"));
	wait_statuses(fx, 2);
	/* a followers-only post is answered directly, never to our followers */
	fx_peer_post(fx, "/_peer/mention", "{\"to\":\"" EN "\",\"from\":"
	    "\"marie@piaille.example\",\"visibility\":\"private\","
	    "\"content\":\"<p>@" EN " introduce me</p>\"}");
	st = fx_statuses(fx, 3);
	assert_non_null(strstr(field(st, 2, "text"), "introduce you"));
	assert_string_equal(field(st, 2, "visibility"), "direct");
	json_decref(st);
	free(fx_say(fx, EN, "marie@piaille.example", "forget me"));
	st = fx_statuses(fx, 4);
	assert_non_null(strstr(field(st, 3, "text"), "everything I knew about "
	    "you is erased"));
	json_decref(st);
	fx_wait_db(fx, "SELECT count(*) FROM inbox WHERE state = 'new'", 0, 5);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM member"), 0);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM x_claim"), 0);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM upload_token"),
	    0);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM bot_follower"),
	    0);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM x_upload"), 0);
	/* the outbox keeps no word of her, only hashes for the rate limits */
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE state IN"
	    " ('queued', 'sending')", 0, 5);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM outbox WHERE"
	    " body LIKE '%marie%' OR recipient LIKE '%marie%'"
	    " OR member_id IS NOT NULL"), 0);
	/* what she wrote is gone from the inbox; the event ids stay */
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM inbox WHERE"
	    " payload LIKE '%marie%'"), 0);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM inbox"), 4);
}

/* Bots, including the campaign's own other bot, are never answered. */
static void
test_bots_never_answered(void **state)
{
	struct fixture	*fx = *state;
	json_t		*st;

	fx_peer_post(fx, "/_peer/mention", "{\"to\":\"" EN "\",\"from\":"
	    "\"robot@bots.example\",\"bot\":true,\"content\":\"<p>@" EN
	    " register @robot</p>\"}");
	fx_peer_post(fx, "/_peer/mention", "{\"to\":\"" EN "\",\"from\":\""
	    FR "\",\"bot\":true,\"content\":\"<p>@" EN " help</p>\"}");
	free(fx_say(fx, EN, "marie@piaille.example", "help"));
	wait_statuses(fx, 1);
	fx_wait_db(fx, "SELECT count(*) FROM inbox WHERE state = 'new'", 0, 5);
	sleep(1);
	st = fx_statuses(fx, 1);
	assert_int_equal(json_array_size(st), 1);
	json_decref(st);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM inbox WHERE"
	    " state = 'ignored'"), 2);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM member"), 0);
}

/* Unknown text gets help once a day; a chatty account hits the limit. */
static void
test_help_once_and_reply_limit(void **state)
{
	struct fixture	*fx = *state;
	int		 i;

	for (i = 0; i < 3; i++)
		free(fx_say(fx, EN, "chatty@social.example", "what is this?"));
	fx_wait_db(fx, "SELECT count(*) FROM inbox WHERE state = 'done'", 3,
	    5);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM outbox WHERE"
	    " kind = 'help'"), 1);
	/* replies_per_hour = 2: the third command is applied, not answered */
	free(fx_say(fx, EN, "chatty@social.example", "register @chatty"));
	free(fx_say(fx, EN, "chatty@social.example", "introduce me"));
	fx_wait_db(fx, "SELECT count(*) FROM inbox WHERE state = 'done'", 5,
	    5);
	assert_int_equal(fx_db_int(fx, "SELECT intro_optin FROM member"), 1);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM outbox"), 3);
	fx_wait_log(fx, "not answered (reply limit)", 2);
	/* forget me does not reset the limit: the counts outlive the names */
	free(fx_say(fx, EN, "chatty@social.example", "forget me"));
	free(fx_say(fx, EN, "chatty@social.example", "help"));
	fx_wait_db(fx, "SELECT count(*) FROM inbox WHERE state = 'done'", 7,
	    5);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM member"), 0);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM outbox"), 3);
}

/* stop: queued private messages are cancelled at once. */
static void
test_stop_cancels_private(void **state)
{
	struct fixture	*fx = *state;

	/* hold the bot's posts back so its link stays queued */
	fx_peer_post(fx, "/_peer/rate", "{\"token\":\"tok-en\","
	    "\"remaining\":0,\"reset_in\":30}");
	free(fx_say(fx, EN, "marie@piaille.example", "register @marie_x"));
	free(fx_say(fx, EN, "marie@piaille.example", "stop messages"));
	fx_wait_db(fx, "SELECT count(*) FROM inbox WHERE state = 'done'", 2,
	    5);
	assert_int_equal(fx_db_int(fx, "SELECT messages_stopped FROM member"),
	    1);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM outbox WHERE"
	    " kind = 'private' AND state = 'cancelled'"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_french_and_status, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_contested, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forget_me, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bots_never_answered,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_once_and_reply_limit,
		    setup_two_replies, teardown),
		cmocka_unit_test_setup_teardown(test_stop_cancels_private,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
