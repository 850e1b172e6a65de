/*
 * test-command: what members write to the bot, as they write it, to the
 * command, handle, refusal and language the parser must find.
 *
 * The phrasings table runs each text twice, once with each hint: a
 * language marked '-' is "unclear", and must come back as the hint with
 * lang_clear 0; 'e' and 'f' must come back as themselves whatever the
 * hint.  Unless a test says otherwise the post mentions only the bot
 * (@HelloQuitX), as a Mastodon status would.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/command.h"

static const char *const bot_only[] = { "HelloQuitX" };
static const char *const bot_fr[] = { "HelloQuitteX" };

struct phrase {
	const char		*text;
	enum command_kind	 kind;
	const char		*handle;	/* CMD_REGISTER without refusal */
	enum command_refusal	 refusal;
	char			 lang;		/* 'e', 'f', or '-' for the hint */
	int			 call;		/* a reply to the call to register */
};

#define REG(t, h, l)		{ t, CMD_REGISTER, h, REFUSE_NONE, l, 0 }
#define REGCALL(t, h, l)	{ t, CMD_REGISTER, h, REFUSE_NONE, l, 1 }
#define REFUSED(t, r, l)	{ t, CMD_REGISTER, "", r, l, 0 }
#define CMD(t, k, l)		{ t, k, "", REFUSE_NONE, l, 0 }
#define CMDCALL(t, k, l)	{ t, k, "", REFUSE_NONE, l, 1 }

static const struct phrase phrases[] = {
	/* register, English */
	REG("@HelloQuitX register @jack", "jack", 'e'),
	REG("@HelloQuitX register jack", "jack", 'e'),
	REG("@HelloQuitX Register me please: @Jack_Smith", "Jack_Smith", 'e'),
	REG("@HelloQuitX REGISTER @JACK", "JACK", 'e'),
	REG("@HelloQuitX please sign me up, I'm @jack", "jack", 'e'),
	REG("@HelloQuitX sign up @jack", "jack", 'e'),
	REG("@HelloQuitX signup: jack", "jack", 'e'),
	REG("@HelloQuitX sign-up as jack please", "jack", 'e'),
	REG("@HelloQuitX I want to join! @jack", "jack", 'e'),
	REG("@HelloQuitX enroll me as @jack", "jack", 'e'),
	REG("@HelloQuitX enrol @jack", "jack", 'e'),
	REG("@HelloQuitX count me in: @jack", "jack", 'e'),
	REG("@HelloQuitX @jack register", "jack", 'e'),
	REG("@HelloQuitX my X handle is @jack", "jack", 'e'),
	REG("@HelloQuitX my X handle is jack", "jack", 'e'),
	REG("@HelloQuitX my twitter is @jack", "jack", 'e'),
	REG("@HelloQuitX my twitter handle: jack", "jack", 'e'),
	REG("@HelloQuitX I'm @jack on X", "jack", 'e'),
	REG("@HelloQuitX I was jack on twitter", "jack", 'e'),
	REG("@HelloQuitX on X I'm @jack, please add me", "jack", 'e'),
	REG("@HelloQuitX X handle: @jack", "jack", 'e'),
	REG("@HelloQuitX twitter: jack", "jack", '-'),
	REG("@HelloQuitX here's my profile x.com/jack", "jack", 'e'),
	REG("@HelloQuitX don't forget me to register @jack", "jack", 'e'),
	REG("@HelloQuitX register @jack, then stop", "jack", 'e'),
	REG("@HelloQuitX help me register @jack", "jack", 'e'),
	REG("@HelloQuitX register @jack and introduce me", "jack", 'e'),
	REG("@HelloQuitX I registered as @jack, what now?", "jack", 'e'),
	REG("@HelloQuitX Hi! Please register my account @jack", "jack", 'e'),
	REG("@HelloQuitX can you register me? my X is jack_smith",
	    "jack_smith", 'e'),
	REG("@HelloQuitX I'd like to register. X: @jack", "jack", 'e'),
	REG("@HelloQuitX add me: @jack", "jack", 'e'),
	REG("@HelloQuitX Hey, could you sign me up? My username on X is "
	    "jack_123 🙂", "jack_123", 'e'),
	REG("@HelloQuitX I'm leaving X, I'm @jack there", "jack", 'e'),
	REG("@HelloQuitX register @jack stop", "jack", 'e'),
	REG("@HelloQuitX stop. Actually no, register @jack", "jack", 'e'),
	/* register, French */
	REG("@HelloQuitteX inscription @jack", "jack", 'f'),
	REG("@HelloQuitteX inscris-moi : @jack", "jack", 'f'),
	REG("@HelloQuitteX inscris moi jack stp", "jack", 'f'),
	REG("@HelloQuitteX Je voudrais m’inscrire, mon pseudo X : @jack_fr. "
	    "Merci !", "jack_fr", 'f'),
	REG("@HelloQuitteX mon compte X est @jack", "jack", 'f'),
	REG("@HelloQuitteX mon compte X c’est jack", "jack", 'f'),
	REG("@HelloQuitteX mon compte X c'est x.com/jack", "jack", 'f'),
	REG("@HelloQuitteX mon pseudo X : jack", "jack", 'f'),
	REG("@HelloQuitteX je suis @jack sur X", "jack", 'f'),
	REG("@HelloQuitteX je suis jack sur twitter", "jack", 'f'),
	REG("@HelloQuitteX sur twitter j'étais @jack", "jack", 'f'),
	REG("@HelloQuitteX Bonjour, j'aimerais participer. Sur Twitter "
	    "j’étais @jack", "jack", 'f'),
	REG("@HelloQuitteX inscris moi aussi, je suis @jack sur twitter",
	    "jack", 'f'),
	REG("@HelloQuitteX enregistre-moi en tant que jack", "jack", 'f'),
	REG("@HelloQuitteX S'inscrire : @jack", "jack", 'f'),
	REG("@HelloQuitteX Salut ! Je quitte X le 20 janvier, mon ancien "
	    "compte c'était @jack", "jack", 'f'),
	REG("@HelloQuitteX Je m'appelle @jack sur Twitter", "jack", 'f'),
	REG("@HelloQuitteX coucou, c'est @jack sur X, je veux rejoindre le "
	    "mouvement", "jack", 'f'),
	REG("@HelloQuitteX Est-ce que je peux m'inscrire avec @jack ?", "jack",
	    'f'),
	REG("@HelloQuitteX inscrivez-moi : https://twitter.com/jack", "jack",
	    'f'),
	/* mixed languages: the command word counts most */
	REG("@HelloQuitX Hello, inscris-moi stp: x.com/jack", "jack", 'f'),
	REG("@HelloQuitX Bonjour! register @jack please", "jack", 'e'),
	/* typos */
	REG("@HelloQuitX regster @jack", "jack", 'e'),
	REG("@HelloQuitX registre @jack", "jack", 'e'),
	REG("@HelloQuitX regsiter @jack", "jack", 'e'),
	REG("@HelloQuitX inscritpion @jack", "jack", 'f'),
	REG("@HelloQuitX incsription @jack", "jack", 'f'),
	/* URLs */
	REG("@HelloQuitX register x.com/jack", "jack", 'e'),
	REG("@HelloQuitX register twitter.com/jack", "jack", 'e'),
	REG("@HelloQuitX register https://x.com/jack", "jack", 'e'),
	REG("@HelloQuitX register https://twitter.com/jack/status/123",
	    "jack", 'e'),
	REG("@HelloQuitX register mobile.twitter.com/jack", "jack", 'e'),
	REG("@HelloQuitX register www.x.com/jack", "jack", 'e'),
	REG("@HelloQuitX register x.com/@jack", "jack", 'e'),
	REG("@HelloQuitX register https://x.com/jack?s=21&t=abc", "jack", 'e'),
	REG("@HelloQuitX register https://x.com/jack?ref_src=twsrc%5Etfw.",
	    "jack", 'e'),
	REG("@HelloQuitX sign me up! x.com/jack.", "jack", 'e'),
	REG("@HelloQuitX register (x.com/jack)", "jack", 'e'),
	REG("@HelloQuitX register [https://twitter.com/jack]!", "jack", 'e'),
	REG("@HelloQuitX register HTTPS://X.COM/Jack", "Jack", 'e'),
	REG("@HelloQuitX register twitter.com/#!/jack", "jack", 'e'),
	REG("@HelloQuitX register twitter.com/intent/user?screen_name=jack",
	    "jack", 'e'),
	REG("@HelloQuitX register @jack@x.com", "jack", 'e'),
	REG("@HelloQuitX register @jack (x.com/JACK)", "jack", 'e'),
	REG("@HelloQuitX https://x.com/jack", "jack", '-'),
	REG("@HelloQuitX (x.com/jack)", "jack", '-'),
	REG("@HelloQuitX https://mobile.twitter.com/jack?lang=fr", "jack", '-'),
	REG("@HelloQuitX x.com/jack/ 🙏", "jack", '-'),
	REG("@HelloQuitX merci ! x.com/jack", "jack", 'f'),
	/* emoji, invisible characters, markup leftovers, look-alikes */
	REG("@HelloQuitX 🚀 register @jack 🙏", "jack", 'e'),
	REG("@HelloQuitX register @ja\u200Bck", "jack", 'e'),
	REG("@HelloQuitX register\u200B@jack", "jack", 'e'),
	REG("@HelloQuitX register @\u200Bjack", "jack", 'e'),
	REG("@HelloQuitX \uFEFFregister @jack\u200D", "jack", 'e'),
	REG("@HelloQuitX \u200Fregister @jack\u200E", "jack", 'e'),
	REG("@HelloQuitX \u202Bregister \u2066@jack\u2069\u202C", "jack", 'e'),
	REG("@HelloQuitX regis\u00ADter @jack", "jack", 'e'),
	REG("@HelloQuitX register &amp; thanks: @jack<br>cheers", "jack", 'e'),
	REG("@HelloQuitX register&nbsp;@jack", "jack", 'e'),
	REG("@HelloQuitX register\u00A0@jack", "jack", 'e'),
	REG("@HelloQuitX register<br/>@jack", "jack", 'e'),
	REG("@HelloQuitX <p>register</p><p>@jack</p>", "jack", 'e'),
	REG("@HelloQuitX I&#39;m @jack on X", "jack", 'e'),
	REG("@HelloQuitX mon compte X c&#x27;est @jack", "jack", 'f'),
	REG("@HelloQuitX pr&eacute;sente-moi, inscris @jack", "jack", 'f'),
	REG("@HelloQuitX ＲＥＧＩＳＴＥＲ ＠ｊａｃｋ", "jack", 'e'),
	REG("@HelloQuitX 𝐫𝐞𝐠𝐢𝐬𝐭𝐞𝐫 @jack", "jack", 'e'),
	REG("@HelloQuitX register “jack”", "jack", 'e'),
	REG("@HelloQuitX register «jack»", "jack", 'e'),
	REG("@HelloQuitX register 'jack'", "jack", 'e'),
	REG("@HelloQuitX register: jack!", "jack", 'e'),
	REG("@HelloQuitX I\u2019m @jack on X", "jack", 'e'),
	/* replies to the call to register */
	REGCALL("@HelloQuitX @jack", "jack", '-'),
	REGCALL("@HelloQuitX me: @jack 🚀", "jack", '-'),
	REGCALL("@HelloQuitX @jack introduce me", "jack", 'e'),
	REGCALL("@HelloQuitX x.com/jack/status/1", "jack", '-'),
	REGCALL("@HelloQuitX voilà @jack", "jack", 'f'),
	{ "@HelloQuitX @jack-smith", CMD_REGISTER, "", REFUSE_BAD_CHARS,
	    '-', 1 },
	CMDCALL("@HelloQuitX done, see you on the other side", CMD_UNKNOWN,
	    'e'),
	CMDCALL("@HelloQuitX status", CMD_STATUS, 'e'),
	/* not a registration without the call */
	CMD("@HelloQuitX @jack", CMD_UNKNOWN, '-'),
	CMD("@HelloQuitX x.com/jack/status/1", CMD_UNKNOWN, '-'),
	CMD("@HelloQuitX look at this idiot x.com/elonmusk", CMD_UNKNOWN, 'e'),
	CMD("@HelloQuitX I'm leaving X! bye @elonmusk", CMD_UNKNOWN, 'e'),
	CMD("@HelloQuitX I'm leaving X bye @elonmusk", CMD_UNKNOWN, 'e'),
	CMD("@HelloQuitX X is dead. I am @jack@mastodon.social now",
	    CMD_UNKNOWN, 'e'),
	CMD("@HelloQuitX Leaving X, follow me: @jack", CMD_UNKNOWN, '-'),
	CMD("@HelloQuitX I'm quitting X, tell @jack", CMD_UNKNOWN, 'e'),
	/* refused */
	REFUSED("@HelloQuitX register", REFUSE_NO_HANDLE, 'e'),
	REFUSED("@HelloQuitX register me please", REFUSE_NO_HANDLE, 'e'),
	REFUSED("@HelloQuitX how do I register?", REFUSE_NO_HANDLE, 'e'),
	REFUSED("@HelloQuitX join the movement!", REFUSE_NO_HANDLE, 'e'),
	REFUSED("@HelloQuitX I'll join, count me in", REFUSE_NO_HANDLE, 'e'),
	REFUSED("@HelloQuitX register for the campaign", REFUSE_NO_HANDLE,
	    'e'),
	REFUSED("@HelloQuitX register now", REFUSE_NO_HANDLE, 'e'),
	REFUSED("@HelloQuitX no idea how to register", REFUSE_NO_HANDLE, 'e'),
	REFUSED("@HelloQuitteX je veux m'inscrire", REFUSE_NO_HANDLE, 'f'),
	REFUSED("@HelloQuitteX je veux participer !", REFUSE_NO_HANDLE, 'f'),
	REFUSED("@HelloQuitX register x.com/home", REFUSE_NO_HANDLE, 'e'),
	REFUSED("@HelloQuitX register https://x.com/i/flow/login",
	    REFUSE_NO_HANDLE, 'e'),
	REFUSED("@HelloQuitX register @HelloQuitX", REFUSE_NO_HANDLE, 'e'),
	REFUSED("@HelloQuitX register jack.smith", REFUSE_BAD_CHARS, 'e'),
	REFUSED("@HelloQuitX register @jack.smith", REFUSE_BAD_CHARS, 'e'),
	REFUSED("@HelloQuitX register @jack-smith", REFUSE_BAD_CHARS, 'e'),
	REFUSED("@HelloQuitX register x.com/jack-smith", REFUSE_BAD_CHARS, 'e'),
	REFUSED("@HelloQuitX register @jäck", REFUSE_BAD_CHARS, 'e'),
	REFUSED("@HelloQuitX register @abcdefghijklmnop", REFUSE_TOO_LONG, 'e'),
	REFUSED("@HelloQuitX register x.com/abcdefghijklmnop", REFUSE_TOO_LONG,
	    'e'),
	REFUSED("@HelloQuitX register @jack and @jill", REFUSE_SEVERAL, 'e'),
	REFUSED("@HelloQuitX register x.com/jack or twitter.com/jill",
	    REFUSE_SEVERAL, 'e'),
	REFUSED("@HelloQuitX register @jack@mastodon.social", REFUSE_FEDIVERSE,
	    'e'),
	REFUSED("@HelloQuitX register jack@mastodon.social", REFUSE_FEDIVERSE,
	    'e'),
	REFUSED("@HelloQuitX register @jack.bsky.social", REFUSE_FEDIVERSE,
	    'e'),
	/* status */
	CMD("@HelloQuitX status", CMD_STATUS, 'e'),
	CMD("@HelloQuitX status?", CMD_STATUS, 'e'),
	CMD("@HelloQuitX what's my status?", CMD_STATUS, 'e'),
	CMD("@HelloQuitX where am I?", CMD_STATUS, 'e'),
	CMD("@HelloQuitX am I registered?", CMD_STATUS, 'e'),
	CMD("@HelloQuitX staus", CMD_STATUS, 'e'),
	CMD("@HelloQuitteX mon statut", CMD_STATUS, 'f'),
	CMD("@HelloQuitteX état", CMD_STATUS, 'f'),
	CMD("@HelloQuitteX ÉTAT ?", CMD_STATUS, 'f'),
	CMD("@HelloQuitteX où en suis-je ?", CMD_STATUS, 'f'),
	CMD("@HelloQuitteX est-ce que je suis inscrit ?", CMD_STATUS, 'f'),
	/* upload link */
	CMD("@HelloQuitX upload link", CMD_UPLOAD_LINK, 'e'),
	CMD("@HelloQuitX link please", CMD_UPLOAD_LINK, 'e'),
	CMD("@HelloQuitX can I have my upload link again?", CMD_UPLOAD_LINK,
	    'e'),
	CMD("@HelloQuitX send my archive", CMD_UPLOAD_LINK, 'e'),
	CMD("@HelloQuitX how do I send my archive?", CMD_UPLOAD_LINK, 'e'),
	CMD("@HelloQuitX I uploaded my archive, what's next?", CMD_UPLOAD_LINK,
	    'e'),
	CMD("@HelloQuitteX lien", CMD_UPLOAD_LINK, 'f'),
	CMD("@HelloQuitteX lien d'envoi", CMD_UPLOAD_LINK, 'f'),
	CMD("@HelloQuitteX je n'ai pas reçu le lien", CMD_UPLOAD_LINK, 'f'),
	CMD("@HelloQuitteX comment envoyer mon archive ?", CMD_UPLOAD_LINK,
	    'f'),
	/* suggestions */
	CMD("@HelloQuitX suggestions", CMD_SUGGESTIONS, '-'),
	CMD("@HelloQuitX any suggestions?", CMD_SUGGESTIONS, 'e'),
	CMD("@HelloQuitX suggestoins", CMD_SUGGESTIONS, '-'),
	CMD("@HelloQuitX who should I follow?", CMD_SUGGESTIONS, 'e'),
	CMD("@HelloQuitteX qui suivre ?", CMD_SUGGESTIONS, 'f'),
	CMD("@HelloQuitteX qui dois-je suivre ?", CMD_SUGGESTIONS, 'f'),
	/* introductions */
	CMD("@HelloQuitX introduce me", CMD_INTRO_ON, 'e'),
	CMD("@HelloQuitX yes introduce me please!", CMD_INTRO_ON, 'e'),
	CMD("@HelloQuitX introduce me but don't stop messages", CMD_INTRO_ON,
	    'e'),
	CMD("@HelloQuitteX présente-moi", CMD_INTRO_ON, 'f'),
	CMD("@HelloQuitteX PRESENTEZ-MOI svp", CMD_INTRO_ON, 'f'),
	CMD("@HelloQuitX don't introduce me", CMD_INTRO_OFF, 'e'),
	CMD("@HelloQuitX don’t introduce me", CMD_INTRO_OFF, 'e'),
	CMD("@HelloQuitX dont introduce me", CMD_INTRO_OFF, 'e'),
	CMD("@HelloQuitX no intro please", CMD_INTRO_OFF, 'e'),
	CMD("@HelloQuitX I don't want to be introduced", CMD_INTRO_OFF, 'e'),
	CMD("@HelloQuitX stop introducing me", CMD_INTRO_OFF, 'e'),
	CMD("@HelloQuitX remove me from the intros", CMD_INTRO_OFF, 'e'),
	CMD("@HelloQuitX introduce me? no, don't introduce me", CMD_INTRO_OFF,
	    'e'),
	CMD("@HelloQuitteX ne me présente pas", CMD_INTRO_OFF, 'f'),
	CMD("@HelloQuitteX je ne veux pas être présenté", CMD_INTRO_OFF, 'f'),
	CMD("@HelloQuitteX pas de présentation merci", CMD_INTRO_OFF, 'f'),
	CMD("@HelloQuitteX arrête de me présenter", CMD_INTRO_OFF, 'f'),
	/* stop */
	CMD("@HelloQuitX stop", CMD_STOP_MESSAGES, '-'),
	CMD("@HelloQuitX STOP!!!", CMD_STOP_MESSAGES, '-'),
	CMD("@HelloQuitX please stop", CMD_STOP_MESSAGES, 'e'),
	CMD("@HelloQuitX stop messages", CMD_STOP_MESSAGES, '-'),
	CMD("@HelloQuitX stop sending me messages", CMD_STOP_MESSAGES, 'e'),
	CMD("@HelloQuitX stop spamming me", CMD_STOP_MESSAGES, 'e'),
	CMD("@HelloQuitX unsubscribe", CMD_STOP_MESSAGES, 'e'),
	CMD("@HelloQuitX stop messages, and register @jack", CMD_STOP_MESSAGES,
	    'e'),
	CMD("@HelloQuitX stop messages and introduce me", CMD_STOP_MESSAGES,
	    'e'),
	CMD("@HelloQuitX stop the bot, what is this", CMD_STOP_MESSAGES, 'e'),
	CMD("@HelloQuitX help stop", CMD_STOP_MESSAGES, 'e'),
	CMD("@HelloQuitX please forget everything and stop", CMD_FORGET, 'e'),
	CMD("@HelloQuitteX arrête", CMD_STOP_MESSAGES, 'f'),
	CMD("@HelloQuitteX stop les messages", CMD_STOP_MESSAGES, 'f'),
	CMD("@HelloQuitteX arrête de m'écrire", CMD_STOP_MESSAGES, 'f'),
	CMD("@HelloQuitteX plus de messages svp", CMD_STOP_MESSAGES, 'f'),
	/* negated stop, slogans */
	CMD("@HelloQuitX don't stop", CMD_UNKNOWN, 'e'),
	CMD("@HelloQuitX do not stop the messages", CMD_UNKNOWN, 'e'),
	CMD("@HelloQuitteX n'arrête pas", CMD_UNKNOWN, 'f'),
	CMD("@HelloQuitX stop X!", CMD_UNKNOWN, '-'),
	/* resume */
	CMD("@HelloQuitX resume", CMD_RESUME_MESSAGES, 'e'),
	CMD("@HelloQuitX resume messages please", CMD_RESUME_MESSAGES, 'e'),
	CMD("@HelloQuitX restart messages", CMD_RESUME_MESSAGES, 'e'),
	CMD("@HelloQuitX start again", CMD_RESUME_MESSAGES, 'e'),
	CMD("@HelloQuitteX reprendre", CMD_RESUME_MESSAGES, 'f'),
	CMD("@HelloQuitteX reprends les messages stp", CMD_RESUME_MESSAGES,
	    'f'),
	/* forget */
	CMD("@HelloQuitX forget me", CMD_FORGET, 'e'),
	CMD("@HelloQuitX delete my data", CMD_FORGET, 'e'),
	CMD("@HelloQuitX please delete everything about me", CMD_FORGET, 'e'),
	CMD("@HelloQuitX remove me", CMD_FORGET, 'e'),
	CMD("@HelloQuitX unregister", CMD_FORGET, 'e'),
	CMD("@HelloQuitX stop messages and forget me", CMD_FORGET, 'e'),
	CMD("@HelloQuitteX oublie-moi", CMD_FORGET, 'f'),
	CMD("@HelloQuitteX oubliez-moi s'il vous plaît", CMD_FORGET, 'f'),
	CMD("@HelloQuitteX supprime mes données", CMD_FORGET, 'f'),
	CMD("@HelloQuitteX SUPPRIMEZ MES DONNEES", CMD_FORGET, 'f'),
	CMD("@HelloQuitteX veuillez supprimer toutes mes données", CMD_FORGET,
	    'f'),
	CMD("@HelloQuitteX désinscription", CMD_FORGET, 'f'),
	/* not forget */
	CMD("@HelloQuitteX ne m'oublie pas", CMD_UNKNOWN, 'f'),
	CMD("@HelloQuitX forget it", CMD_UNKNOWN, 'e'),
	CMD("@HelloQuitX I forgot my handle", CMD_UNKNOWN, 'e'),
	/* help */
	CMD("@HelloQuitX help", CMD_HELP, 'e'),
	CMD("@HelloQuitX HELP!", CMD_HELP, 'e'),
	CMD("@HelloQuitX ?", CMD_HELP, '-'),
	CMD("@HelloQuitX ??", CMD_HELP, '-'),
	CMD("@HelloQuitX hello?", CMD_HELP, 'e'),
	CMD("@HelloQuitX what is this?", CMD_HELP, 'e'),
	CMD("@HelloQuitX what can you do?", CMD_HELP, 'e'),
	CMD("@HelloQuitX who are you?", CMD_HELP, 'e'),
	CMD("@HelloQuitX what do I do now?", CMD_HELP, 'e'),
	CMD("@HelloQuitteX aide", CMD_HELP, 'f'),
	CMD("@HelloQuitteX aide-moi", CMD_HELP, 'f'),
	CMD("@HelloQuitteX comment ça marche ?", CMD_HELP, 'f'),
	/* nothing for the bot */
	CMD("@HelloQuitX", CMD_NONE, '-'),
	CMD("@HelloQuitX@mastodon.example", CMD_NONE, '-'),
	CMD("@HelloQuitX thanks!", CMD_NONE, 'e'),
	CMD("@HelloQuitX thank you so much 🙏", CMD_NONE, 'e'),
	CMD("@HelloQuitX good luck!", CMD_NONE, 'e'),
	CMD("@HelloQuitX I love this idea", CMD_NONE, 'e'),
	CMD("@HelloQuitX 👋", CMD_NONE, '-'),
	CMD("@HelloQuitX 🤔", CMD_NONE, '-'),
	CMD("@HelloQuitX ok 👍", CMD_NONE, '-'),
	CMD("@HelloQuitX #HelloQuitX", CMD_NONE, '-'),
	CMD("@HelloQuitteX merci beaucoup 🙏", CMD_NONE, 'f'),
	CMD("@HelloQuitteX Merci pour l'initiative !", CMD_NONE, 'f'),
	CMD("@HelloQuitteX bonjour", CMD_NONE, 'f'),
	CMD("\u200B\u200E", CMD_NONE, '-'),
	/* none of these */
	CMD("@HelloQuitX United States", CMD_UNKNOWN, 'e'),
	CMD("@HelloQuitX I presume you are a bot", CMD_UNKNOWN, 'e'),
	CMD("@HelloQuitX the weather is nice today", CMD_UNKNOWN, 'e'),
};

/* Compare one result; print what differs (every phrase is checked). */
static int
check_phrase(const struct phrase *p, enum lang hint)
{
	const char *const	 handle = p->kind == CMD_REGISTER ? p->handle : "";
	struct command_input	 in;
	struct command		 c;
	enum lang		 want = p->lang == 'e' ? LANG_EN :
				     p->lang == 'f' ? LANG_FR : hint;
	int			 ok;

	memset(&in, 0, sizeof(in));
	in.text = p->text;
	in.len = strlen(p->text);
	/* the French bot where the text names it */
	in.mentions = strncmp(p->text, "@HelloQuitteX", 13) == 0 ? bot_fr :
	    bot_only;
	in.nmentions = 1;
	in.bot_handle = in.mentions[0];
	in.reply_to_call = p->call;
	in.hint = hint;
	command_parse(&in, &c);
	ok = c.kind == p->kind && strcmp(c.handle, handle) == 0 &&
	    c.refusal == p->refusal && c.lang == want &&
	    c.lang_clear == (p->lang != '-');
	if (!ok)
		print_error("\"%s\" (hint %s): got %s @%s %s (%s) lang %d/%d, "
		    "want %s @%s %s lang %d/%d\n", p->text,
		    hint == LANG_FR ? "fr" : "en", command_name(c.kind),
		    c.handle, command_refusal_name(c.refusal), c.refused,
		    (int)c.lang, c.lang_clear, command_name(p->kind), handle,
		    command_refusal_name(p->refusal), (int)want,
		    p->lang != '-');
	return ok;
}

static void
test_phrasings(void **state)
{
	size_t	i, failed = 0;

	(void)state;
	assert_true(sizeof(phrases) / sizeof(phrases[0]) >= 100);
	for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
		failed += !check_phrase(&phrases[i], LANG_EN);
		failed += !check_phrase(&phrases[i], LANG_FR);
	}
	assert_int_equal(failed, 0);
}

/* Parse text with the given mentions and bot handle. */
static void
parse(const char *text, const char *const *mentions, size_t n,
    const char *bot, int call, struct command *c)
{
	struct command_input	in;

	memset(&in, 0, sizeof(in));
	in.text = text;
	in.len = text != NULL ? strlen(text) : 0;
	in.mentions = mentions;
	in.nmentions = n;
	in.bot_handle = bot;
	in.reply_to_call = call;
	in.hint = LANG_EN;
	command_parse(&in, c);
}

static void
test_fediverse(void **state)
{
	static const char *const remote[] = {
		"HelloQuitX", "jack@mastodon.social",
	};
	static const char *const local[] = { "HelloQuitX", "jack" };
	static const char *const at[] = { "@HelloQuitX", "@jack@mastodon.social" };
	static const char *const two[] = {
		"HelloQuitX", "jack@mastodon.social", "paul@social.example",
	};
	struct command	c;

	(void)state;
	/* Mastodon shows a remote mention as @user: that is jack's account */
	parse("@HelloQuitX register @jack", remote, 2, "HelloQuitX", 0, &c);
	assert_int_equal(c.kind, CMD_REGISTER);
	assert_int_equal(c.refusal, REFUSE_FEDIVERSE);
	assert_string_equal(c.refused, "jack@mastodon.social");
	assert_string_equal(c.handle, "");
	parse("@HelloQuitX register @jack", bot_only, 1, "HelloQuitX", 0, &c);
	assert_int_equal(c.kind, CMD_REGISTER);
	assert_int_equal(c.refusal, REFUSE_NONE);
	assert_string_equal(c.handle, "jack");
	/* written in full, with '@' in the list, local */
	parse("@HelloQuitX register @jack@mastodon.social", remote, 2,
	    "HelloQuitX", 0, &c);
	assert_int_equal(c.refusal, REFUSE_FEDIVERSE);
	parse("@HelloQuitX register @jack", at, 2, "@HelloQuitX", 0, &c);
	assert_int_equal(c.refusal, REFUSE_FEDIVERSE);
	parse("@HelloQuitX register @Jack", local, 2, "HelloQuitX", 0, &c);
	assert_int_equal(c.refusal, REFUSE_FEDIVERSE);
	assert_string_equal(c.refused, "jack");
	/* the URL form is never a fediverse account */
	parse("@HelloQuitX register x.com/jack", remote, 2, "HelloQuitX", 0,
	    &c);
	assert_int_equal(c.refusal, REFUSE_NONE);
	assert_string_equal(c.handle, "jack");
	/* an X handle beside a fediverse account: the X handle */
	parse("@HelloQuitX register @paul, I'm @jack_x on X", two, 3,
	    "HelloQuitX", 0, &c);
	assert_int_equal(c.refusal, REFUSE_NONE);
	assert_string_equal(c.handle, "jack_x");
	/* the same name at another server is someone else */
	parse("@HelloQuitX register @jack@other.example", remote, 2,
	    "HelloQuitX", 0, &c);
	assert_int_equal(c.refusal, REFUSE_FEDIVERSE);
	assert_string_equal(c.refused, "jack@other.example");
	/* mentioning friends is nothing for the bot, even in a reply */
	parse("@HelloQuitX @paul", two, 3, "HelloQuitX", 1, &c);
	assert_int_equal(c.kind, CMD_NONE);
	parse("@HelloQuitX thanks @paul!", two, 3, "HelloQuitX", 0, &c);
	assert_int_equal(c.kind, CMD_NONE);
	/* the bot written with its server */
	parse("@HelloQuitX@mastodon.example register @jack", remote, 2,
	    "HelloQuitX", 0, &c);
	assert_int_equal(c.refusal, REFUSE_FEDIVERSE);
	parse("@helloquitx@mastodon.example register @jill", remote, 2,
	    "HelloQuitX", 0, &c);
	assert_string_equal(c.handle, "jill");
}

static void
test_bluesky(void **state)
{
	static const char *const m[] = {
		"helloquitx.bsky.social", "paul.bsky.social",
	};
	static const char	 bot[] = "helloquitx.bsky.social";
	struct command		 c;

	(void)state;
	parse("@helloquitx.bsky.social register @jack", m, 2, bot, 0, &c);
	assert_int_equal(c.kind, CMD_REGISTER);
	assert_string_equal(c.handle, "jack");
	parse("@helloquitx.bsky.social register @paul.bsky.social", m, 2, bot,
	    0, &c);
	assert_int_equal(c.refusal, REFUSE_FEDIVERSE);
	assert_string_equal(c.refused, "paul.bsky.social");
	parse("@HelloQuitX.bsky.social stop", m, 2, bot, 0, &c);
	assert_int_equal(c.kind, CMD_STOP_MESSAGES);
	/* the Mastodon bot's name is not this bot */
	parse("@helloquitx.bsky.social register @HelloQuitX", m, 2, bot, 0, &c);
	assert_string_equal(c.handle, "HelloQuitX");
	/* a Bluesky-looking handle nobody mentioned */
	parse("@helloquitx.bsky.social register @jack.bsky.social", m, 2, bot,
	    0, &c);
	assert_int_equal(c.refusal, REFUSE_FEDIVERSE);
	/* another Bluesky domain handle, mentioned */
	parse("@helloquitx.bsky.social register @jack.example.com",
	    (const char *const[]){ bot, "jack.example.com" }, 2, bot, 0, &c);
	assert_int_equal(c.refusal, REFUSE_FEDIVERSE);
	assert_string_equal(c.refused, "jack.example.com");
}

static void
test_reply_to_call(void **state)
{
	struct command	c;

	(void)state;
	parse("@HelloQuitX @jack", bot_only, 1, "HelloQuitX", 1, &c);
	assert_int_equal(c.kind, CMD_REGISTER);
	assert_string_equal(c.handle, "jack");
	parse("@HelloQuitX @jack", bot_only, 1, "HelloQuitX", 0, &c);
	assert_int_equal(c.kind, CMD_UNKNOWN);
	/* a profile link alone is clear enough either way */
	parse("@HelloQuitX https://x.com/jack", bot_only, 1, "HelloQuitX", 0,
	    &c);
	assert_int_equal(c.kind, CMD_REGISTER);
	assert_string_equal(c.handle, "jack");
	/* a link to a post is not, unless it answers the call */
	parse("@HelloQuitX https://x.com/jack/status/1", bot_only, 1,
	    "HelloQuitX", 0, &c);
	assert_int_equal(c.kind, CMD_UNKNOWN);
	parse("@HelloQuitX https://x.com/jack/status/1", bot_only, 1,
	    "HelloQuitX", 1, &c);
	assert_int_equal(c.kind, CMD_REGISTER);
	assert_string_equal(c.handle, "jack");
	/* a profile link among other words is not alone */
	parse("@HelloQuitX who is x.com/jack", bot_only, 1, "HelloQuitX", 0,
	    &c);
	assert_int_equal(c.kind, CMD_UNKNOWN);
	/* a command in a reply to the call is that command */
	parse("@HelloQuitX suggestions", bot_only, 1, "HelloQuitX", 1, &c);
	assert_int_equal(c.kind, CMD_SUGGESTIONS);
	parse("@HelloQuitX @jack @jill", bot_only, 1, "HelloQuitX", 1, &c);
	assert_int_equal(c.refusal, REFUSE_SEVERAL);
}

static void
test_several(void **state)
{
	struct command	c;

	(void)state;
	parse("@HelloQuitX register @jack @jill", bot_only, 1, "HelloQuitX",
	    0, &c);
	assert_int_equal(c.kind, CMD_REGISTER);
	assert_int_equal(c.refusal, REFUSE_SEVERAL);
	assert_string_equal(c.refused, "jack jill");
	assert_string_equal(c.handle, "");
	/* the same handle, several ways and cases */
	parse("@HelloQuitX register @jack (x.com/JACK, twitter.com/Jack/"
	    "status/9) jack", bot_only, 1, "HelloQuitX", 0, &c);
	assert_int_equal(c.refusal, REFUSE_NONE);
	assert_string_equal(c.handle, "jack");
	/* the bare word and the mention differ */
	parse("@HelloQuitX register jack @jill", bot_only, 1, "HelloQuitX", 0,
	    &c);
	assert_int_equal(c.refusal, REFUSE_SEVERAL);
	assert_string_equal(c.refused, "jack jill");
	/* a refused one beside a valid one: the valid one */
	parse("@HelloQuitX register @jack-smith or @jack_smith", bot_only, 1,
	    "HelloQuitX", 0, &c);
	assert_int_equal(c.refusal, REFUSE_NONE);
	assert_string_equal(c.handle, "jack_smith");
	/* fifteen characters, both long */
	parse("@HelloQuitX register @abcdefghijklmno @ABCDEFGHIJKLMNZ",
	    bot_only, 1, "HelloQuitX", 0, &c);
	assert_int_equal(c.refusal, REFUSE_SEVERAL);
	assert_string_equal(c.refused, "abcdefghijklmno ABCDEFGHIJKLMNZ");
}

static void
test_length(void **state)
{
	struct command	c;

	(void)state;
	parse("@HelloQuitX register @abcdefghijklmno", bot_only, 1,
	    "HelloQuitX", 0, &c);
	assert_int_equal(c.refusal, REFUSE_NONE);
	assert_string_equal(c.handle, "abcdefghijklmno");
	parse("@HelloQuitX register @abcdefghijklmnop", bot_only, 1,
	    "HelloQuitX", 0, &c);
	assert_int_equal(c.refusal, REFUSE_TOO_LONG);
	assert_string_equal(c.refused, "abcdefghijklmnop");
	parse("@HelloQuitX register x.com/a_b_c_d_e_f_g_h", bot_only, 1,
	    "HelloQuitX", 0, &c);
	assert_int_equal(c.refusal, REFUSE_NONE);
	assert_string_equal(c.handle, "a_b_c_d_e_f_g_h");
	parse("@HelloQuitX register x.com/a_b_c_d_e_f_g_h_", bot_only, 1,
	    "HelloQuitX", 0, &c);
	assert_int_equal(c.refusal, REFUSE_TOO_LONG);
	/* the refused token is cut to 31 bytes */
	parse("@HelloQuitX register @abcdefghijklmnopqrstuvwxyz0123456789",
	    bot_only, 1, "HelloQuitX", 0, &c);
	assert_int_equal(c.refusal, REFUSE_TOO_LONG);
	assert_string_equal(c.refused, "abcdefghijklmnopqrstuvwxyz01234");
	/* and printable ASCII */
	parse("@HelloQuitX register @jäck", bot_only, 1, "HelloQuitX", 0, &c);
	assert_int_equal(c.refusal, REFUSE_BAD_CHARS);
	assert_string_equal(c.refused, "j?ck");
	parse("@HelloQuitX register @a\u200Bb-c", bot_only, 1, "HelloQuitX",
	    0, &c);
	assert_int_equal(c.refusal, REFUSE_BAD_CHARS);
	assert_string_equal(c.refused, "ab-c");
}

static void
test_handle_valid(void **state)
{
	(void)state;
	assert_true(command_x_handle_valid("jack", 4));
	assert_true(command_x_handle_valid("J", 1));
	assert_true(command_x_handle_valid("_", 1));
	assert_true(command_x_handle_valid("123", 3));
	assert_true(command_x_handle_valid("abcdefghijklmno", 15));
	assert_true(command_x_handle_valid("Jack_Smith_1234", 15));
	assert_false(command_x_handle_valid("abcdefghijklmnop", 16));
	assert_false(command_x_handle_valid("", 0));
	assert_false(command_x_handle_valid(NULL, 3));
	assert_false(command_x_handle_valid("jack.smith", 10));
	assert_false(command_x_handle_valid("jack-smith", 10));
	assert_false(command_x_handle_valid("@jack", 5));
	assert_false(command_x_handle_valid("jäck", strlen("jäck")));
	assert_false(command_x_handle_valid("ja ck", 5));
	assert_false(command_x_handle_valid("jack\0", 5));
	/* only n bytes are read */
	assert_true(command_x_handle_valid("jack.smith", 4));
}

static void
test_names(void **state)
{
	int	k;

	(void)state;
	assert_string_equal(command_name(CMD_REGISTER), "register");
	assert_string_equal(command_name(CMD_NONE), "none");
	assert_string_equal(command_name(CMD_UPLOAD_LINK), "upload-link");
	assert_string_equal(command_name(CMD_INTRO_OFF), "intro-off");
	assert_string_equal(command_name(CMD_UNKNOWN), "unknown");
	assert_string_equal(command_name((enum command_kind)99), "invalid");
	assert_string_equal(command_refusal_name(REFUSE_NONE), "none");
	assert_string_equal(command_refusal_name(REFUSE_FEDIVERSE),
	    "fediverse");
	assert_string_equal(command_refusal_name(REFUSE_SEVERAL), "several");
	assert_string_equal(command_refusal_name((enum command_refusal)-1),
	    "invalid");
	for (k = CMD_NONE; k <= CMD_UNKNOWN; k++)
		assert_true(strlen(command_name((enum command_kind)k)) > 0);
}

/* Odd input: NULL, empty, invalid UTF-8, NUL bytes, no mentions, no bot. */
static void
test_odd_input(void **state)
{
	struct command_input	in;
	struct command		c;
	static const char	bad[] = "register \xff\xfe@jack \xc3(\xe2\x82";
	static const char	nul[] = "register\0@jack";

	(void)state;
	memset(&in, 0, sizeof(in));
	in.hint = LANG_FR;
	memset(&c, 0xaa, sizeof(c));
	command_parse(&in, &c);
	assert_int_equal(c.kind, CMD_NONE);
	assert_int_equal(c.lang, LANG_FR);
	assert_int_equal(c.lang_clear, 0);
	assert_string_equal(c.handle, "");
	assert_string_equal(c.refused, "");

	in.text = "";
	command_parse(&in, &c);
	assert_int_equal(c.kind, CMD_NONE);

	/* invalid bytes are spaces */
	in.text = bad;
	in.len = sizeof(bad) - 1;
	command_parse(&in, &c);
	assert_int_equal(c.kind, CMD_REGISTER);
	assert_string_equal(c.handle, "jack");
	in.text = "reg\xc3ister";
	in.len = strlen(in.text);
	command_parse(&in, &c);
	assert_int_equal(c.kind, CMD_UNKNOWN);

	/* so are NUL bytes within len */
	in.text = nul;
	in.len = sizeof(nul) - 1;
	command_parse(&in, &c);
	assert_int_equal(c.kind, CMD_REGISTER);
	assert_string_equal(c.handle, "jack");

	/* only len bytes are read */
	in.text = "register @jackson";
	in.len = strlen("register @jack");
	command_parse(&in, &c);
	assert_string_equal(c.handle, "jack");

	/* no bot handle, no mentions: "@HelloQuitX" is then a handle */
	in.text = "@HelloQuitX register";
	in.len = strlen(in.text);
	command_parse(&in, &c);
	assert_int_equal(c.kind, CMD_REGISTER);
	assert_string_equal(c.handle, "HelloQuitX");

	/* a NULL among the mentions is skipped */
	in.mentions = (const char *const[]){ NULL, "jack" };
	in.nmentions = 2;
	in.text = "register @jack";
	in.len = strlen(in.text);
	command_parse(&in, &c);
	assert_int_equal(c.refusal, REFUSE_FEDIVERSE);

	/* an out-of-range hint is English */
	in.hint = (enum lang)7;
	in.text = "?";
	in.len = 1;
	command_parse(&in, &c);
	assert_int_equal(c.kind, CMD_HELP);
	assert_int_equal(c.lang, LANG_EN);
}

/* Megabytes in, a few kilobytes read: the end of the text is not seen. */
static void
test_large(void **state)
{
	const size_t	 big = 1024 * 1024;
	static const char unit[] = "register @jack ";
	char		*s;
	size_t		 i;
	struct command	 c;

	(void)state;
	s = malloc(big + 1);
	assert_non_null(s);
	for (i = 0; i < big; i++)
		s[i] = unit[i % (sizeof(unit) - 1)];
	s[big] = '\0';
	parse(s, bot_only, 1, "HelloQuitX", 0, &c);
	assert_int_equal(c.kind, CMD_REGISTER);
	assert_string_equal(c.handle, "jack");

	/* what comes after the first 4 KiB is ignored */
	memset(s, 'a', big);
	memcpy(s + big - 20, " register @jack", 15);
	parse(s, bot_only, 1, "HelloQuitX", 0, &c);
	assert_int_equal(c.kind, CMD_UNKNOWN);

	/* the cut falls inside a character: never half of it */
	memset(s, ' ', big);
	memcpy(s, "register @jack", 14);
	for (i = COMMAND_TEXT_MAX - 2; i + 4 <= big; i += 4)
		memcpy(s + i, "\xf0\x9f\x9a\x80", 4);
	parse(s, bot_only, 1, "HelloQuitX", 0, &c);
	assert_string_equal(c.handle, "jack");

	/* every kind of junk, a megabyte of it */
	for (i = 0; i < big; i++)
		s[i] = (char)("@x.com/\xe2\x80\x8b\xff#&;<br>?!a \xc3\xa9"
		    [(i * 7 + i / 13) % 24]);
	parse(s, bot_only, 1, "HelloQuitX", 1, &c);
	assert_true(c.kind <= CMD_UNKNOWN);
	assert_true(strlen(c.handle) < sizeof(c.handle));
	assert_true(strlen(c.refused) < sizeof(c.refused));

	/* a megabyte of words and of '@' names */
	for (i = 0; i < big; i++)
		s[i] = "stop @a b "[i % 10];
	parse(s, bot_only, 1, "HelloQuitX", 0, &c);
	assert_true(c.kind <= CMD_UNKNOWN);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phrasings),
		cmocka_unit_test(test_fediverse),
		cmocka_unit_test(test_bluesky),
		cmocka_unit_test(test_reply_to_call),
		cmocka_unit_test(test_several),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_handle_valid),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_odd_input),
		cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
