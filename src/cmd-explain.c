/*
 * cmd-explain: `quitx explain [-c FILE] [--lang en|fr] [--member]
 * [--reply-to-call] TEXT...`
 *
 * What the bot reads in a mention and exactly what it would answer,
 * without touching the store or any network: for the campaign team to
 * check phrasings and message files, and for the tests.
 */
#include "quitx/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/command.h"
#include "quitx/config.h"
#include "quitx/conversation.h"
#include "quitx/templates.h"
#include "quitx/xmalloc.h"

/* The bot a member of lang would be writing to, from the config. */
static const char *
bot_for(const struct config *conf, enum lang lang)
{
	size_t	i;

	for (i = 0; i < conf->naccounts; i++)
		if (conf->accounts[i].lang == lang &&
		    conf->accounts[i].network == NETWORK_MASTODON)
			return conf->accounts[i].handle;
	for (i = 0; i < conf->naccounts; i++)
		if (conf->accounts[i].lang == lang)
			return conf->accounts[i].handle;
	return lang == LANG_FR ? "HelloQuitteX" : "HelloQuitX";
}

int
cmd_explain(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "lang", required_argument, NULL, 'l' },
		{ "member", required_argument, NULL, 'm' },
		{ "reply-to-call", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char		*path = config_default_path(), *bot;
	const char		*mentions[1];
	struct config		*conf;
	struct command_input	 in;
	struct command		 cmd;
	struct person		 p;
	struct decision		 d;
	enum lang		 hint = LANG_EN;
	char			*text = NULL, *next, *answer;
	size_t			 i;
	int			 ch, call = 0;

	memset(&p, 0, sizeof(p));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'l':
			if (strcmp(optarg, "en") == 0)
				hint = LANG_EN;
			else if (strcmp(optarg, "fr") == 0)
				hint = LANG_FR;
			else
				return cmd_usage("explain");
			break;
		case 'm':
			/* as a member who claimed this handle */
			if (!command_x_handle_valid(optarg, strlen(optarg)))
				return cmd_usage("explain");
			p.member = 1;
			p.claim_handle = optarg;
			break;
		case 'r':
			call = 1;
			break;
		default:
			return cmd_usage("explain");
		}
	}
	if (optind == argc)
		return cmd_usage("explain");
	if ((conf = cmd_load_config(path)) == NULL)
		return EXIT_USAGE;
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		next = xasprintf("%s%s%s", text != NULL ? text : "",
		    text != NULL ? " " : "", argv[i]);
		free(text);
		text = next;
	}
	bot = bot_for(conf, hint);
	mentions[0] = bot;
	memset(&in, 0, sizeof(in));
	in.text = text;
	in.len = strlen(text);
	in.mentions = mentions;
	in.nmentions = 1;
	in.bot_handle = bot;
	in.reply_to_call = call;
	in.hint = hint;
	command_parse(&in, &cmd);
	/* as the daemon: the bot written to, a language the campaign speaks */
	if (!(conf->campaign.languages & (1u << cmd.lang)))
		cmd.lang = hint;

	printf("command:  %s\n", command_name(cmd.kind));
	if (cmd.kind == CMD_REGISTER && cmd.refusal == REFUSE_NONE)
		printf("handle:   @%s\n", cmd.handle);
	if (cmd.kind == CMD_REGISTER && cmd.refusal != REFUSE_NONE)
		printf("refused:  %s (\"%s\")\n",
		    command_refusal_name(cmd.refusal), cmd.refused);
	printf("language: %s (%s)\n", config_lang_name(cmd.lang),
	    cmd.lang_clear ? "from the text" : "the bot's, the text did not "
	    "say");
	conversation_decide(&cmd, &p, conf->public_url != NULL, &d);
	if (d.nanswers == 0)
		printf("answer:   none\n");
	for (i = 0; i < d.nanswers; i++) {
		answer = conversation_text(conf, &cmd, &p, bot,
		    d.upload_link ? "https://…/u/<a personal link>" : NULL,
		    d.answers[i].which);
		printf("%s %s (%s):\n  %s\n", i == 0 ? "answer:  " : "then:    ",
		    templates_key(d.answers[i].which),
		    d.answers[i].private ? "private" : "reply", answer);
		free(answer);
	}
	free(text);
	config_free(conf);
	return EXIT_OK;
}
