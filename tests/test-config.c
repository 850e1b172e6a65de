/*
 * test-config: a good file loads into the right struct; every kind of bad
 * file is refused with FILE:LINE: message, all problems at once, and no
 * message ever holds a secret.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quitx/config.h"
#include "quitx/templates.h"
#include "quitx/secret.h"
#include "quitx/xmalloc.h"

#define SECRET	"s3cr3t-token-value"

struct fixture {
	char	*dir;
	char	*fifo;
};

static int
setup(void **state)
{
	struct fixture	*fx = xcalloc(1, sizeof(*fx));

	fx->dir = tu_tmpdir();
	tu_link_messages(fx->dir);
	free(tu_write(fx->dir, "m.token", 0600, "%s\n", SECRET));
	free(tu_write(fx->dir, "b.password", 0600, "%s\n", SECRET));
	free(tu_write(fx->dir, "open.token", 0644, "%s\n", SECRET));
	free(tu_write(fx->dir, "empty.token", 0600, "%s", ""));
	fx->fifo = xasprintf("%s/fifo.token", fx->dir);
	if (mkfifo(fx->fifo, 0600) == -1)
		fail_msg("mkfifo %s", fx->fifo);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	tu_rmtree(fx->dir);
	free(fx->fifo);
	free(fx->dir);
	free(fx);
	return 0;
}

#define MASTODON_OK \
	"{ network = \"mastodon\"; server = \"https://Mastodon.Example/\";\n" \
	"  handle = \"@HelloQuitX\"; language = \"en\"; token_file = \"m.token\"; }"
#define BLUESKY_OK \
	"{ network = \"bluesky\"; server = \"https://bsky.example:8443\";\n" \
	"  handle = \"HelloQuitteX.bsky.social\"; language = \"fr\";\n" \
	"  password_file = \"b.password\"; }"

/* Load text as dir/quitx.conf; errors joined by newlines into *errtext. */
static int
load(struct fixture *fx, const char *text, struct config **conf,
    char **errtext)
{
	struct config_errors	 errs = { NULL, 0 };
	char			*path, *joined = xstrdup(""), *next;
	size_t			 i;
	int			 rc;

	path = tu_write(fx->dir, "quitx.conf", 0644, "%s", text);
	rc = config_load(path, conf, &errs);
	for (i = 0; i < errs.count; i++) {
		next = xasprintf("%s%s\n", joined, errs.msgs[i]);
		free(joined);
		joined = next;
	}
	*errtext = joined;
	config_errors_clear(&errs);
	free(path);
	return rc;
}

static void
test_good_file(void **state)
{
	struct fixture	*fx = *state;
	struct config	*conf;
	char		*errs, *text, *expect;

	text = xasprintf("store = \"q.db\";\nlisten = \"[::1]:9000\";\n"
	    "log_level = \"debug\";\n"
	    "campaign = { day = \"2028-02-29\"; time = \"09:30\";\n"
	    "  timezone = \"America/Montreal\"; languages = [\"fr\", \"en\"]; };\n"
	    "accounts = (\n%s,\n%s\n);\n", MASTODON_OK, BLUESKY_OK);
	assert_int_equal(load(fx, text, &conf, &errs), 0);
	assert_string_equal(errs, "");
	expect = xasprintf("%s/q.db", fx->dir);
	assert_string_equal(conf->store_path, expect);
	assert_string_equal(conf->listen_host, "::1");
	assert_int_equal(conf->listen_port, 9000);
	assert_int_equal(conf->log_level, LOG_LVL_DEBUG);
	assert_int_equal(conf->campaign.year, 2028);
	assert_int_equal(conf->campaign.month, 2);
	assert_int_equal(conf->campaign.day, 29);
	assert_int_equal(conf->campaign.hour, 9);
	assert_int_equal(conf->campaign.minute, 30);
	assert_string_equal(conf->campaign.timezone, "America/Montreal");
	assert_int_equal(conf->naccounts, 2);
	assert_int_equal(conf->accounts[0].network, NETWORK_MASTODON);
	assert_string_equal(conf->accounts[0].server, "https://mastodon.example");
	assert_string_equal(conf->accounts[0].handle, "HelloQuitX");
	assert_int_equal(conf->accounts[1].network, NETWORK_BLUESKY);
	assert_string_equal(conf->accounts[1].server, "https://bsky.example:8443");
	assert_string_equal(conf->accounts[1].handle, "helloquittex.bsky.social");
	assert_int_equal(conf->accounts[1].lang, LANG_FR);
	free(expect);
	free(errs);
	free(text);
	config_free(conf);
}

static void
test_defaults(void **state)
{
	struct fixture	*fx = *state;
	struct config	*conf;
	char		*errs, *text;

	text = xasprintf("accounts = (\n%s\n);\n", MASTODON_OK);
	assert_int_equal(load(fx, text, &conf, &errs), 0);
	assert_string_equal(conf->store_path, "/var/lib/quitx/quitx.db");
	assert_string_equal(conf->listen_host, "127.0.0.1");
	assert_int_equal(conf->listen_port, 8088);
	assert_int_equal(conf->campaign.month, 1);
	assert_int_equal(conf->campaign.day, 20);
	assert_int_equal(conf->campaign.hour, 12);
	assert_string_equal(conf->campaign.timezone, "Europe/Paris");
	assert_int_equal(conf->campaign.languages, 3);
	assert_string_equal(conf->bluesky.plc, "https://plc.directory");
	assert_int_equal(conf->bluesky.njetstream, 2);
	assert_string_equal(conf->bluesky.jetstream[0],
	    "wss://jetstream1.us-east.bsky.network/subscribe");
	assert_string_equal(conf->bluesky.chat_service,
	    "did:web:api.bsky.chat#bsky_chat");
	free(errs);
	free(text);
	config_free(conf);
}

/* One bad file and the message (with its line) that it must produce. */
struct bad_case {
	const char	*text;
	const char	*expect;	/* substring after "quitx.conf:" */
};

static const struct bad_case bad_cases[] = {
	{ "accounts = ( " MASTODON_OK " )\nlisten = ;\n",
	  "quitx.conf:3: syntax error" },
	{ "accounts = ();\ncolour = \"blue\";\n",
	  "quitx.conf:2: unknown key 'colour'" },
	{ "accounts = ();\ncampaign = { dya = \"2027-01-20\"; };\n",
	  "quitx.conf:2: unknown key 'campaign.dya'" },
	{ "store = 3;\naccounts = ();\n",
	  "quitx.conf:1: 'store' must be a string in double quotes" },
	{ "accounts = { };\n",
	  "quitx.conf:1: 'accounts' must be a list ( ... )" },
	{ "store = \"x.db\";\n", "quitx.conf:0: missing required key 'accounts'" },
	{ "listen = \"localhost:80\";\naccounts = ();\n",
	  "quitx.conf:1: 'listen' must be a numeric address and a port" },
	{ "listen = \"127.0.0.1:70000\";\naccounts = ();\n",
	  "quitx.conf:1: 'listen' must be a numeric address" },
	{ "listen = \"127.0.0.1: 80\";\naccounts = ();\n",
	  "quitx.conf:1: 'listen' must be a numeric address" },
	{ "listen = \"127.0.0.1:+80\";\naccounts = ();\n",
	  "quitx.conf:1: 'listen' must be a numeric address" },
	/* a FIFO must be refused, not block the daemon's loop */
	{ "accounts = (\n{ network = \"mastodon\"; server = \"https://a.example\";"
	  " handle = \"x\"; language = \"en\"; token_file = \"fifo.token\"; });\n",
	  "fifo.token' is not a regular file" },
	{ "accounts = ();\nca_file = \"/nonexistent/ca.pem\";\n",
	  "quitx.conf:2: 'ca_file' /nonexistent/ca.pem is not a readable file" },
	{ "accounts = ();\nstreams = { timeout = 1; };\n",
	  "quitx.conf:2: 'streams.timeout' must be between 2 and 3600 seconds" },
	{ "accounts = ();\nstreams = { poll_interval = \"5\"; };\n",
	  "quitx.conf:2: 'streams.poll_interval' must be an integer" },
	{ "accounts = ();\nstreams = { interval = 5; };\n",
	  "quitx.conf:2: unknown key 'streams.interval'" },
	{ "log_level = \"loud\";\naccounts = ();\n",
	  "quitx.conf:1: 'log_level' must be one of" },
	{ "accounts = ();\ncampaign = { day = \"2027-02-30\"; };\n",
	  "quitx.conf:2: 'campaign.day' must be a date YYYY-MM-DD" },
	{ "accounts = ();\ncampaign = { day = \"20 January\"; };\n",
	  "quitx.conf:2: 'campaign.day' must be a date" },
	{ "accounts = ();\ncampaign = {\n time = \"24:00\"; };\n",
	  "quitx.conf:3: 'campaign.time' must be a 24-hour time" },
	{ "accounts = ();\ncampaign = { timezone = \"Mars/Olympus\"; };\n",
	  "quitx.conf:2: 'campaign.timezone': unknown time zone \"Mars/Olympus\"" },
	{ "accounts = ();\ncampaign = { timezone = \"../../etc/passwd\"; };\n",
	  "unknown time zone" },
	{ "accounts = ();\ncampaign = { languages = [\"en\", \"de\"]; };\n",
	  "quitx.conf:2: 'campaign.languages' may only hold" },
	{ "accounts = (\n{ network = \"myspace\"; server = \"https://a.example\";"
	  " handle = \"x\"; language = \"en\"; token_file = \"m.token\"; });\n",
	  "quitx.conf:2: 'network' must be \"mastodon\" or \"bluesky\"" },
	{ "accounts = (\n{ network = \"mastodon\"; server = \"http://a.example\";"
	  " handle = \"x\"; language = \"en\"; token_file = \"m.token\"; });\n",
	  "quitx.conf:2: 'server' must be an https:// URL" },
	{ "accounts = (\n{ network = \"mastodon\"; server = "
	  "\"https://user:pw@a.example\"; handle = \"x\"; language = \"en\";"
	  " token_file = \"m.token\"; });\n",
	  "quitx.conf:2: 'server' must be an https:// URL" },
	{ "accounts = (\n{ network = \"mastodon\"; server = "
	  "\"https://a.example/api?x=1\"; handle = \"x\"; language = \"en\";"
	  " token_file = \"m.token\"; });\n",
	  "quitx.conf:2: 'server' must be an https:// URL" },
	{ "accounts = (\n{ network = \"mastodon\"; server = \"https://a.example\";"
	  "\n handle = \"x\"; token_file = \"m.token\"; });\n",
	  "quitx.conf:2: accounts[0]: missing required key 'language'" },
	{ "accounts = (\n{ network = \"mastodon\"; server = \"https://a.example\";"
	  " handle = \"x\"; language = \"en\"; });\n",
	  "quitx.conf:2: the account needs its secret: token_file or credential" },
	{ "accounts = (\n{ network = \"mastodon\"; server = \"https://a.example\";"
	  " handle = \"x\"; language = \"en\"; token_file = \"nope.token\"; });\n",
	  "quitx.conf:2: token_file '" },
	{ "accounts = (\n{ network = \"mastodon\"; server = \"https://a.example\";"
	  " handle = \"x\"; language = \"en\"; token_file = \"open.token\"; });\n",
	  "is readable by others (mode 644): run chmod 600 on it" },
	{ "accounts = (\n{ network = \"mastodon\"; server = \"https://a.example\";"
	  " handle = \"x\"; language = \"en\"; token_file = \"empty.token\"; });\n",
	  "empty.token' is empty" },
	{ "accounts = (\n{ network = \"mastodon\"; server = \"https://a.example\";"
	  " handle = \"x\"; language = \"en\"; password_file = \"m.token\"; });\n",
	  "quitx.conf:2: a Mastodon account uses an access token" },
	{ "accounts = (\n{ network = \"bluesky\"; server = \"https://a.example\";"
	  " handle = \"x.example\"; language = \"en\"; token_file = \"m.token\"; });\n",
	  "quitx.conf:2: a Bluesky account uses an app password" },
	{ "accounts = (\n{ network = \"mastodon\"; server = \"https://a.example\";"
	  " handle = \"x\"; language = \"en\"; token_file = \"m.token\";\n"
	  " credential = \"c\"; });\n",
	  "quitx.conf:3: give only one of token_file, password_file and credential" },
	{ "accounts = (\n{ network = \"mastodon\"; server = \"https://a.example\";"
	  " handle = \"x\"; language = \"en\"; credential = \"../etc/shadow\"; });\n",
	  "quitx.conf:2: 'credential' must be a credential name" },
	{ "accounts = (\n{ network = \"mastodon\"; server = \"https://a.example\";"
	  " handle = \"jack@a.example\"; language = \"en\"; token_file = \"m.token\"; });\n",
	  "quitx.conf:2: 'handle' of a Mastodon account is the user name alone" },
	{ "accounts = (\n{ network = \"mastodon\"; server = \"https://a.example\";"
	  " handle = \"<script>\"; language = \"en\"; token_file = \"m.token\"; });\n",
	  "may only hold letters, digits and '_'" },
	{ "accounts = (\n{ network = \"bluesky\"; server = \"https://a.example\";"
	  " handle = \"nodots\"; language = \"en\"; password_file = \"b.password\"; });\n",
	  "quitx.conf:2: 'handle' of a Bluesky account is a domain name" },
	{ "accounts = (\n{ network = \"mastodon\"; server = \"https://a.example\";"
	  " handle = \"x\"; language = \"de\"; token_file = \"m.token\"; });\n",
	  "quitx.conf:2: 'language' must be \"en\" or \"fr\"" },
	{ "campaign = { languages = [\"fr\"]; };\naccounts = (\n" MASTODON_OK ");\n",
	  "quitx.conf:3: account language \"en\" is not in 'campaign.languages'" },
	{ "accounts = (\n" MASTODON_OK ",\n" MASTODON_OK ");\n",
	  "quitx.conf:4: account HelloQuitX on https://mastodon.example is "
	  "already defined at line 2" },
	{ "accounts = ( 3 );\n",
	  "quitx.conf:1: each entry of 'accounts' must be a group" },
	{ "accounts = ();\nbluesky = { plc = \"http://plc.example\"; };\n",
	  "quitx.conf:2: 'plc' must be an https:// URL" },
	{ "accounts = ();\nbluesky = {\n jetstream = [ \"wss://j.example\" ]; };\n",
	  "quitx.conf:3: each 'jetstream' entry is a wss:// URL with its path" },
	{ "accounts = ();\nbluesky = {\n jetstream = [ \"https://j.example/subscribe\" ]; };\n",
	  "quitx.conf:3: each 'jetstream' entry is a wss:// URL" },
	{ "accounts = ();\nbluesky = { jetstream = \"wss://j.example/subscribe\"; };\n",
	  "quitx.conf:2: 'bluesky.jetstream' must be an array" },
	{ "accounts = ();\nbluesky = { chat_service = \"api.bsky.chat\"; };\n",
	  "quitx.conf:2: 'chat_service' is a service DID with its fragment" },
	{ "accounts = ();\nbluesky = { appview = \"https://x.example\"; };\n",
	  "quitx.conf:2: unknown key 'bluesky.appview'" },
};

static void
test_bad_files(void **state)
{
	struct fixture	*fx = *state;
	struct config	*conf;
	char		*errs;
	size_t		 i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		conf = (struct config *)1;
		if (load(fx, bad_cases[i].text, &conf, &errs) != -1)
			fail_msg("case %zu was accepted:\n%s", i,
			    bad_cases[i].text);
		assert_null(conf);
		if (strstr(errs, bad_cases[i].expect) == NULL)
			fail_msg("case %zu: expected \"%s\", got:\n%s", i,
			    bad_cases[i].expect, errs);
		if (strstr(errs, SECRET) != NULL)
			fail_msg("case %zu: a message shows the secret", i);
		free(errs);
	}
}

/* Several problems in one file are all reported, each with its line. */
static void
test_all_errors_at_once(void **state)
{
	struct fixture	*fx = *state;
	struct config	*conf;
	char		*errs;

	assert_int_equal(load(fx, "store = 1;\nlisten = \"x\";\n"
	    "bogus = true;\naccounts = ();\n", &conf, &errs), -1);
	assert_non_null(strstr(errs, "quitx.conf:1: 'store'"));
	assert_non_null(strstr(errs, "quitx.conf:2: 'listen'"));
	assert_non_null(strstr(errs, "quitx.conf:3: unknown key 'bogus'"));
	free(errs);
}

/* libconfig's scanner would exit the process on a directory */
static void
test_not_a_file(void **state)
{
	struct fixture		*fx = *state;
	struct config_errors	 errs = { NULL, 0 };
	struct config		*conf;

	assert_int_equal(config_load(fx->dir, &conf, &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_non_null(strstr(errs.msgs[0], ":0: not a regular file"));
	config_errors_clear(&errs);
}

static void
test_missing_file(void **state)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*conf;

	(void)state;
	assert_int_equal(config_load("/nonexistent/quitx.conf", &conf, &errs),
	    -1);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msgs[0], "/nonexistent/quitx.conf:0: "
	    "cannot open: No such file or directory");
	config_errors_clear(&errs);
}

/* systemd credentials resolve through $CREDENTIALS_DIRECTORY. */
static void
test_credential(void **state)
{
	struct fixture	*fx = *state;
	struct config	*conf;
	char		*errs, buf[64], why[256];

	setenv("CREDENTIALS_DIRECTORY", fx->dir, 1);
	assert_int_equal(load(fx, "accounts = (\n{ network = \"mastodon\";"
	    " server = \"https://a.example\"; handle = \"x\"; language = \"en\";"
	    " credential = \"m.token\"; });\n", &conf, &errs), 0);
	assert_int_equal(secret_read(&conf->accounts[0], buf, sizeof(buf), why,
	    sizeof(why)), (long)strlen(SECRET));
	assert_string_equal(buf, SECRET);
	config_free(conf);
	free(errs);
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_int_equal(load(fx, "accounts = (\n{ network = \"mastodon\";"
	    " server = \"https://a.example\"; handle = \"x\"; language = \"en\";"
	    " credential = \"m.token\"; });\n", &conf, &errs), -1);
	assert_non_null(strstr(errs, "CREDENTIALS_DIRECTORY is not set"));
	free(errs);
}

/* The message files: every problem named with its file and line. */
static void
test_messages(void **state)
{
	struct fixture		*fx = *state;
	struct config		*conf = NULL;
	char			*errtext, *en, *fr, *dir;

	dir = xasprintf("%s/msgs", fx->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	en = tu_slurp("conf/messages/en.conf");
	fr = tu_slurp("conf/messages/fr.conf");
	assert_non_null(en);
	assert_non_null(fr);
	free(tu_write(dir, "fr.conf", 0644, "%s", fr));
	/* a typo in a placeholder, a message too long, an unknown key */
	free(tu_write(dir, "en.conf", 0644, "help = \"Hi {bott}\";\n"
	    "stop_ok = \"%0500d\";\ncolour = \"blue\";\n", 0));
	assert_int_equal(load(fx, "messages = \"msgs\";\naccounts = ();\n",
	    &conf, &errtext), -1);
	assert_null(conf);
	assert_non_null(strstr(errtext, "/msgs/en.conf:"));
	assert_non_null(strstr(errtext, "'help': {bott} is not a placeholder "
	    "this message can use"));
	assert_non_null(strstr(errtext, "'stop_ok' can be 500 characters long"));
	assert_non_null(strstr(errtext, "unknown message 'colour'"));
	/* a missing message, and a language whose file is absent */
	free(tu_write(dir, "en.conf", 0644, "help = \"Hi @{bot}\";\n"));
	free(errtext);
	errtext = xasprintf("%s/fr.conf", dir);
	unlink(errtext);
	free(errtext);
	assert_int_equal(load(fx, "messages = \"msgs\";\naccounts = ();\n",
	    &conf, &errtext), -1);
	assert_non_null(strstr(errtext, "missing message 'register_ok'"));
	assert_non_null(strstr(errtext, "/msgs/fr.conf:0: cannot read the fr "
	    "messages"));
	free(errtext);
	/* the project's own files load, and render */
	assert_int_equal(load(fx, "accounts = ();\n", &conf, &errtext), 0);
	assert_non_null(conf->templates);
	{
		struct tmpl_vars	v = { .handle = "jack", .bot = "HelloQuitX",
					    .day = "20 January" };
		char			*text;

		text = templates_render(conf->templates, LANG_EN,
		    T_REGISTER_OK, &v);
		assert_non_null(strstr(text, "you are @jack on X"));
		assert_non_null(strstr(text, "follow @HelloQuitX"));
		free(text);
		text = templates_render(conf->templates, LANG_FR,
		    T_REGISTER_OK, &v);
		assert_non_null(strstr(text, "vous êtes @jack sur X"));
		free(text);
	}
	config_free(conf);
	free(errtext);
	free(en);
	free(fr);
	free(dir);
}

static void
test_countdown(void **state)
{
	struct fixture	*fx = *state;
	struct config	*conf;
	char		*errs, *text;

	free(tu_write(fx->dir, "j10.png", 0644, "png"));
	text = xasprintf("campaign = { day = \"2027-01-20\"; };\n"
	    "countdown = { days_before = 10; time = \"09:15\";\n"
	    "  networks = [\"bluesky\"]; grace_minutes = 30;\n"
	    "  en = { text = \"{days} days to #QuitX, {date}\";\n"
	    "    day = \"Today! #QuitX\"; images = ( { file = \"j10.png\";\n"
	    "    alt = \"A calendar\"; } ); };\n"
	    "  fr = { text = \"J-{days} avant le {date}\";\n"
	    "    day_before = \"Demain !\"; }; };\n"
	    "accounts = (\n%s,\n%s\n);\n", MASTODON_OK, BLUESKY_OK);
	assert_int_equal(load(fx, text, &conf, &errs), 0);
	assert_string_equal(errs, "");
	assert_true(conf->countdown.enabled);
	assert_int_equal(conf->countdown.days_before, 10);
	assert_int_equal(conf->countdown.hour, 9);
	assert_int_equal(conf->countdown.minute, 15);
	assert_int_equal(conf->countdown.grace, 1800);
	assert_int_equal(conf->countdown.networks, 1u << NETWORK_BLUESKY);
	assert_string_equal(conf->countdown.lang[LANG_EN].day,
	    "Today! #QuitX");
	assert_null(conf->countdown.lang[LANG_EN].day_before);
	assert_int_equal(conf->countdown.lang[LANG_EN].nimages, 1);
	assert_non_null(strstr(conf->countdown.lang[LANG_EN].images[0].file,
	    "/j10.png"));
	assert_string_equal(conf->countdown.lang[LANG_FR].day_before,
	    "Demain !");
	config_free(conf);
	free(errs);
	free(text);

	/* no group: no countdown, and the defaults */
	text = xasprintf("accounts = (\n%s\n);\n", MASTODON_OK);
	assert_int_equal(load(fx, text, &conf, &errs), 0);
	assert_false(conf->countdown.enabled);
	assert_int_equal(conf->countdown.grace, 7200);
	config_free(conf);
	free(errs);
	free(text);
}

static void
test_countdown_errors(void **state)
{
	struct fixture	*fx = *state;
	struct config	*conf;
	char		*errs, *text, *longtext;

	longtext = xcalloc(1, 400);
	memset(longtext, 'a', 320);
	text = xasprintf("campaign = { day = \"2027-01-20\"; };\n"
	    "countdown = { first_day = \"2027-01-25\"; };\n"
	    "accounts = (\n%s\n);\n", MASTODON_OK);
	assert_int_equal(load(fx, text, &conf, &errs), -1);
	assert_non_null(strstr(errs, "quitx.conf:2: 'countdown.first_day' "
	    "must be on or before the campaign day, 2027-01-20"));
	free(errs);
	free(text);

	text = xasprintf("campaign = { day = \"2027-01-20\"; "
	    "languages = [\"en\"]; };\n"
	    "countdown = { days_before = 3; first_day = \"2027-01-10\"; "
	    "time = \"25:00\";\n"
	    "  networks = [\"x\"]; grace_minutes = 0;\n"
	    "  en = { text = \"{days} days {when}\"; day = \"%s{days}\";\n"
	    "    images = ( { file = \"none.png\"; alt = \"\"; } ); };\n"
	    "  fr = { text = \"J-{days}\"; }; };\n"
	    "accounts = (\n%s\n);\n", longtext, MASTODON_OK);
	assert_int_equal(load(fx, text, &conf, &errs), -1);
	assert_non_null(strstr(errs, ":2: 'countdown.time' must be a 24-hour "
	    "time"));
	assert_non_null(strstr(errs, ":3: 'countdown.networks' may only hold"));
	assert_non_null(strstr(errs, ":3: 'countdown.grace_minutes' must be "
	    "between 1 and 1440"));
	assert_non_null(strstr(errs, ":4: 'countdown.en.text': unknown "
	    "placeholder \"{when}\" (use {days} and {date})"));
	assert_non_null(strstr(errs, ":5: image "));
	assert_non_null(strstr(errs, ":5: an image's 'alt' text must hold"));
	assert_non_null(strstr(errs, ":2: countdown: set one of 'first_day' "
	    "and 'days_before'"));
	free(errs);
	free(text);

	/* too long for Bluesky at its longest; a language not campaigned */
	text = xasprintf("campaign = { day = \"2027-01-20\"; "
	    "languages = [\"en\"]; };\n"
	    "countdown = { days_before = 3;\n"
	    "  en = { text = \"{days}\"; day = \"%s{days}\"; };\n"
	    "  fr = { text = \"J-{days}\"; }; };\n"
	    "accounts = (\n%s\n);\n", longtext, MASTODON_OK);
	assert_int_equal(load(fx, text, &conf, &errs), -1);
	assert_non_null(strstr(errs, ":3: 'countdown.en.day' gives a post of "
	    "321 graphemes and 321 bytes; Bluesky allows 300 and 3000"));
	assert_non_null(strstr(errs, ":4: countdown language \"fr\" is not in "
	    "'campaign.languages'"));
	free(errs);
	free(text);
	free(longtext);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_all_errors_at_once),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_not_a_file),
		cmocka_unit_test(test_credential),
		cmocka_unit_test(test_countdown),
		cmocka_unit_test(test_countdown_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
