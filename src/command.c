/*
 * command: a post's plain text to what it asks the bot.  See command.h
 * for what is recognised and the order of precedence; this is how.
 *
 * Four passes, each linear in the text (cut at COMMAND_TEXT_MAX), none
 * recursive:
 *
 *  1. clean.  Invalid UTF-8 and control characters become spaces, HTML
 *     character references are decoded, invisible characters (Unicode's
 *     default-ignorable code points: zero-width, bidi marks and
 *     isolates, BOM, soft hyphen, variation selectors) become CMD_SOFT,
 *     a mark that joins what it separates ("@\u200Bjack" is @jack) but
 *     still lets an '@' right after it start a mention.  Then NFKC
 *     (libunistring), so fullwidth and mathematical letters read as
 *     letters, and smart quotes, dashes and exotic spaces map to ASCII.
 *  2. tokens.  Words (letters, digits, '_' and marks), folded for
 *     matching: case folded, decomposed, marks dropped ("Présente" is
 *     "presente"), apostrophes and hyphens split them ("m'inscrire" is
 *     "m inscrire").  '@' mentions and URLs become handle candidates as
 *     they are met, HTML tags are skipped, punctuation ends clauses.
 *  3. hits.  Each command is a table of key phrases matched word by word
 *     (one letter off allowed in words of six letters or more), some
 *     needing an object ("forget" needs "me", "my data"...).  A hit is
 *     negated by a negation word just before it ("don't", "no", "ne",
 *     "pas", with at most one other word between, "want to be" not
 *     counted) or a French "pas"/"jamais" just after.
 *  4. decision, in the order command.h gives, with the handle taken from
 *     the candidates: '@' mentions and URLs anywhere, and a bare word
 *     right after a register word or an identity statement ("my X
 *     handle is jack"), past words that may sit between ("me", "as",
 *     "please", "mon compte X est"...).
 */
#include "quitx/command.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "quitx/xmalloc.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Where an invisible character was: see pass 1 above. */
#define CMD_SOFT	0x01
/* NFKC can grow the text: the cleaned text is cut here */
#define CMD_CLEAN_MAX	(2 * COMMAND_TEXT_MAX)
/* Beyond this many tokens the rest of the text is not read. */
#define CMD_TOKENS_MAX	1024
/* A folded word this long is none we know (longest: 15 letters). */
#define CMD_WORD_MAX	32
/* enough for any acct or Bluesky handle (253) */
#define CMD_NAME_MAX	256
#define CMD_CANDS_MAX	32
#define CMD_HITS_MAX	64
/* How far a register or identity word may be from the bare handle. */
#define CMD_GLUE_MAX	8

enum cmd_toktype {
	TOK_WORD,
	TOK_CAND,	/* a handle candidate: '@' mention or URL */
	TOK_BREAK,	/* end of a clause: . ! ? ; new line */
	TOK_COMMA,
	TOK_COLON,	/* ':' or '=' */
};

/* What the lexicon knows of a folded word. */
#define LX_EN		0x00000001	/* English */
#define LX_FR		0x00000002	/* French */
#define LX_FILLER	0x00000004	/* greeting, thanks, politeness: asks nothing */
#define LX_GLUE		0x00000008	/* between a register word and the handle */
#define LX_IDGLUE	0x00000010	/* between an identity word and the handle */
#define LX_NET		0x00000020	/* names X */
#define LX_IDMARK	0x00000040	/* says "mine" or "I am" */
#define LX_HNOUN	0x00000080	/* "handle", "pseudo": an X handle by itself */
#define LX_NEG		0x00000100	/* negates what follows */
#define LX_NEGAFTER	0x00000200	/* negates what precedes: FR "pas" */
#define LX_TRANSP	0x00000400	/* not counted looking back for a negation */
#define LX_NOTYPO	0x00000800	/* a real word one letter from a key word */
#define LX_STOPOBJ	0x00001000	/* what a "stop" stops */
#define LX_FORGETOBJ	0x00002000	/* what a "forget" erases */
#define LX_INTRONEG	0x00004000	/* "stop", "cancel": negates an introduction */
#define LX_IDSTART	0x00008000	/* may start an identity statement */
#define LX_LOCATE	0x00010000	/* "on", "sur": on X */
#define LX_MSGOBJ	0x00020000	/* messages: what "stop" is about, not intros */
#define LX_CONJ		0x00040000	/* "and", "et" */
#define LX_KW		0x00080000	/* a word of a command phrase */
#define LX_FUNC		0x00100000	/* article, pronoun...: no content */
#define LX_LANG		(LX_EN | LX_FR)

static const struct cmd_lex {
	const char	*word;
	uint32_t	 flags;
} cmd_lexicon[] = {
	/* greetings, thanks, politeness, reactions */
	{ "hi", LX_EN | LX_FILLER }, { "hello", LX_EN | LX_FILLER },
	{ "hey", LX_EN | LX_FILLER }, { "hiya", LX_EN | LX_FILLER },
	{ "heya", LX_EN | LX_FILLER }, { "howdy", LX_EN | LX_FILLER },
	{ "yo", LX_FILLER }, { "greetings", LX_EN | LX_FILLER },
	{ "thanks", LX_EN | LX_FILLER }, { "thank", LX_EN | LX_FILLER },
	{ "thx", LX_EN | LX_FILLER }, { "thnx", LX_EN | LX_FILLER },
	{ "ty", LX_EN | LX_FILLER }, { "tysm", LX_EN | LX_FILLER },
	{ "cheers", LX_EN | LX_FILLER },
	{ "please", LX_EN | LX_FILLER | LX_GLUE | LX_TRANSP },
	{ "pls", LX_EN | LX_FILLER | LX_GLUE | LX_TRANSP },
	{ "plz", LX_EN | LX_FILLER | LX_GLUE | LX_TRANSP },
	{ "kindly", LX_EN | LX_FILLER | LX_TRANSP },
	{ "you", LX_EN | LX_FILLER }, { "so", LX_EN | LX_FILLER },
	{ "much", LX_EN | LX_FILLER }, { "very", LX_EN | LX_FILLER },
	{ "lot", LX_EN | LX_FILLER }, { "lots", LX_EN | LX_FILLER },
	{ "good", LX_EN | LX_FILLER }, { "morning", LX_EN | LX_FILLER },
	{ "afternoon", LX_EN | LX_FILLER }, { "evening", LX_EN | LX_FILLER },
	{ "night", LX_EN | LX_FILLER }, { "day", LX_EN | LX_FILLER },
	{ "dear", LX_EN | LX_FILLER }, { "bot", LX_FILLER },
	{ "great", LX_EN | LX_FILLER }, { "awesome", LX_EN | LX_FILLER },
	{ "cool", LX_FILLER }, { "nice", LX_EN | LX_FILLER },
	{ "love", LX_EN | LX_FILLER }, { "bye", LX_EN | LX_FILLER },
	{ "lol", LX_FILLER }, { "haha", LX_FILLER }, { "ahah", LX_FILLER },
	{ "mdr", LX_FR | LX_FILLER }, { "wow", LX_FILLER },
	{ "yes", LX_EN | LX_FILLER }, { "yay", LX_EN | LX_FILLER },
	{ "yeah", LX_EN | LX_FILLER }, { "yep", LX_EN | LX_FILLER },
	{ "ok", LX_FILLER }, { "okay", LX_FILLER }, { "k", LX_FILLER },
	{ "done", LX_EN | LX_FILLER }, { "luck", LX_EN | LX_FILLER },
	{ "see", LX_EN | LX_FILLER }, { "soon", LX_EN | LX_FILLER },
	{ "everyone", LX_EN | LX_FILLER }, { "folks", LX_EN | LX_FILLER },
	{ "team", LX_EN | LX_FILLER }, { "bravo", LX_FILLER },
	{ "congrats", LX_EN | LX_FILLER }, { "welcome", LX_EN | LX_FILLER },
	{ "idea", LX_EN | LX_FILLER }, { "again", LX_EN | LX_FILLER },
	{ "bonjour", LX_FR | LX_FILLER }, { "bonsoir", LX_FR | LX_FILLER },
	{ "salut", LX_FR | LX_FILLER }, { "coucou", LX_FR | LX_FILLER },
	{ "merci", LX_FR | LX_FILLER }, { "beaucoup", LX_FR | LX_FILLER },
	{ "mille", LX_FR | LX_FILLER },
	{ "stp", LX_FR | LX_FILLER | LX_GLUE | LX_TRANSP },
	{ "svp", LX_FR | LX_FILLER | LX_GLUE | LX_TRANSP },
	{ "il", LX_FR | LX_FILLER | LX_GLUE },
	{ "te", LX_FR | LX_FILLER | LX_GLUE },
	{ "vous", LX_FR | LX_FILLER | LX_GLUE },
	{ "plait", LX_FR | LX_FILLER | LX_GLUE },
	{ "bonne", LX_FR | LX_FILLER }, { "journee", LX_FR | LX_FILLER },
	{ "soiree", LX_FR | LX_FILLER }, { "nuit", LX_FR | LX_FILLER },
	{ "super", LX_FILLER }, { "genial", LX_FR | LX_FILLER },
	{ "top", LX_FILLER }, { "cordialement", LX_FR | LX_FILLER },
	{ "bisous", LX_FR | LX_FILLER }, { "bises", LX_FR | LX_FILLER },
	{ "amities", LX_FR | LX_FILLER }, { "oui", LX_FR | LX_FILLER },
	{ "ouais", LX_FR | LX_FILLER }, { "accord", LX_FR | LX_FILLER },
	{ "parfait", LX_FR | LX_FILLER }, { "chouette", LX_FR | LX_FILLER },
	{ "bientot", LX_FR | LX_FILLER }, { "tous", LX_FR | LX_FILLER },
	{ "toutes", LX_FR | LX_FILLER }, { "equipe", LX_FR | LX_FILLER },
	{ "belle", LX_FR | LX_FILLER }, { "initiative", LX_FILLER },
	{ "idee", LX_FR | LX_FILLER }, { "voila", LX_FR | LX_FILLER | LX_GLUE },
	{ "a", LX_FILLER }, { "d", LX_FILLER | LX_GLUE },
	{ "s", LX_FILLER | LX_GLUE },
	/* who, what, where: English */
	{ "my", LX_EN | LX_GLUE | LX_IDMARK | LX_IDSTART },
	{ "i", LX_EN | LX_IDGLUE | LX_IDSTART },
	{ "im", LX_EN | LX_IDGLUE | LX_IDMARK | LX_IDSTART },
	{ "am", LX_EN | LX_IDGLUE | LX_IDMARK },
	{ "was", LX_EN | LX_IDGLUE | LX_IDMARK },
	{ "is", LX_EN | LX_GLUE | LX_IDMARK },
	{ "it", LX_EN | LX_GLUE | LX_FILLER | LX_STOPOBJ },
	{ "its", LX_EN | LX_GLUE }, { "the", LX_EN }, { "an", LX_EN },
	{ "to", LX_EN | LX_TRANSP | LX_IDGLUE },
	{ "be", LX_EN | LX_TRANSP | LX_IDGLUE },
	{ "used", LX_EN | LX_IDGLUE }, { "and", LX_EN | LX_CONJ },
	{ "of", LX_EN }, { "for", LX_EN },
	{ "at", LX_EN | LX_IDGLUE | LX_LOCATE | LX_IDSTART },
	{ "on", LX_GLUE | LX_LOCATE | LX_IDSTART },
	{ "in", LX_EN | LX_LOCATE }, { "as", LX_EN | LX_GLUE },
	{ "with", LX_EN | LX_GLUE }, { "using", LX_EN | LX_GLUE },
	{ "handle", LX_EN | LX_GLUE | LX_IDMARK | LX_HNOUN | LX_IDSTART },
	{ "account", LX_EN | LX_GLUE | LX_IDMARK | LX_IDSTART |
	    LX_FORGETOBJ },
	{ "username", LX_EN | LX_GLUE | LX_IDMARK | LX_HNOUN | LX_IDSTART },
	{ "user", LX_EN | LX_GLUE }, { "name", LX_EN | LX_GLUE },
	{ "profile", LX_EN | LX_GLUE | LX_IDMARK | LX_IDSTART |
	    LX_FORGETOBJ },
	{ "id", LX_GLUE }, { "here", LX_EN | LX_GLUE },
	{ "called", LX_EN | LX_IDGLUE | LX_IDMARK },
	{ "known", LX_EN | LX_IDGLUE }, { "formerly", LX_EN | LX_IDGLUE },
	{ "former", LX_EN | LX_IDGLUE }, { "old", LX_EN | LX_IDGLUE },
	{ "still", LX_EN | LX_IDGLUE }, { "also", LX_EN | LX_GLUE },
	{ "too", LX_EN | LX_GLUE }, { "under", LX_EN | LX_GLUE },
	{ "not", LX_EN | LX_NEG }, { "no", LX_EN | LX_NEG },
	{ "never", LX_EN | LX_NEG }, { "don", LX_EN | LX_NEG },
	{ "dont", LX_EN | LX_NEG }, { "doesn", LX_EN | LX_NEG },
	{ "doesnt", LX_EN | LX_NEG }, { "didn", LX_EN | LX_NEG },
	{ "didnt", LX_EN | LX_NEG }, { "cannot", LX_EN | LX_NEG },
	{ "cant", LX_EN | LX_NEG }, { "wont", LX_EN | LX_NEG },
	{ "shouldn", LX_EN | LX_NEG }, { "wouldn", LX_EN | LX_NEG },
	{ "couldn", LX_EN | LX_NEG }, { "isn", LX_EN | LX_NEG },
	{ "aren", LX_EN | LX_NEG }, { "wasn", LX_EN | LX_NEG },
	{ "nope", LX_EN | LX_NEG }, { "without", LX_EN | LX_NEG },
	{ "nor", LX_EN | LX_NEG },
	{ "t", LX_TRANSP }, { "can", LX_EN }, { "won", LX_EN },
	{ "want", LX_EN | LX_TRANSP }, { "wanna", LX_EN | LX_TRANSP },
	{ "like", LX_EN | LX_TRANSP }, { "need", LX_EN | LX_TRANSP },
	{ "really", LX_EN | LX_TRANSP }, { "would", LX_EN | LX_TRANSP },
	{ "ever", LX_EN | LX_TRANSP }, { "being", LX_EN | LX_TRANSP },
	{ "get", LX_EN | LX_TRANSP },
	{ "data", LX_EN | LX_FORGETOBJ },
	{ "everything", LX_EN | LX_STOPOBJ | LX_FORGETOBJ },
	{ "all", LX_FILLER | LX_STOPOBJ | LX_FORGETOBJ },
	{ "information", LX_FORGETOBJ }, { "details", LX_EN | LX_FORGETOBJ },
	{ "records", LX_EN | LX_FORGETOBJ },
	{ "me", LX_GLUE | LX_TRANSP | LX_FORGETOBJ },
	{ "this", LX_EN | LX_STOPOBJ }, { "that", LX_EN | LX_STOPOBJ },
	{ "now", LX_EN | LX_STOPOBJ }, { "sending", LX_EN | LX_STOPOBJ },
	{ "send", LX_EN | LX_STOPOBJ }, { "writing", LX_EN | LX_STOPOBJ },
	{ "contacting", LX_EN | LX_STOPOBJ },
	{ "spam", LX_STOPOBJ | LX_MSGOBJ },
	{ "spamming", LX_EN | LX_STOPOBJ | LX_MSGOBJ },
	{ "messages", LX_STOPOBJ | LX_MSGOBJ },
	{ "message", LX_STOPOBJ | LX_MSGOBJ },
	{ "msgs", LX_STOPOBJ | LX_MSGOBJ }, { "msg", LX_STOPOBJ | LX_MSGOBJ },
	{ "dm", LX_STOPOBJ | LX_MSGOBJ }, { "dms", LX_STOPOBJ | LX_MSGOBJ },
	{ "notifications", LX_STOPOBJ | LX_MSGOBJ },
	{ "notification", LX_STOPOBJ | LX_MSGOBJ },
	{ "notifs", LX_STOPOBJ | LX_MSGOBJ },
	{ "notif", LX_STOPOBJ | LX_MSGOBJ },
	{ "emails", LX_EN | LX_STOPOBJ | LX_MSGOBJ },
	{ "email", LX_EN | LX_STOPOBJ | LX_MSGOBJ },
	{ "posts", LX_EN | LX_STOPOBJ | LX_MSGOBJ },
	{ "reminders", LX_EN | LX_STOPOBJ | LX_MSGOBJ },
	{ "what", LX_EN }, { "how", LX_EN }, { "where", LX_EN },
	{ "who", LX_EN }, { "should", LX_EN }, { "do", LX_EN },
	{ "does", LX_EN }, { "your", LX_EN }, { "we", LX_EN }, { "us", LX_EN },
	{ "from", LX_EN }, { "just", LX_EN }, { "will", LX_EN },
	{ "today", LX_EN }, { "people", LX_EN }, { "list", LX_EN },
	/* French */
	{ "je", LX_FR | LX_IDGLUE | LX_IDSTART },
	{ "j", LX_FR | LX_IDGLUE | LX_IDSTART },
	{ "suis", LX_FR | LX_IDGLUE | LX_IDMARK },
	{ "etais", LX_FR | LX_IDGLUE | LX_IDMARK },
	{ "etait", LX_FR | LX_IDGLUE | LX_IDMARK },
	{ "mon", LX_FR | LX_GLUE | LX_IDMARK | LX_IDSTART },
	{ "ma", LX_FR | LX_GLUE | LX_IDMARK | LX_IDSTART },
	{ "mes", LX_FR | LX_GLUE },
	{ "moi", LX_FR | LX_GLUE | LX_TRANSP | LX_FORGETOBJ },
	{ "m", LX_GLUE | LX_TRANSP | LX_IDMARK },
	{ "est", LX_FR | LX_GLUE | LX_IDMARK },
	{ "c", LX_FR | LX_GLUE | LX_IDSTART },
	{ "compte", LX_FR | LX_GLUE | LX_IDMARK | LX_IDSTART |
	    LX_FORGETOBJ },
	{ "pseudo", LX_FR | LX_GLUE | LX_IDMARK | LX_HNOUN | LX_IDSTART },
	{ "identifiant", LX_FR | LX_GLUE | LX_IDMARK | LX_HNOUN |
	    LX_IDSTART },
	{ "profil", LX_FR | LX_GLUE | LX_IDMARK | LX_IDSTART |
	    LX_FORGETOBJ },
	{ "nom", LX_FR | LX_GLUE }, { "utilisateur", LX_FR | LX_GLUE },
	{ "sur", LX_FR | LX_GLUE | LX_LOCATE | LX_IDSTART },
	{ "chez", LX_FR | LX_LOCATE }, { "sous", LX_FR | LX_GLUE },
	{ "le", LX_FR | LX_GLUE }, { "l", LX_FR | LX_GLUE },
	{ "la", LX_FR }, { "les", LX_FR },
	{ "de", LX_FR | LX_STOPOBJ | LX_IDGLUE },
	{ "du", LX_FR }, { "des", LX_FR }, { "pour", LX_FR },
	{ "avec", LX_FR | LX_GLUE }, { "comme", LX_FR | LX_GLUE },
	{ "en", LX_FR | LX_GLUE }, { "tant", LX_FR | LX_GLUE },
	{ "que", LX_FR | LX_GLUE }, { "qui", LX_FR }, { "et", LX_FR | LX_CONJ },
	{ "ne", LX_FR | LX_NEG }, { "n", LX_FR | LX_NEG },
	{ "pas", LX_FR | LX_NEG | LX_NEGAFTER },
	{ "jamais", LX_FR | LX_NEG | LX_NEGAFTER },
	{ "non", LX_FR | LX_NEG | LX_FILLER }, { "sans", LX_FR | LX_NEG },
	{ "plus", LX_FR }, { "veux", LX_FR | LX_TRANSP },
	{ "voudrais", LX_FR | LX_TRANSP }, { "voulez", LX_FR | LX_TRANSP },
	{ "souhaite", LX_FR | LX_TRANSP }, { "etre", LX_FR | LX_TRANSP },
	{ "peux", LX_FR }, { "pouvez", LX_FR }, { "comment", LX_FR },
	{ "quoi", LX_FR }, { "tu", LX_FR }, { "toi", LX_FR },
	{ "ton", LX_FR }, { "votre", LX_FR },
	{ "donnees", LX_FR | LX_FORGETOBJ },
	{ "tout", LX_FR | LX_STOPOBJ | LX_FORGETOBJ },
	{ "infos", LX_FR | LX_FORGETOBJ }, { "info", LX_FORGETOBJ },
	{ "informations", LX_FR | LX_FORGETOBJ },
	{ "trace", LX_FR | LX_FORGETOBJ }, { "traces", LX_FR | LX_FORGETOBJ },
	{ "rien", LX_FR }, { "ca", LX_FR }, { "faire", LX_FR },
	{ "dois", LX_FR }, { "bien", LX_FR }, { "aussi", LX_FR | LX_GLUE },
	{ "encore", LX_FR | LX_IDGLUE }, { "toujours", LX_FR | LX_IDGLUE },
	{ "ancien", LX_FR | LX_IDGLUE }, { "ancienne", LX_FR | LX_IDGLUE },
	{ "anciennement", LX_FR | LX_IDGLUE },
	{ "appelle", LX_FR | LX_IDGLUE | LX_IDMARK },
	{ "connu", LX_FR | LX_IDGLUE }, { "connue", LX_FR | LX_IDGLUE },
	{ "ecrire", LX_FR | LX_STOPOBJ }, { "envoyer", LX_FR | LX_STOPOBJ },
	{ "contacter", LX_FR | LX_STOPOBJ },
	{ "mp", LX_FR | LX_STOPOBJ | LX_MSGOBJ },
	{ "mps", LX_FR | LX_STOPOBJ | LX_MSGOBJ },
	{ "rappels", LX_FR | LX_STOPOBJ | LX_MSGOBJ },
	{ "maintenant", LX_FR }, { "quand", LX_FR }, { "ou", LX_FR },
	{ "dans", LX_FR }, { "voici", LX_FR | LX_GLUE }, { "ici", LX_FR },
	{ "gens", LX_FR }, { "liste", LX_FR },
	/* X itself */
	{ "x", LX_NET | LX_GLUE | LX_IDSTART },
	{ "twitter", LX_NET | LX_GLUE | LX_IDSTART },
	{ "tweeter", LX_NET | LX_GLUE | LX_IDSTART },
	{ "twiter", LX_NET | LX_GLUE | LX_IDSTART },
	{ "birdsite", LX_NET | LX_GLUE | LX_IDSTART },
	/* negate an introduction: "stop introducing me" */
	{ "stop", LX_INTRONEG }, { "arrete", LX_INTRONEG },
	{ "arretez", LX_INTRONEG }, { "arreter", LX_INTRONEG },
	{ "cancel", LX_EN | LX_INTRONEG }, { "annule", LX_FR | LX_INTRONEG },
	{ "annulez", LX_FR | LX_INTRONEG }, { "annuler", LX_FR | LX_INTRONEG },
	{ "skip", LX_EN | LX_INTRONEG }, { "remove", LX_INTRONEG },
	{ "retire", LX_FR | LX_INTRONEG }, { "retirez", LX_FR | LX_INTRONEG },
	{ "retirer", LX_FR | LX_INTRONEG }, { "enleve", LX_FR | LX_INTRONEG },
	{ "enlevez", LX_FR | LX_INTRONEG }, { "withdraw", LX_EN | LX_INTRONEG },
	{ "opt", LX_EN | LX_INTRONEG }, { "delete", LX_INTRONEG },
	{ "supprime", LX_INTRONEG }, { "supprimez", LX_INTRONEG },
	{ "supprimer", LX_INTRONEG }, { "efface", LX_INTRONEG },
	{ "effacez", LX_INTRONEG },
	/* common words: known, so never read as a bare handle */
	{ "but", LX_EN | LX_CONJ }, { "or", LX_EN | LX_CONJ },
	{ "mais", LX_FR | LX_CONJ }, { "if", LX_EN }, { "si", LX_FR },
	{ "because", LX_EN }, { "car", LX_FR }, { "when", LX_EN },
	{ "tomorrow", LX_EN }, { "yesterday", LX_EN }, { "later", LX_EN },
	{ "there", LX_EN }, { "by", LX_EN }, { "into", LX_EN },
	{ "these", LX_EN }, { "those", LX_EN }, { "our", LX_EN },
	{ "his", LX_EN }, { "her", LX_EN }, { "their", LX_EN },
	{ "some", LX_EN }, { "any", LX_EN }, { "every", LX_EN },
	{ "them", LX_EN }, { "him", LX_EN }, { "myself", LX_EN },
	{ "asap", LX_EN }, { "already", LX_EN }, { "first", LX_EN },
	{ "campaign", LX_EN }, { "movement", LX_EN }, { "one", LX_EN },
	{ "un", LX_FR }, { "une", LX_FR }, { "au", LX_FR }, { "aux", LX_FR },
	{ "ce", LX_FR }, { "cette", LX_FR }, { "ces", LX_FR },
	{ "ta", LX_FR }, { "tes", LX_FR }, { "son", LX_FR }, { "sa", LX_FR },
	{ "ses", LX_FR }, { "notre", LX_FR }, { "nos", LX_FR },
	{ "vos", LX_FR }, { "leur", LX_FR }, { "leurs", LX_FR },
	{ "par", LX_FR }, { "vers", LX_FR }, { "demain", LX_FR },
	{ "aujourd", LX_FR }, { "hui", LX_FR }, { "tard", LX_FR },
	{ "vite", LX_FR }, { "lui", LX_FR }, { "elle", LX_FR },
	{ "nous", LX_FR }, { "eux", LX_FR }, { "deja", LX_FR },
	{ "campagne", LX_FR }, { "mouvement", LX_FR },
	/* function words: a text of only these and fillers asks nothing */
	{ "the", LX_FUNC }, { "a", LX_FUNC }, { "an", LX_FUNC },
	{ "of", LX_FUNC }, { "for", LX_FUNC }, { "to", LX_FUNC },
	{ "in", LX_FUNC }, { "on", LX_FUNC }, { "at", LX_FUNC },
	{ "by", LX_FUNC }, { "with", LX_FUNC }, { "from", LX_FUNC },
	{ "about", LX_FUNC }, { "this", LX_FUNC }, { "that", LX_FUNC },
	{ "these", LX_FUNC }, { "those", LX_FUNC }, { "it", LX_FUNC },
	{ "its", LX_FUNC }, { "is", LX_FUNC }, { "are", LX_FUNC },
	{ "was", LX_FUNC }, { "be", LX_FUNC }, { "am", LX_FUNC },
	{ "i", LX_FUNC }, { "im", LX_FUNC }, { "me", LX_FUNC },
	{ "my", LX_FUNC }, { "you", LX_FUNC }, { "your", LX_FUNC },
	{ "we", LX_FUNC }, { "us", LX_FUNC }, { "our", LX_FUNC },
	{ "what", LX_FUNC }, { "who", LX_FUNC }, { "how", LX_FUNC },
	{ "where", LX_FUNC }, { "when", LX_FUNC }, { "why", LX_FUNC },
	{ "and", LX_FUNC }, { "or", LX_FUNC }, { "but", LX_FUNC },
	{ "so", LX_FUNC }, { "just", LX_FUNC }, { "do", LX_FUNC },
	{ "does", LX_FUNC }, { "can", LX_FUNC }, { "will", LX_FUNC },
	{ "would", LX_FUNC }, { "m", LX_FUNC }, { "s", LX_FUNC },
	{ "t", LX_FUNC }, { "d", LX_FUNC }, { "l", LX_FUNC },
	{ "le", LX_FUNC }, { "la", LX_FUNC }, { "les", LX_FUNC },
	{ "un", LX_FUNC }, { "une", LX_FUNC }, { "de", LX_FUNC },
	{ "du", LX_FUNC }, { "des", LX_FUNC }, { "pour", LX_FUNC },
	{ "par", LX_FUNC }, { "avec", LX_FUNC }, { "sur", LX_FUNC },
	{ "dans", LX_FUNC }, { "ce", LX_FUNC }, { "cette", LX_FUNC },
	{ "ces", LX_FUNC }, { "c", LX_FUNC }, { "est", LX_FUNC },
	{ "je", LX_FUNC }, { "j", LX_FUNC }, { "tu", LX_FUNC },
	{ "te", LX_FUNC }, { "il", LX_FUNC }, { "elle", LX_FUNC },
	{ "nous", LX_FUNC }, { "vous", LX_FUNC }, { "mon", LX_FUNC },
	{ "ma", LX_FUNC }, { "mes", LX_FUNC }, { "ton", LX_FUNC },
	{ "ta", LX_FUNC }, { "qui", LX_FUNC }, { "que", LX_FUNC },
	{ "quoi", LX_FUNC }, { "et", LX_FUNC }, { "ou", LX_FUNC },
	{ "mais", LX_FUNC }, { "en", LX_FUNC }, { "au", LX_FUNC },
	{ "aux", LX_FUNC }, { "y", LX_FUNC }, { "ca", LX_FUNC },
	/* real words one letter from a key word: never typos */
	{ "states", LX_EN | LX_NOTYPO }, { "statue", LX_NOTYPO },
	{ "statues", LX_NOTYPO }, { "forgot", LX_EN | LX_NOTYPO },
	{ "presume", LX_EN | LX_NOTYPO }, { "present", LX_NOTYPO },
	{ "presents", LX_NOTYPO }, { "presence", LX_NOTYPO },
	{ "presented", LX_EN | LX_NOTYPO }, { "resister", LX_NOTYPO },
	{ "unload", LX_EN | LX_NOTYPO }, { "removed", LX_EN | LX_NOTYPO },
	{ "deleted", LX_EN | LX_NOTYPO }, { "erased", LX_EN | LX_NOTYPO },
	{ "remote", LX_EN | LX_NOTYPO }, { "unroll", LX_EN | LX_NOTYPO },
	{ "forge", LX_EN | LX_NOTYPO },
};

/* What a command phrase needs or does. */
#define R_OBJ		0x01	/* an object must follow (or R_PREOBJ) */
#define R_PREOBJ	0x02	/* FR clitic object before: "m'oublier" */
#define R_STRONG	0x04	/* stop: clear by itself */
#define R_PAST		0x08	/* "registered": register with a handle, else status */
#define R_EXACT		0x10	/* no typo tolerance */
#define R_EN		0x20
#define R_FR		0x40

static const struct cmd_rule {
	enum command_kind	 kind;
	const char		*head;	/* folded words, one space apart */
	unsigned		 flags;
} cmd_rules[] = {
	{ CMD_REGISTER, "register", R_EN },
	{ CMD_REGISTER, "registration", R_EN },
	{ CMD_REGISTER, "registering", R_EN },
	{ CMD_REGISTER, "sign up", R_EN },
	{ CMD_REGISTER, "signup", R_EN },
	{ CMD_REGISTER, "sign me up", R_EN },
	{ CMD_REGISTER, "join", R_EN },
	{ CMD_REGISTER, "joining", R_EN },
	{ CMD_REGISTER, "enrol", R_EN },
	{ CMD_REGISTER, "enroll", R_EN },
	{ CMD_REGISTER, "enrolment", R_EN },
	{ CMD_REGISTER, "enrollment", R_EN },
	{ CMD_REGISTER, "count me in", R_EN },
	{ CMD_REGISTER, "add me", R_EN },
	{ CMD_REGISTER, "participate", R_EN },
	{ CMD_REGISTER, "inscription", R_FR },
	{ CMD_REGISTER, "inscris", R_FR },
	{ CMD_REGISTER, "inscrire", R_FR },
	{ CMD_REGISTER, "inscrivez", R_FR },
	{ CMD_REGISTER, "enregistre", R_FR },
	{ CMD_REGISTER, "enregistrez", R_FR },
	{ CMD_REGISTER, "enregistrer", R_FR },
	{ CMD_REGISTER, "enregistrement", R_FR },
	{ CMD_REGISTER, "rejoindre", R_FR },
	{ CMD_REGISTER, "rejoins", R_FR },
	{ CMD_REGISTER, "participer", R_FR },
	{ CMD_REGISTER, "participe", R_FR },
	{ CMD_REGISTER, "participez", R_FR },
	{ CMD_REGISTER, "registered", R_EN | R_PAST },
	{ CMD_REGISTER, "signed up", R_EN | R_PAST },
	{ CMD_REGISTER, "inscrit", R_FR | R_PAST },
	{ CMD_REGISTER, "inscrite", R_FR | R_PAST },

	{ CMD_STATUS, "status", R_EN },
	{ CMD_STATUS, "statut", R_FR },
	{ CMD_STATUS, "etat", R_FR },
	{ CMD_STATUS, "where am i", R_EN },
	{ CMD_STATUS, "where do i stand", R_EN },
	{ CMD_STATUS, "am i in", R_EN },
	{ CMD_STATUS, "did it work", R_EN },
	{ CMD_STATUS, "my registration", R_EN },
	{ CMD_STATUS, "mon inscription", R_FR },
	{ CMD_STATUS, "ou en suis je", R_FR },
	{ CMD_STATUS, "ou j en suis", R_FR },
	{ CMD_STATUS, "ou en est", R_FR },
	{ CMD_STATUS, "ca a marche", R_FR },

	{ CMD_UPLOAD_LINK, "upload", R_EN },
	{ CMD_UPLOAD_LINK, "uploader", 0 },
	{ CMD_UPLOAD_LINK, "link", R_EN },
	{ CMD_UPLOAD_LINK, "links", R_EN },
	{ CMD_UPLOAD_LINK, "url", 0 },
	{ CMD_UPLOAD_LINK, "lien", R_FR },
	{ CMD_UPLOAD_LINK, "liens", R_FR },
	{ CMD_UPLOAD_LINK, "archive", 0 },
	{ CMD_UPLOAD_LINK, "archives", 0 },
	{ CMD_UPLOAD_LINK, "televerser", R_FR },
	{ CMD_UPLOAD_LINK, "televersement", R_FR },

	{ CMD_SUGGESTIONS, "suggestions", 0 },
	{ CMD_SUGGESTIONS, "suggestion", 0 },
	{ CMD_SUGGESTIONS, "suggest", R_EN },
	{ CMD_SUGGESTIONS, "suggerer", R_FR },
	{ CMD_SUGGESTIONS, "who should i follow", R_EN },
	{ CMD_SUGGESTIONS, "who to follow", R_EN },
	{ CMD_SUGGESTIONS, "who can i follow", R_EN },
	{ CMD_SUGGESTIONS, "who do i follow", R_EN },
	{ CMD_SUGGESTIONS, "people to follow", R_EN },
	{ CMD_SUGGESTIONS, "accounts to follow", R_EN },
	{ CMD_SUGGESTIONS, "qui suivre", R_FR },
	{ CMD_SUGGESTIONS, "qui dois je suivre", R_FR },
	{ CMD_SUGGESTIONS, "qui je dois suivre", R_FR },
	{ CMD_SUGGESTIONS, "qui puis je suivre", R_FR },
	{ CMD_SUGGESTIONS, "qui je peux suivre", R_FR },
	{ CMD_SUGGESTIONS, "gens a suivre", R_FR },
	{ CMD_SUGGESTIONS, "comptes a suivre", R_FR },
	{ CMD_SUGGESTIONS, "recommendations", R_EN },
	{ CMD_SUGGESTIONS, "recommendation", R_EN },
	{ CMD_SUGGESTIONS, "recommandations", R_FR },
	{ CMD_SUGGESTIONS, "recommandation", R_FR },
	{ CMD_SUGGESTIONS, "matches", R_EN | R_EXACT },

	{ CMD_INTRO_ON, "introduce", R_EN },
	{ CMD_INTRO_ON, "introduced", R_EN },
	{ CMD_INTRO_ON, "introducing", R_EN },
	{ CMD_INTRO_ON, "introduction", R_EN },
	{ CMD_INTRO_ON, "introductions", R_EN },
	{ CMD_INTRO_ON, "intro", 0 },
	{ CMD_INTRO_ON, "intros", 0 },
	{ CMD_INTRO_ON, "presente", R_FR },
	{ CMD_INTRO_ON, "presentez", R_FR },
	{ CMD_INTRO_ON, "presenter", R_FR },
	{ CMD_INTRO_ON, "presentes", R_FR },
	{ CMD_INTRO_ON, "presentation", R_FR },
	{ CMD_INTRO_ON, "presentations", R_FR },

	{ CMD_STOP_MESSAGES, "stop", 0 },
	{ CMD_STOP_MESSAGES, "arrete", R_FR },
	{ CMD_STOP_MESSAGES, "arretez", R_FR },
	{ CMD_STOP_MESSAGES, "arreter", R_FR },
	{ CMD_STOP_MESSAGES, "pause", 0 },
	{ CMD_STOP_MESSAGES, "unsubscribe", R_EN | R_STRONG },
	{ CMD_STOP_MESSAGES, "opt out", R_EN | R_STRONG },
	{ CMD_STOP_MESSAGES, "no more messages", R_EN | R_STRONG },
	{ CMD_STOP_MESSAGES, "no more dms", R_EN | R_STRONG },
	{ CMD_STOP_MESSAGES, "leave me alone", R_EN | R_STRONG },
	{ CMD_STOP_MESSAGES, "desabonner", R_FR | R_STRONG },
	{ CMD_STOP_MESSAGES, "desabonne", R_FR | R_STRONG },
	{ CMD_STOP_MESSAGES, "desabonnez", R_FR | R_STRONG },
	{ CMD_STOP_MESSAGES, "desabonnement", R_FR | R_STRONG },
	{ CMD_STOP_MESSAGES, "plus de messages", R_FR | R_STRONG },
	{ CMD_STOP_MESSAGES, "plus de message", R_FR | R_STRONG },
	{ CMD_STOP_MESSAGES, "laisse moi tranquille", R_FR | R_STRONG },
	{ CMD_STOP_MESSAGES, "laissez moi tranquille", R_FR | R_STRONG },

	{ CMD_RESUME_MESSAGES, "resume", R_EN },
	{ CMD_RESUME_MESSAGES, "restart", R_EN },
	{ CMD_RESUME_MESSAGES, "unmute", R_EN },
	{ CMD_RESUME_MESSAGES, "resubscribe", R_EN },
	{ CMD_RESUME_MESSAGES, "reactivate", R_EN },
	{ CMD_RESUME_MESSAGES, "start again", R_EN },
	{ CMD_RESUME_MESSAGES, "start messages", R_EN },
	{ CMD_RESUME_MESSAGES, "start sending", R_EN },
	{ CMD_RESUME_MESSAGES, "send again", R_EN },
	{ CMD_RESUME_MESSAGES, "reprendre", R_FR },
	{ CMD_RESUME_MESSAGES, "reprends", R_FR },
	{ CMD_RESUME_MESSAGES, "reprenez", R_FR },
	{ CMD_RESUME_MESSAGES, "reprise", R_FR },
	{ CMD_RESUME_MESSAGES, "recommence", R_FR },
	{ CMD_RESUME_MESSAGES, "recommencez", R_FR },
	{ CMD_RESUME_MESSAGES, "recommencer", R_FR },
	{ CMD_RESUME_MESSAGES, "reactive", R_FR },
	{ CMD_RESUME_MESSAGES, "reactivez", R_FR },
	{ CMD_RESUME_MESSAGES, "reactiver", R_FR },

	{ CMD_FORGET, "forget", R_EN | R_OBJ },
	{ CMD_FORGET, "delete", R_EN | R_OBJ },
	{ CMD_FORGET, "erase", R_EN | R_OBJ },
	{ CMD_FORGET, "remove", R_EN | R_OBJ },
	{ CMD_FORGET, "wipe", R_EN | R_OBJ },
	{ CMD_FORGET, "purge", R_EN | R_OBJ },
	{ CMD_FORGET, "unregister", R_EN },
	{ CMD_FORGET, "deregister", R_EN },
	{ CMD_FORGET, "right to be forgotten", R_EN },
	{ CMD_FORGET, "oublie", R_FR | R_OBJ | R_PREOBJ },
	{ CMD_FORGET, "oubliez", R_FR | R_OBJ | R_PREOBJ },
	{ CMD_FORGET, "oublier", R_FR | R_OBJ | R_PREOBJ },
	{ CMD_FORGET, "oublies", R_FR | R_OBJ | R_PREOBJ },
	{ CMD_FORGET, "supprime", R_FR | R_OBJ | R_PREOBJ },
	{ CMD_FORGET, "supprimez", R_FR | R_OBJ | R_PREOBJ },
	{ CMD_FORGET, "supprimer", R_FR | R_OBJ | R_PREOBJ },
	{ CMD_FORGET, "efface", R_FR | R_OBJ | R_PREOBJ },
	{ CMD_FORGET, "effacez", R_FR | R_OBJ | R_PREOBJ },
	{ CMD_FORGET, "effacer", R_FR | R_OBJ | R_PREOBJ },
	{ CMD_FORGET, "desinscription", R_FR },
	{ CMD_FORGET, "desinscris", R_FR },
	{ CMD_FORGET, "desinscrire", R_FR },
	{ CMD_FORGET, "desinscrivez", R_FR },
	{ CMD_FORGET, "droit a l oubli", R_FR },

	{ CMD_HELP, "help", R_EN },
	{ CMD_HELP, "aide", R_FR },
	{ CMD_HELP, "aidez", R_FR },
	{ CMD_HELP, "aider", R_FR },
	{ CMD_HELP, "commands", R_EN },
	{ CMD_HELP, "commandes", R_FR },
	{ CMD_HELP, "menu", 0 },
	{ CMD_HELP, "faq", 0 },
	{ CMD_HELP, "instructions", 0 },
	{ CMD_HELP, "how does this work", R_EN },
	{ CMD_HELP, "how does it work", R_EN },
	{ CMD_HELP, "how it works", R_EN },
	{ CMD_HELP, "what can you do", R_EN },
	{ CMD_HELP, "what do i do", R_EN },
	{ CMD_HELP, "what should i do", R_EN },
	{ CMD_HELP, "comment ca marche", R_FR },
	{ CMD_HELP, "comment ca fonctionne", R_FR },
	{ CMD_HELP, "que peux tu faire", R_FR },
	{ CMD_HELP, "que dois je faire", R_FR },
	{ CMD_HELP, "que faire", R_FR },
	{ CMD_HELP, "mode d emploi", R_FR },
};

/*
 * Every word the tables know, with its flags (a word of a command phrase
 * has LX_KW), sorted once for a binary search: the lexicon and the
 * phrases are written for people to read, in no order.
 */
static struct cmd_known {
	const char	*word;		/* not NUL-terminated */
	size_t		 len;
	uint32_t	 flags;
} cmd_known[NELEM(cmd_lexicon) + 5 * NELEM(cmd_rules)];
static size_t		cmd_nknown;
static pthread_once_t	cmd_known_once = PTHREAD_ONCE_INIT;

static int
cmd_known_cmp(const void *a, const void *b)
{
	const struct cmd_known	*x = a, *y = b;
	int			 c;

	c = memcmp(x->word, y->word, x->len < y->len ? x->len : y->len);
	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static void
cmd_known_add(const char *word, size_t len, uint32_t flags)
{
	if (cmd_nknown < NELEM(cmd_known)) {
		cmd_known[cmd_nknown].word = word;
		cmd_known[cmd_nknown].len = len;
		cmd_known[cmd_nknown].flags = flags;
		cmd_nknown++;
	}
}

static void
cmd_known_init(void)
{
	const char	*p, *sp;
	size_t		 i, o;

	for (i = 0; i < NELEM(cmd_lexicon); i++)
		cmd_known_add(cmd_lexicon[i].word, strlen(cmd_lexicon[i].word),
		    cmd_lexicon[i].flags);
	for (i = 0; i < NELEM(cmd_rules); i++)
		for (p = cmd_rules[i].head; *p != '\0';
		    p = *sp == ' ' ? sp + 1 : sp) {
			if ((sp = strchr(p, ' ')) == NULL)
				sp = p + strlen(p);
			cmd_known_add(p, (size_t)(sp - p), LX_KW);
		}
	qsort(cmd_known, cmd_nknown, sizeof(cmd_known[0]), cmd_known_cmp);
	/* one entry per word, with all its flags */
	for (i = 0, o = 0; i < cmd_nknown; i++) {
		if (o > 0 && cmd_known_cmp(&cmd_known[o - 1], &cmd_known[i]) ==
		    0)
			cmd_known[o - 1].flags |= cmd_known[i].flags;
		else
			cmd_known[o++] = cmd_known[i];
	}
	cmd_nknown = o;
}

/* The flags of a folded word (0 for a word we do not know). */
static uint32_t
cmd_known_flags(const char *word, size_t len)
{
	struct cmd_known	 key;
	const struct cmd_known	*k;

	pthread_once(&cmd_known_once, cmd_known_init);
	key.word = word;
	key.len = len;
	k = bsearch(&key, cmd_known, cmd_nknown, sizeof(cmd_known[0]),
	    cmd_known_cmp);
	return k != NULL ? k->flags : 0;
}

/* X's own hosts: a URL there names an X account. */
static const char *const cmd_x_hosts[] = {
	"x.com", "twitter.com", "www.x.com", "www.twitter.com",
	"mobile.x.com", "mobile.twitter.com", "m.x.com", "m.twitter.com",
};

/* First path segments of X URLs that are pages, not accounts. */
static const char *const cmd_x_reserved[] = {
	"home", "explore", "search", "i", "settings", "messages",
	"notifications", "intent", "share", "hashtag", "compose", "login",
	"signup", "tos", "privacy", "logout",
};

/* After x.com/jack/, these still show the profile rather than a post. */
static const char *const cmd_x_subpages[] = {
	"with_replies", "media", "likes", "followers", "following",
	"highlights", "articles", "verified_followers",
};

/* HTML tags left in the text: skipped; the first ones break a line. */
static const char *const cmd_tags_break[] = {
	"br", "p", "div", "li", "ul", "ol", "blockquote", "pre", "hr",
	"h1", "h2", "h3", "h4", "h5", "h6",
};
static const char *const cmd_tags_inline[] = {
	"a", "abbr", "b", "code", "del", "em", "i", "img", "s", "small",
	"span", "strong", "sub", "sup", "u",
};

struct cmd_tok {
	uint8_t		 type;		/* enum cmd_toktype */
	uint8_t		 typo_ok;	/* unknown letters-only word: may be a typo */
	uint8_t		 slot_done;	/* already read as a bare handle */
	uint8_t		 inhit;		/* part of a command phrase that counts */
	uint8_t		 hitlang;	/* R_EN/R_FR of that phrase */
	uint16_t	 chunk;		/* words not apart by space or punctuation */
	uint16_t	 cand;		/* TOK_CAND: index in cands */
	uint16_t	 off, len;	/* in the clean text */
	uint32_t	 lex;
	uint8_t		 foldlen;	/* 0 for a word too long to be one we know */
	char		 fold[CMD_WORD_MAX];
};

struct cmd_cand {
	char			 text[32];	/* printable ASCII, cut */
	enum command_refusal	 status;	/* NONE: a valid X handle */
	size_t			 off;		/* where in the clean text */
	int			 from_url, profile;
};

struct cmd_hit {
	enum command_kind	 kind;
	unsigned		 flags;		/* the rule's */
	size_t			 start, end;	/* tokens */
	int			 neg, strong, dead;
};

struct cmd_work {
	const struct command_input *in;
	uint8_t		 a[COMMAND_TEXT_MAX + 1];	/* decoded, before NFKC */
	uint8_t		 nb[CMD_CLEAN_MAX];		/* NFKC's own buffer */
	char		 c[CMD_CLEAN_MAX + 1];		/* the clean text */
	size_t		 clen;
	struct cmd_tok	 tok[CMD_TOKENS_MAX];
	size_t		 ntok;
	uint16_t	 chunk;
	int		 qmark;		/* a '?' somewhere */
	struct cmd_cand	 cand[CMD_CANDS_MAX];
	size_t		 ncand;
	struct cmd_hit	 hit[CMD_HITS_MAX];
	size_t		 nhit;
	int		 identity;	/* "my X handle is ..." seen */
};

static int
cmd_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
cmd_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
cmd_handle_char(ucs4_t c)
{
	return c < 0x80 && (cmd_alnum((int)c) || c == '_');
}

/* ASCII case-insensitive equality of a (n bytes) and b (m bytes). */
static int
cmd_ieq(const char *a, size_t n, const char *b, size_t m)
{
	size_t	i;

	if (n != m)
		return 0;
	for (i = 0; i < n; i++)
		if (cmd_lower((unsigned char)a[i]) !=
		    cmd_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

static int
cmd_iprefix(const char *s, size_t n, const char *prefix)
{
	size_t	m = strlen(prefix);

	return n >= m && cmd_ieq(s, m, prefix, m);
}

static int
cmd_in_list(const char *s, size_t n, const char *const *list, size_t count)
{
	size_t	i;

	for (i = 0; i < count; i++)
		if (cmd_ieq(s, n, list[i], strlen(list[i])))
			return 1;
	return 0;
}

/* Letters, digits, marks and '_': what words and names are made of. */
static int
cmd_is_word(ucs4_t uc)
{
	if (uc < 0x80)
		return cmd_alnum((int)uc) || uc == '_';
	return uc_is_general_category(uc, UC_CATEGORY_L) ||
	    uc_is_general_category(uc, UC_CATEGORY_N) ||
	    uc_is_general_category(uc, UC_CATEGORY_M);
}

/*
 * Copy n bytes of clean text as printable ASCII into dst (size 32): a
 * character that is not becomes '?', CMD_SOFT is dropped, the end is cut.
 */
static void
cmd_ascii(char *dst, size_t size, const char *s, size_t n)
{
	const uint8_t	*u = (const uint8_t *)s;
	size_t		 i = 0, o = 0;
	ucs4_t		 uc;
	int		 k;

	while (i < n && o + 1 < size) {
		k = u8_mbtouc(&uc, u + i, n - i);
		if (k < 1)
			k = 1;
		if (uc != CMD_SOFT)
			dst[o++] = uc > 0x20 && uc < 0x7f ? (char)uc : '?';
		i += (size_t)k;
	}
	dst[o] = '\0';
}

/*
 * Pass 1a: an HTML character reference at s ("&amp;", "&#233;",
 * "&#x27;"): its length, with its code point in *uc; 0 if there is none.
 */
static size_t
cmd_entity(const uint8_t *s, size_t n, ucs4_t *uc)
{
	static const struct {
		const char	*name;
		ucs4_t		 uc;
	} names[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
		{ "apos", '\'' }, { "nbsp", 0xa0 }, { "rsquo", 0x2019 },
		{ "lsquo", 0x2018 }, { "laquo", 0xab }, { "raquo", 0xbb },
		{ "hellip", 0x2026 }, { "zwj", 0x200d }, { "zwnj", 0x200c },
		{ "lrm", 0x200e }, { "rlm", 0x200f },
	};
	size_t		 e, i, base = 10;
	unsigned long	 v = 0;

	for (e = 1; e < n && e < 12 && s[e] != ';'; e++)
		if (!cmd_alnum(s[e]) && !(e == 1 && s[e] == '#'))
			return 0;
	if (e >= n || s[e] != ';' || e == 1)
		return 0;
	if (s[1] != '#') {
		for (i = 0; i < NELEM(names); i++)
			if (cmd_ieq((const char *)s + 1, e - 1, names[i].name,
			    strlen(names[i].name))) {
				*uc = names[i].uc;
				return e + 1;
			}
		*uc = ' ';
		return e + 1;
	}
	i = 2;
	if (i < e && (s[i] == 'x' || s[i] == 'X')) {
		base = 16;
		i++;
	}
	if (i == e)
		return 0;
	for (; i < e; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			v = v * base + (unsigned long)(s[i] - '0');
		else if (base == 16 && cmd_lower(s[i]) >= 'a' &&
		    cmd_lower(s[i]) <= 'f')
			v = v * 16 + (unsigned long)(cmd_lower(s[i]) - 'a' + 10);
		else
			return 0;
		if (v > 0x10ffff)
			v = 0x110000;
	}
	*uc = v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) || v == 0 ?
	    ' ' : (ucs4_t)v;
	return e + 1;
}

/*
 * Pass 1a: the text as valid UTF-8 in w->a, never longer than the input:
 * invalid bytes and controls become spaces, references are decoded,
 * invisible characters become CMD_SOFT.
 */
static size_t
cmd_decode(struct cmd_work *w, const uint8_t *s, size_t n)
{
	size_t	 i = 0, o = 0, e;
	ucs4_t	 uc;
	int	 k;

	while (i < n) {
		if (s[i] == '&' && (e = cmd_entity(s + i, n - i, &uc)) > 0)
			i += e;
		else {
			k = u8_mbtoucr(&uc, s + i, n - i);
			if (k < 1) {
				w->a[o++] = ' ';
				i++;
				continue;
			}
			i += (size_t)k;
		}
		if (uc == '\n' || uc == '\r' || uc == 0x85 || uc == 0x2028 ||
		    uc == 0x2029)
			w->a[o++] = '\n';
		else if (uc < 0x20 || (uc >= 0x7f && uc < 0xa0))
			w->a[o++] = ' ';
		else if (uc_is_property_default_ignorable_code_point(uc))
			w->a[o++] = CMD_SOFT;
		else {
			/* a reference is never shorter than what it means */
			k = u8_uctomb(w->a + o, uc,
			    (ptrdiff_t)(sizeof(w->a) - o));
			if (k < 1)
				w->a[o++] = ' ';
			else
				o += (size_t)k;
		}
	}
	return o;
}

/* Pass 1c: ASCII for punctuation and spaces that have look-alikes. */
static int
cmd_map(ucs4_t uc)
{
	switch (uc) {
	case 0x2018: case 0x2019: case 0x201a: case 0x201b: case 0x2032:
	case 0x2035: case 0x02b9: case 0x02bb: case 0x02bc: case 0x00b4:
	case 0xff07:
		return '\'';
	case 0x201c: case 0x201d: case 0x201e: case 0x201f: case 0x00ab:
	case 0x00bb: case 0x2033: case 0x2036: case 0x2039: case 0x203a:
		return '"';
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014:
	case 0x2015: case 0x2212: case 0xfe58: case 0xfe63:
		return '-';
	}
	if (uc >= 0x80 && (uc_is_property_white_space(uc) ||
	    uc_is_general_category(uc, UC_CATEGORY_Zs)))
		return ' ';
	if (uc >= 0x80 && uc_is_property_default_ignorable_code_point(uc))
		return CMD_SOFT;
	return 0;
}

/* Pass 1: in->text to the clean text w->c. */
static void
cmd_clean(struct cmd_work *w, const char *text, size_t len)
{
	const uint8_t	*s = (const uint8_t *)text;
	uint8_t		*r;
	size_t		 alen, nlen, i = 0, o = 0;
	ucs4_t		 uc;
	int		 k, m;

	if (len > COMMAND_TEXT_MAX) {
		/* cut before the lead byte of a character the limit splits */
		len = COMMAND_TEXT_MAX;
		while (len > COMMAND_TEXT_MAX - 3 && (s[len] & 0xc0) == 0x80)
			len--;
	}
	alen = cmd_decode(w, s, len);
	r = w->a;
	nlen = alen;
	if (alen > 0) {
		nlen = sizeof(w->nb);
		r = u8_normalize(UNINORM_NFKC, w->a, alen, w->nb, &nlen);
		if (r == NULL) {
			/* out of memory: read it as it is */
			r = w->a;
			nlen = alen;
		}
	}
	while (i < nlen && o + 4 < CMD_CLEAN_MAX) {
		k = u8_mbtouc(&uc, r + i, nlen - i);
		if (k < 1)
			k = 1;
		if ((m = cmd_map(uc)) != 0)
			w->c[o++] = (char)m;
		else {
			memcpy(w->c + o, r + i, (size_t)k);
			o += (size_t)k;
		}
		i += (size_t)k;
	}
	if (r != w->a && r != w->nb)
		free(r);
	w->clen = o;
	w->c[o] = '\0';
}

/* The code point at p in the clean text (U+0000 past its end). */
static size_t
cmd_at_uc(const struct cmd_work *w, size_t p, ucs4_t *uc)
{
	int	k;

	if (p >= w->clen) {
		*uc = 0;
		return 0;
	}
	k = u8_mbtouc(uc, (const uint8_t *)w->c + p, w->clen - p);
	return k < 1 ? 1 : (size_t)k;
}

/* The next code point from p that is not CMD_SOFT. */
static ucs4_t
cmd_next_uc(const struct cmd_work *w, size_t p)
{
	ucs4_t	uc;

	while (p < w->clen && w->c[p] == CMD_SOFT)
		p++;
	cmd_at_uc(w, p, &uc);
	return uc;
}

static struct cmd_tok *
cmd_tok_add(struct cmd_work *w, enum cmd_toktype type, size_t off,
    size_t len, int newchunk)
{
	struct cmd_tok	*t;

	if (w->ntok >= CMD_TOKENS_MAX)
		return NULL;
	if (type == TOK_BREAK && (w->ntok == 0 ||
	    w->tok[w->ntok - 1].type == TOK_BREAK))
		return NULL;
	t = &w->tok[w->ntok++];
	memset(t, 0, sizeof(*t));
	t->type = (uint8_t)type;
	if (newchunk && w->chunk < UINT16_MAX)
		w->chunk++;
	t->chunk = w->chunk;
	t->off = (uint16_t)off;
	t->len = (uint16_t)len;
	return t;
}

static void
cmd_cand_add(struct cmd_work *w, size_t off, const char *text, size_t n,
    enum command_refusal status, int from_url, int profile)
{
	struct cmd_cand	*c;
	struct cmd_tok	*t;

	if (w->ncand >= CMD_CANDS_MAX)
		return;
	c = &w->cand[w->ncand];
	cmd_ascii(c->text, sizeof(c->text), text, n);
	if (c->text[0] == '\0')
		/* only invisible characters: nothing to name */
		return;
	c->status = status;
	c->off = off;
	c->from_url = from_url;
	c->profile = profile;
	if ((t = cmd_tok_add(w, TOK_CAND, off, 0, 1)) != NULL) {
		t->cand = (uint16_t)w->ncand;
		w->ncand++;
	}
}

/* What an X handle written s (n bytes, may hold CMD_SOFT) would be. */
static enum command_refusal
cmd_x_status(const char *s, size_t n)
{
	const uint8_t	*u = (const uint8_t *)s;
	size_t		 i = 0, count = 0;
	ucs4_t		 uc;
	int		 k, bad = 0;

	while (i < n) {
		k = u8_mbtouc(&uc, u + i, n - i);
		if (k < 1)
			k = 1;
		i += (size_t)k;
		if (uc == CMD_SOFT)
			continue;
		count++;
		if (!cmd_handle_char(uc))
			bad = 1;
	}
	if (bad || count == 0)
		return REFUSE_BAD_CHARS;
	return count > 15 ? REFUSE_TOO_LONG : REFUSE_NONE;
}

/* Copy s (n bytes) without CMD_SOFT into buf; returns the length, or
 * size when it did not fit. */
static size_t
cmd_unsoft(char *buf, size_t size, const char *s, size_t n)
{
	size_t	i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == CMD_SOFT)
			continue;
		if (o + 1 >= size)
			return size;
		buf[o++] = s[i];
	}
	buf[o] = '\0';
	return o;
}

/*
 * One of the post's real mentions written name[@host] (host may be NULL):
 * its index in in->mentions, or -1.  Mastodon shows a remote account
 * "user@host" as "@user", so a name alone matches the username part.
 */
static long
cmd_mention(const struct cmd_work *w, const char *name, size_t nl,
    const char *host, size_t hl)
{
	const char	*m, *at;
	size_t		 i, ml;

	if (w->in->mentions == NULL)
		return -1;
	for (i = 0; i < w->in->nmentions; i++) {
		if ((m = w->in->mentions[i]) == NULL)
			continue;
		if (*m == '@')
			m++;
		ml = strlen(m);
		at = memchr(m, '@', ml);
		if (!cmd_ieq(name, nl, m, at != NULL ? (size_t)(at - m) : ml))
			continue;
		if (host == NULL)
			return (long)i;
		if (at != NULL && cmd_ieq(host, hl, at + 1,
		    ml - (size_t)(at - m) - 1))
			return (long)i;
	}
	return -1;
}

/* 1 if name (nl bytes) is the bot's own handle. */
static int
cmd_is_bot(const struct cmd_work *w, const char *name, size_t nl)
{
	const char	*b = w->in->bot_handle, *at;
	size_t		 bl;

	if (b == NULL)
		return 0;
	if (*b == '@')
		b++;
	bl = strlen(b);
	if ((at = memchr(b, '@', bl)) != NULL)
		bl = (size_t)(at - b);
	return bl > 0 && cmd_ieq(name, nl, b, bl);
}

static int
cmd_bsky_suffix(const char *s, size_t n)
{
	static const char	suffix[] = ".bsky.social";
	size_t			m = sizeof(suffix) - 1;

	return n > m && cmd_ieq(s + n - m, m, suffix, m);
}

/*
 * A handle-like token (an '@' name, or a bare word) written s (n bytes,
 * no CMD_SOFT), host (hl bytes) after a second '@' or NULL: added as a
 * candidate unless it is the bot.
 */
static void
cmd_name_cand(struct cmd_work *w, size_t off, const char *s, size_t n,
    const char *host, size_t hl)
{
	char	 both[2 * CMD_NAME_MAX + 2];
	long	 m;

	if (cmd_is_bot(w, s, n))
		return;
	if ((m = cmd_mention(w, s, n, host, hl)) >= 0) {
		const char *acct = w->in->mentions[m];

		if (*acct == '@')
			acct++;
		cmd_cand_add(w, off, acct, strlen(acct), REFUSE_FEDIVERSE, 0,
		    0);
		return;
	}
	if (host != NULL && cmd_in_list(host, hl, cmd_x_hosts, 2)) {
		/* @jack@x.com: an X handle written the fediverse way */
		cmd_cand_add(w, off, s, n, cmd_x_status(s, n), 0, 0);
		return;
	}
	if (host != NULL) {
		/* fediverse syntax the server did not resolve */
		memcpy(both, s, n);
		both[n] = '@';
		memcpy(both + n + 1, host, hl);
		cmd_cand_add(w, off, both, n + 1 + hl, REFUSE_FEDIVERSE, 0, 0);
		return;
	}
	if (cmd_bsky_suffix(s, n)) {
		cmd_cand_add(w, off, s, n, REFUSE_FEDIVERSE, 0, 0);
		return;
	}
	cmd_cand_add(w, off, s, n, cmd_x_status(s, n), 0, 0);
}

/*
 * Pass 2: an '@' mention at p: @name, @name@host, @name.bsky.social.
 * Returns where it ends, or p if there is none.
 */
static size_t
cmd_scan_at(struct cmd_work *w, size_t p)
{
	char	 name[CMD_NAME_MAX], host[CMD_NAME_MAX];
	size_t	 q = p + 1, nl = 0, hl = 0, k;
	ucs4_t	 uc;
	int	 full = 0;

	for (;;) {
		if ((k = cmd_at_uc(w, q, &uc)) == 0)
			break;
		if (uc == CMD_SOFT) {
			q += k;
			continue;
		}
		if (!cmd_is_word(uc) && !((uc == '.' || uc == '-') && nl > 0 &&
		    cmd_is_word(cmd_next_uc(w, q + 1))))
			break;
		if (nl + k < sizeof(name))
			memcpy(name + nl, w->c + q, k);
		else
			full = 1;
		nl += k;
		q += k;
	}
	if (nl == 0)
		return p;
	if (full) {
		/* longer than any account: a refused X handle */
		cmd_cand_add(w, p + 1, w->c + p + 1, q - p - 1,
		    cmd_x_status(w->c + p + 1, q - p - 1), 0, 0);
		return q;
	}
	if (q + 1 < w->clen && w->c[q] == '@' && cmd_alnum(w->c[q + 1])) {
		k = q + 1;
		while (k < w->clen && (cmd_alnum(w->c[k]) || ((w->c[k] == '.' ||
		    w->c[k] == '-') && k + 1 < w->clen &&
		    cmd_alnum(w->c[k + 1])))) {
			if (hl + 1 < sizeof(host))
				host[hl++] = w->c[k];
			k++;
		}
		q = k;
		cmd_name_cand(w, p + 1, name, nl, host, hl);
		return q;
	}
	cmd_name_cand(w, p + 1, name, nl, NULL, 0);
	return q;
}

/* Where a URL starting at p ends: at a space or what cannot be in one. */
static size_t
cmd_url_end(const struct cmd_work *w, size_t p)
{
	unsigned char	c;

	for (; p < w->clen; p++) {
		c = (unsigned char)w->c[p];
		if (c == ' ' || c == '\n' || c == '"' || c == '<' || c == '>' ||
		    c == ',' || c == ';' || c == ')' || c == ']' || c == '}' ||
		    c >= 0x80)
			break;
	}
	return p;
}

/* x.com/<path>: the account it names, if any, as a candidate. */
static void
cmd_x_path(struct cmd_work *w, size_t q, size_t end)
{
	static const char	 sn[] = "screen_name=";
	char			 seg[CMD_WORD_MAX];
	size_t			 s, e, rest, n, v;
	int			 profile;

	if (q + 3 <= end && memcmp(w->c + q, "#!/", 3) == 0)
		q += 3;
	if (q < end && w->c[q] == '@')
		q++;
	for (s = q; q < end && w->c[q] != '/' && w->c[q] != '?' &&
	    w->c[q] != '#'; q++)
		;
	rest = q;
	/* prose after the link: "x.com/jack." "(x.com/jack!)" */
	for (e = q; e > s && (w->c[e - 1] == '.' || w->c[e - 1] == ':' ||
	    w->c[e - 1] == '!' || w->c[e - 1] == '\'' ||
	    w->c[e - 1] == '*' || w->c[e - 1] == '-' || w->c[e - 1] == '~' ||
	    w->c[e - 1] == CMD_SOFT); e--)
		;
	if (e == s)
		return;
	n = cmd_unsoft(seg, sizeof(seg), w->c + s, e - s);
	if (n < sizeof(seg) && cmd_in_list(seg, n, cmd_x_reserved,
	    NELEM(cmd_x_reserved))) {
		/* twitter.com/intent/user?screen_name=jack */
		if (!cmd_ieq(seg, n, "intent", 6))
			return;
		for (v = rest; v + sizeof(sn) - 1 < end; v++)
			if (cmd_iprefix(w->c + v, end - v, sn))
				break;
		if (v + sizeof(sn) - 1 >= end)
			return;
		v += sizeof(sn) - 1;
		for (q = v; q < end && w->c[q] != '&' && w->c[q] != '#'; q++)
			;
		if (q > v)
			cmd_cand_add(w, v, w->c + v, q - v,
			    cmd_x_status(w->c + v, q - v), 1, 1);
		return;
	}
	profile = rest == end || w->c[rest] == '?' || w->c[rest] == '#';
	if (!profile && w->c[rest] == '/') {
		for (q = rest + 1; q < end && w->c[q] != '/' &&
		    w->c[q] != '?' && w->c[q] != '#'; q++)
			;
		profile = q == rest + 1 || cmd_in_list(w->c + rest + 1,
		    q - rest - 1, cmd_x_subpages, NELEM(cmd_x_subpages));
	}
	cmd_cand_add(w, s, w->c + s, e - s, cmd_x_status(w->c + s, e - s), 1,
	    profile);
}

/*
 * Pass 2: a URL at p (with a scheme, or host.tld/...): skipped as a
 * whole, and an X one gives a candidate.  Returns where it ends, or p.
 */
static size_t
cmd_scan_url(struct cmd_work *w, size_t p)
{
	size_t	 q = p, h, hl, end, dots = 0;
	int	 scheme = 0;

	if (cmd_iprefix(w->c + q, w->clen - q, "https://")) {
		q += 8;
		scheme = 1;
	} else if (cmd_iprefix(w->c + q, w->clen - q, "http://")) {
		q += 7;
		scheme = 1;
	}
	for (h = q; q < w->clen && (cmd_alnum(w->c[q]) || w->c[q] == '-' ||
	    w->c[q] == '.'); q++)
		dots += w->c[q] == '.';
	hl = q - h;
	if (scheme ? hl == 0 : dots == 0 || q >= w->clen || w->c[q] != '/')
		return p;
	end = cmd_url_end(w, q);
	if (q < end && w->c[q] == '/' && cmd_in_list(w->c + h, hl,
	    cmd_x_hosts, NELEM(cmd_x_hosts)))
		cmd_x_path(w, q + 1, end);
	return end > p ? end : p;
}

/* Pass 2: an HTML tag at p ("<br>", "</p>", "<span class=...>"). */
static size_t
cmd_scan_tag(const struct cmd_work *w, size_t p, int *brk)
{
	size_t	q = p + 1, name, lim;

	if (q < w->clen && w->c[q] == '/')
		q++;
	for (name = q; q < w->clen && q - name < 12 && cmd_alnum(w->c[q]); q++)
		;
	if (q == name || q >= w->clen)
		return p;
	*brk = cmd_in_list(w->c + name, q - name, cmd_tags_break,
	    NELEM(cmd_tags_break));
	if (!*brk && !cmd_in_list(w->c + name, q - name, cmd_tags_inline,
	    NELEM(cmd_tags_inline)))
		return p;
	if (w->c[q] == '>')
		return q + 1;
	if (w->c[q] != ' ' && w->c[q] != '/')
		return p;
	for (lim = q + 256; q < w->clen && q < lim && w->c[q] != '<'; q++)
		if (w->c[q] == '>')
			return q + 1;
	return p;
}

/* The folded form of a word token: see pass 2 above. */
static void
cmd_fold(struct cmd_work *w, struct cmd_tok *t)
{
	uint8_t		 raw[4 * CMD_WORD_MAX], cfbuf[4 * CMD_WORD_MAX];
	uint8_t		*cf;
	size_t		 rl, cl = sizeof(cfbuf), i, o = 0;
	ucs4_t		 uc;
	int		 k, ascii = 1, alpha = 1;

	t->foldlen = 0;
	t->fold[0] = '\0';
	rl = cmd_unsoft((char *)raw, sizeof(raw), w->c + t->off, t->len);
	if (rl >= sizeof(raw))
		return;
	for (i = 0; i < rl; i++)
		if (raw[i] >= 0x80)
			ascii = 0;
	if (ascii) {
		if (rl >= CMD_WORD_MAX)
			return;
		for (i = 0; i < rl; i++)
			t->fold[i] = (char)cmd_lower(raw[i]);
		o = rl;
	} else {
		cf = u8_casefold(raw, rl, NULL, UNINORM_NFD, cfbuf, &cl);
		if (cf == NULL)
			return;
		for (i = 0; i < cl; i += (size_t)k) {
			k = u8_mbtouc(&uc, cf + i, cl - i);
			if (k < 1)
				k = 1;
			if (uc_is_general_category(uc, UC_CATEGORY_M))
				continue;
			if (o + 5 >= CMD_WORD_MAX) {
				o = 0;
				break;
			}
			if (uc == 0x153 || uc == 0xe6) {
				/* œ, æ: ligatures casefold keeps */
				t->fold[o++] = uc == 0x153 ? 'o' : 'a';
				t->fold[o++] = 'e';
				continue;
			}
			memcpy(t->fold + o, cf + i, (size_t)k);
			o += (size_t)k;
		}
		if (cf != cfbuf)
			free(cf);
		if (o == 0)
			return;
	}
	t->fold[o] = '\0';
	t->foldlen = (uint8_t)o;
	for (i = 0; i < o; i++)
		if (t->fold[i] < 'a' || t->fold[i] > 'z')
			alpha = 0;
	t->lex = cmd_known_flags(t->fold, o);
	t->typo_ok = alpha && o >= 5 && t->lex == 0;
}

/* Pass 2: the clean text to tokens, and candidates as they are met. */
static void
cmd_tokenize(struct cmd_work *w)
{
	struct cmd_tok	*t;
	size_t		 p = 0, k, e;
	ucs4_t		 uc;
	int		 bnd = 1, newchunk = 1, prevw = 0, brk;

	while (p < w->clen && w->ntok < CMD_TOKENS_MAX) {
		k = cmd_at_uc(w, p, &uc);
		if (uc == CMD_SOFT) {
			/* an invisible space: "register\u200B@jack" */
			bnd = 1;
			p += k;
			continue;
		}
		e = p;
		brk = 0;
		if (uc == '<')
			/* "register<br>@jack": markup is no word's part */
			e = cmd_scan_tag(w, p, &brk);
		else if (bnd) {
			if (uc == '@')
				e = cmd_scan_at(w, p);
			else if (uc < 0x80 && cmd_alnum((int)uc))
				e = cmd_scan_url(w, p);
			else if (uc == '#' && cmd_is_word(cmd_next_uc(w, p + 1))) {
				/* a hashtag is no word of the message */
				for (e = p + 1; e < w->clen; e += k) {
					k = cmd_at_uc(w, e, &uc);
					if (uc != CMD_SOFT && !cmd_is_word(uc))
						break;
				}
			}
		}
		if (e > p) {
			if (brk)
				cmd_tok_add(w, TOK_BREAK, p, 0, 1);
			/* after a tag as after a space */
			bnd = w->c[p] == '<';
			p = e;
			newchunk = 1;
			prevw = 0;
			continue;
		}
		if (cmd_is_word(uc)) {
			for (e = p; e < w->clen; e += k) {
				k = cmd_at_uc(w, e, &uc);
				if (!cmd_is_word(uc) && !(uc == CMD_SOFT &&
				    cmd_is_word(cmd_next_uc(w, e))))
					break;
			}
			if ((t = cmd_tok_add(w, TOK_WORD, p, e - p, newchunk)) !=
			    NULL)
				cmd_fold(w, t);
			p = e;
			newchunk = bnd = 0;
			prevw = 1;
			continue;
		}
		switch (uc) {
		case ' ':
			newchunk = bnd = 1;
			break;
		case '\n':
		case '!':
		case ';':
		case '?':
			if (uc == '?')
				w->qmark = 1;
			cmd_tok_add(w, TOK_BREAK, p, 1, 1);
			newchunk = bnd = 1;
			break;
		case '.':
			if (prevw && cmd_is_word(cmd_next_uc(w, p + 1))) {
				/* jack.smith, x.com */
				bnd = 0;
				break;
			}
			cmd_tok_add(w, TOK_BREAK, p, 1, 1);
			newchunk = bnd = 1;
			break;
		case '\'':
		case '-':
		case '@':
			if (prevw && cmd_is_word(cmd_next_uc(w, p + 1))) {
				/* don't, sign-up, jack@host: one chunk */
				bnd = 0;
				break;
			}
			newchunk = 1;
			bnd = uc != '@';
			break;
		case ',':
			cmd_tok_add(w, TOK_COMMA, p, 1, 1);
			newchunk = bnd = 1;
			break;
		case ':':
		case '=':
			cmd_tok_add(w, TOK_COLON, p, 1, 1);
			newchunk = bnd = 1;
			break;
		case '/':
			newchunk = 1;
			bnd = 0;
			break;
		default:
			/* brackets, quotes, emoji, symbols */
			newchunk = bnd = 1;
			break;
		}
		prevw = 0;
		p += k;
	}
}

/* 1 if a (n bytes) and b (m bytes) are at most one edit apart, a swap
 * of two neighbours counting as one. */
static int
cmd_typo1(const char *a, size_t n, const char *b, size_t m)
{
	size_t	i;

	if (n > m + 1 || m > n + 1)
		return 0;
	for (i = 0; i < n && i < m && a[i] == b[i]; i++)
		;
	if (n == m) {
		if (i == n)
			return 1;
		if (memcmp(a + i + 1, b + i + 1, n - i - 1) == 0)
			return 1;
		return i + 1 < n && a[i] == b[i + 1] && a[i + 1] == b[i] &&
		    memcmp(a + i + 2, b + i + 2, n - i - 2) == 0;
	}
	if (n > m)
		return memcmp(a + i + 1, b + i, n - i - 1) == 0;
	return memcmp(a + i, b + i + 1, m - i - 1) == 0;
}

static int
cmd_word_eq(const struct cmd_tok *t, const char *kw, size_t n, int exact)
{
	if (t->type != TOK_WORD || t->foldlen == 0)
		return 0;
	if (t->foldlen == n && memcmp(t->fold, kw, n) == 0)
		return 1;
	return !exact && t->typo_ok && n >= 6 &&
	    cmd_typo1(t->fold, t->foldlen, kw, n);
}

static int
cmd_is(const struct cmd_tok *t, const char *word)
{
	return t->type == TOK_WORD && strcmp(t->fold, word) == 0;
}

/* How many tokens from i the phrase covers, or 0. */
static size_t
cmd_match(const struct cmd_work *w, size_t i, const struct cmd_rule *r)
{
	const char	*p = r->head, *sp;
	size_t		 k = i;

	while (*p != '\0') {
		if ((sp = strchr(p, ' ')) == NULL)
			sp = p + strlen(p);
		if (k >= w->ntok || !cmd_word_eq(&w->tok[k], p,
		    (size_t)(sp - p), r->flags & R_EXACT))
			return 0;
		k++;
		p = *sp == ' ' ? sp + 1 : sp;
	}
	return k - i;
}

/* 1 if a word with any of flags is among the n words from i. */
static int
cmd_ahead(const struct cmd_work *w, size_t i, size_t n, uint32_t flags)
{
	size_t	k;

	for (k = i; k < w->ntok && k < i + n; k++) {
		if (w->tok[k].type != TOK_WORD)
			return 0;
		if (w->tok[k].lex & flags)
			return 1;
	}
	return 0;
}

/*
 * A negation before the words [start, end) (at most one word between,
 * not counting LX_TRANSP ones: "don't want to be introduced", but not
 * "no idea how to register"), or a French "pas"/"jamais" just after them
 * ("ne me présente pas").  The clause, a conjunction or another command
 * phrase ends the search.  An introduction is also negated by "stop",
 * "cancel"...
 */
static int
cmd_negated(const struct cmd_work *w, size_t start, size_t end, int intro)
{
	const struct cmd_tok	*t;
	size_t			 k, counted = 0;

	for (k = start; k > 0 && counted < 2; k--) {
		t = &w->tok[k - 1];
		if (t->type != TOK_WORD || (t->lex & LX_CONJ))
			break;
		if ((t->lex & LX_NEG) || (intro && (t->lex & LX_INTRONEG)))
			return 1;
		/* a negation before another command is that one's */
		if (t->inhit || (intro && (t->lex & LX_MSGOBJ)))
			break;
		/* can't, won't */
		if (cmd_is(t, "t") && k >= 2 && (cmd_is(&w->tok[k - 2], "can") ||
		    cmd_is(&w->tok[k - 2], "won")))
			return 1;
		if (!(t->lex & LX_TRANSP))
			counted++;
	}
	for (k = end; k < w->ntok && k < end + 2; k++) {
		t = &w->tok[k];
		if (t->type != TOK_WORD)
			break;
		if (t->lex & LX_NEGAFTER)
			return 1;
	}
	return 0;
}

/* Pass 3: every command phrase in the text. */
static void
cmd_find_hits(struct cmd_work *w)
{
	const struct cmd_rule	*r;
	struct cmd_hit		*h;
	size_t			 i, j, n;

	for (i = 0; i < w->ntok; i++) {
		if (w->tok[i].type != TOK_WORD)
			continue;
		for (j = 0; j < NELEM(cmd_rules); j++) {
			r = &cmd_rules[j];
			/* only a typo may change a phrase's first letter */
			if (r->head[0] != w->tok[i].fold[0] && !w->tok[i].typo_ok)
				continue;
			if ((n = cmd_match(w, i, r)) == 0)
				continue;
			if ((r->flags & R_OBJ) && !cmd_ahead(w, i + n, 3,
			    LX_FORGETOBJ) && !((r->flags & R_PREOBJ) && i > 0 &&
			    (cmd_is(&w->tok[i - 1], "m") ||
			    cmd_is(&w->tok[i - 1], "me"))))
				continue;
			/* "stop X", "#StopTwitter" is a slogan, not a command */
			if (r->kind == CMD_STOP_MESSAGES && i + n < w->ntok &&
			    (w->tok[i + n].lex & LX_NET))
				continue;
			if (w->nhit >= CMD_HITS_MAX)
				return;
			h = &w->hit[w->nhit++];
			memset(h, 0, sizeof(*h));
			h->kind = r->kind;
			h->flags = r->flags;
			h->start = i;
			h->end = i + n;
			if (r->kind == CMD_STOP_MESSAGES)
				h->strong = (r->flags & R_STRONG) ||
				    cmd_ahead(w, i + n, 3, LX_STOPOBJ) ||
				    (i + n < w->ntok &&
				    w->tok[i + n].type == TOK_WORD &&
				    w->tok[i + n].foldlen > 4 &&
				    memcmp(w->tok[i + n].fold +
				    w->tok[i + n].foldlen - 3, "ing", 3) == 0);
		}
	}
}

/* Mark the words of the phrases that count. */
static void
cmd_mark_hits(struct cmd_work *w)
{
	const struct cmd_hit	*a;
	size_t			 i, k;

	for (i = 0; i < w->ntok; i++)
		w->tok[i].inhit = w->tok[i].hitlang = 0;
	for (i = 0; i < w->nhit; i++) {
		a = &w->hit[i];
		if (a->dead)
			continue;
		for (k = a->start; k < a->end; k++) {
			w->tok[k].inhit = 1;
			w->tok[k].hitlang = (uint8_t)(a->flags & (R_EN | R_FR));
		}
	}
}

/*
 * Pass 3, after: a phrase inside a longer one does not count ("my
 * registration" asks the status, not to register); negations, a
 * negation word belonging to the nearest phrase after it ("don't forget
 * me to register": forget is negated, register is not); a "stop" or
 * "remove" right before an introduction word is about the introduction
 * ("stop introducing me", "remove me from the intros").
 */
static void
cmd_settle_hits(struct cmd_work *w)
{
	struct cmd_hit	*a, *b;
	size_t		 i, j, k;
	int		 between;

	for (i = 0; i < w->nhit; i++) {
		a = &w->hit[i];
		for (j = 0; j < w->nhit; j++) {
			b = &w->hit[j];
			if (i != j && !b->dead && b->start <= a->start &&
			    a->end <= b->end && b->end - b->start >
			    a->end - a->start)
				a->dead = 1;
		}
	}
	cmd_mark_hits(w);
	for (i = 0; i < w->nhit; i++) {
		a = &w->hit[i];
		a->neg = cmd_negated(w, a->start, a->end,
		    a->kind == CMD_INTRO_ON);
	}
	for (i = 0; i < w->nhit; i++) {
		a = &w->hit[i];
		if (a->dead || a->neg || (a->kind != CMD_STOP_MESSAGES &&
		    a->kind != CMD_FORGET))
			continue;
		for (j = 0; j < w->nhit; j++) {
			b = &w->hit[j];
			if (b->dead || b->kind != CMD_INTRO_ON ||
			    b->start < a->end || b->start > a->end + 4)
				continue;
			between = 1;
			for (k = a->end; k < b->start; k++)
				if (w->tok[k].type != TOK_WORD ||
				    (w->tok[k].lex & (LX_MSGOBJ | LX_CONJ)))
					between = 0;
			if (between) {
				a->dead = 1;
				b->neg = 1;
			}
		}
	}
	cmd_mark_hits(w);
}

/*
 * From token i, past words that may sit between a command and a handle
 * (glue: LX_GLUE, also LX_IDGLUE for identity statements, ':' and ','),
 * within the clause.  Returns the first other token's index (w->ntok at
 * the end); *seen gets the lexicon flags of the words passed.
 */
static size_t
cmd_skip_glue(const struct cmd_work *w, size_t i, uint32_t glue,
    uint32_t *seen, int *colon)
{
	const struct cmd_tok	*t;
	size_t			 n = 0;

	*seen = 0;
	*colon = 0;
	for (; i < w->ntok && n < CMD_GLUE_MAX; i++, n++) {
		t = &w->tok[i];
		if (t->type == TOK_COLON || t->type == TOK_COMMA) {
			*colon |= t->type == TOK_COLON;
			continue;
		}
		if (t->type != TOK_WORD || !(t->lex & glue))
			break;
		*seen |= t->lex;
	}
	return i;
}

/*
 * The token at i as the handle's place: 1 for a candidate already
 * there, 2 for a bare word that is no word we know (then *end is the
 * token after its chunk), 0 for anything else.
 */
static int
cmd_slot(const struct cmd_work *w, size_t i, size_t *end)
{
	const struct cmd_tok	*t;
	size_t			 k;

	if (i >= w->ntok)
		return 0;
	t = &w->tok[i];
	if (t->type == TOK_CAND) {
		*end = i + 1;
		return 1;
	}
	if (t->type != TOK_WORD || t->lex != 0 || t->inhit)
		return 0;
	for (k = i + 1; k < w->ntok && w->tok[k].type == TOK_WORD &&
	    w->tok[k].chunk == t->chunk; k++)
		;
	*end = k;
	return 2;
}

/* A bare word (its whole chunk, tokens [i, end)) as a candidate. */
static void
cmd_bare_cand(struct cmd_work *w, size_t i, size_t end)
{
	char	 name[CMD_NAME_MAX];
	size_t	 off = w->tok[i].off, n, at;

	if (w->tok[i].slot_done)
		return;
	w->tok[i].slot_done = 1;
	n = cmd_unsoft(name, sizeof(name), w->c + off,
	    w->tok[end - 1].off + w->tok[end - 1].len - off);
	if (n >= sizeof(name)) {
		cmd_cand_add(w, off, w->c + off, w->tok[end - 1].off +
		    w->tok[end - 1].len - off, REFUSE_TOO_LONG, 0, 0);
		return;
	}
	/* jack@mastodon.social written without its '@' */
	for (at = 0; at < n && name[at] != '@'; at++)
		;
	if (at < n)
		cmd_name_cand(w, off, name, at, name + at + 1, n - at - 1);
	else
		cmd_name_cand(w, off, name, n, NULL, 0);
}

/* Pass 4a: "register jack", "inscris-moi comme jack". */
static void
cmd_register_slots(struct cmd_work *w)
{
	const struct cmd_hit	*h;
	size_t			 i, k, end;
	uint32_t		 seen;
	int			 colon;

	for (i = 0; i < w->nhit; i++) {
		h = &w->hit[i];
		/* "registered" takes no bare word: "I registered yesterday" */
		if (h->dead || h->neg || h->kind != CMD_REGISTER ||
		    (h->flags & R_PAST))
			continue;
		k = cmd_skip_glue(w, h->end, LX_GLUE, &seen, &colon);
		if (cmd_slot(w, k, &end) == 2)
			cmd_bare_cand(w, k, end);
	}
}

/*
 * Pass 4b: identity statements, from a word that may start one ("my",
 * "I", "je", "on", "handle", "X"...) past glue to the handle's place:
 * "my X handle is @jack", "mon compte X c'est jack", "I'm jack on X",
 * "sur twitter j'étais @jack", "X: jack".  It must name X (or say
 * "handle", "pseudo") before the handle, or "on X" right after it, and
 * say it is theirs ("my", "I'm", "est", ':').  An '@' or URL X handle
 * needs X named anywhere in the text only: "Je quitte X, mon ancien
 * compte c'était @jack".
 */
static void
cmd_identity(struct cmd_work *w)
{
	const struct cmd_tok	*t;
	size_t			 i, k, b, end;
	uint32_t		 seen;
	int			 colon, slot, net, id, anynet = 0;

	for (i = 0; i < w->ntok; i++)
		if (w->tok[i].lex & LX_NET)
			anynet = 1;
	for (i = 0; i < w->ntok; i++) {
		t = &w->tok[i];
		if (t->type != TOK_WORD || !(t->lex & LX_IDSTART))
			continue;
		k = cmd_skip_glue(w, i, LX_GLUE | LX_IDGLUE, &seen, &colon);
		if ((slot = cmd_slot(w, k, &end)) == 0)
			continue;
		net = (seen & (LX_NET | LX_HNOUN)) != 0;
		id = colon || (seen & (LX_IDMARK | LX_HNOUN)) != 0;
		/* "X: jack" and "X handle jack", but "X is dead" */
		if ((t->lex & LX_NET) && !colon && !(seen & LX_HNOUN))
			continue;
		/* "X handle: @jack" names X just before the start */
		for (b = i; b > 0 && b + 2 > i &&
		    w->tok[b - 1].type == TOK_WORD; b--)
			if (w->tok[b - 1].lex & LX_NET)
				net = 1;
		if (end + 1 < w->ntok && (w->tok[end].lex & LX_LOCATE) &&
		    (w->tok[end + 1].lex & LX_NET))
			net = 1;
		if (anynet && slot == 1 &&
		    w->cand[w->tok[k].cand].status != REFUSE_FEDIVERSE)
			net = 1;
		if (!net || !id)
			continue;
		w->identity = 1;
		if (slot == 2)
			cmd_bare_cand(w, k, end);
	}
}

/*
 * Pass 4c: the handle from the candidates, in text order: one X handle
 * (the same one any number of times) wins over refused and fediverse
 * ones; two different ones are refused; else the first refused X
 * handle, else the first fediverse account, else none at all.
 */
static void
cmd_resolve(const struct cmd_work *w, struct command *out)
{
	const struct cmd_cand	*c, *first = NULL, *second = NULL;
	const struct cmd_cand	*bad = NULL, *fedi = NULL;
	size_t			 i, j, order[CMD_CANDS_MAX];

	/* insertion sort by offset: bare words were added last */
	for (i = 0; i < w->ncand; i++) {
		for (j = i; j > 0 && w->cand[order[j - 1]].off >
		    w->cand[i].off; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (i = 0; i < w->ncand; i++) {
		c = &w->cand[order[i]];
		if (c->status == REFUSE_NONE) {
			if (first == NULL)
				first = c;
			else if (second == NULL && !cmd_ieq(first->text,
			    strlen(first->text), c->text, strlen(c->text)))
				second = c;
		} else if (c->status == REFUSE_FEDIVERSE) {
			if (fedi == NULL)
				fedi = c;
		} else if (bad == NULL)
			bad = c;
	}
	out->kind = CMD_REGISTER;
	if (second != NULL) {
		out->refusal = REFUSE_SEVERAL;
		/* both fit: 15 + 1 + 15 < 32 */
		memcpy(out->refused, first->text, strlen(first->text));
		out->refused[strlen(first->text)] = ' ';
		memcpy(out->refused + strlen(first->text) + 1, second->text,
		    strlen(second->text) + 1);
	} else if (first != NULL)
		memcpy(out->handle, first->text, strlen(first->text) + 1);
	else if (bad != NULL) {
		out->refusal = bad->status;
		memcpy(out->refused, bad->text, sizeof(out->refused));
	} else if (fedi != NULL) {
		out->refusal = REFUSE_FEDIVERSE;
		memcpy(out->refused, fedi->text, sizeof(out->refused));
	} else
		out->refusal = REFUSE_NO_HANDLE;
}

/* 1 if every word outside live hits has one of flags. */
static int
cmd_only(const struct cmd_work *w, uint32_t flags)
{
	size_t	i;

	for (i = 0; i < w->ntok; i++)
		if (w->tok[i].type == TOK_WORD && !w->tok[i].inhit &&
		    !(w->tok[i].lex & flags) && !w->tok[i].slot_done)
			return 0;
	return 1;
}

/* English or French, from the words (command words count twice). */
static void
cmd_language(const struct cmd_work *w, struct command *out)
{
	const struct cmd_tok	*t;
	size_t			 i;
	int			 en = 0, fr = 0, wt;
	uint32_t		 l;

	for (i = 0; i < w->ntok; i++) {
		t = &w->tok[i];
		if (t->type != TOK_WORD)
			continue;
		wt = t->inhit ? 2 : 1;
		l = t->lex & LX_LANG;
		if (t->hitlang & R_EN)
			l = LX_EN;
		else if (t->hitlang & R_FR)
			l = LX_FR;
		if (l == LX_EN)
			en += wt;
		else if (l == LX_FR)
			fr += wt;
	}
	if (en != fr) {
		out->lang = en > fr ? LANG_EN : LANG_FR;
		out->lang_clear = 1;
	}
}

/*
 * Pass 4: the decision.  Precedence (see command.h): forget > clear stop
 * > register > intro off > intro on > resume > upload link >
 * suggestions > status > unclear stop > help > none/unknown.  Forget and
 * a clear stop come first because they are what a member must be able
 * to rely on (SPEC §3: honoured at once); each needs its own clear words,
 * and a negated one never counts.  Register comes before the rest
 * because a handle given is the one thing a reply could not ask again
 * cheaply, and intro off before intro on because not being shown is the
 * default to keep when in doubt.
 */
static void
cmd_decide(struct cmd_work *w, struct command *out)
{
	const struct cmd_hit	*h;
	size_t			 i;
	int			 have[CMD_KIND_COUNT], intro_off = 0;
	int			 strong_stop = 0, past = 0, xcands = 0;
	int			 lone = 1, anyhit = 0, others = 0;
	enum command_kind	 k;
	static const enum command_kind order[] = {
		CMD_INTRO_ON, CMD_RESUME_MESSAGES, CMD_UPLOAD_LINK,
		CMD_SUGGESTIONS, CMD_STATUS, CMD_STOP_MESSAGES, CMD_HELP,
	};

	memset(have, 0, sizeof(have));
	for (i = 0; i < w->ncand; i++)
		if (w->cand[i].status != REFUSE_FEDIVERSE) {
			xcands++;
			if (!w->cand[i].from_url || !w->cand[i].profile)
				lone = 0;
		}
	for (i = 0; i < w->nhit; i++) {
		h = &w->hit[i];
		if (h->dead)
			continue;
		lone = 0;
		anyhit = 1;
		if (h->kind == CMD_INTRO_ON && h->neg)
			intro_off = 1;
		if (h->neg)
			continue;
		if (h->kind == CMD_REGISTER && (h->flags & R_PAST)) {
			past = 1;
			continue;
		}
		have[h->kind] = 1;
		if (h->kind == CMD_STOP_MESSAGES)
			strong_stop |= h->strong;
		else
			others = 1;
	}
	/* stop with nothing but politeness around it is clear */
	if (have[CMD_STOP_MESSAGES] && !others && !past &&
	    cmd_only(w, LX_FILLER))
		strong_stop = 1;
	if (have[CMD_FORGET]) {
		out->kind = CMD_FORGET;
		return;
	}
	if (strong_stop) {
		out->kind = CMD_STOP_MESSAGES;
		return;
	}
	if (past && xcands > 0)
		have[CMD_REGISTER] = 1;
	else if (past)
		have[CMD_STATUS] = 1;
	if (lone && (xcands == 0 || !cmd_only(w, LX_FILLER | LX_GLUE |
	    LX_IDGLUE)))
		lone = 0;
	if (have[CMD_REGISTER] || w->identity || lone ||
	    (w->in->reply_to_call && xcands > 0)) {
		cmd_resolve(w, out);
		return;
	}
	if (intro_off) {
		out->kind = CMD_INTRO_OFF;
		return;
	}
	for (i = 0; i < NELEM(order); i++) {
		k = order[i];
		if (have[k]) {
			out->kind = k;
			return;
		}
	}
	if (!anyhit && xcands == 0 && cmd_only(w, LX_FILLER | LX_FUNC))
		out->kind = w->qmark ? CMD_HELP : CMD_NONE;
	else
		out->kind = CMD_UNKNOWN;
}

void
command_parse(const struct command_input *in, struct command *out)
{
	struct cmd_work	*w;

	memset(out, 0, sizeof(*out));
	out->kind = CMD_NONE;
	out->refusal = REFUSE_NONE;
	out->lang = in->hint == LANG_FR ? LANG_FR : LANG_EN;
	out->lang_clear = 0;
	if (in->text == NULL || in->len == 0)
		return;
	/* some 60 KiB: too much for the stack of a small thread */
	w = xcalloc(1, sizeof(*w));
	w->in = in;
	cmd_clean(w, in->text, in->len);
	cmd_tokenize(w);
	cmd_find_hits(w);
	cmd_settle_hits(w);
	cmd_register_slots(w);
	cmd_identity(w);
	cmd_decide(w, out);
	cmd_language(w, out);
	if (out->kind != CMD_REGISTER) {
		out->refusal = REFUSE_NONE;
		out->handle[0] = '\0';
		out->refused[0] = '\0';
	}
	free(w);
}

const char *
command_name(enum command_kind k)
{
	static const char *const names[CMD_KIND_COUNT] = {
		[CMD_NONE] = "none",
		[CMD_REGISTER] = "register",
		[CMD_STATUS] = "status",
		[CMD_UPLOAD_LINK] = "upload-link",
		[CMD_SUGGESTIONS] = "suggestions",
		[CMD_INTRO_ON] = "intro-on",
		[CMD_INTRO_OFF] = "intro-off",
		[CMD_STOP_MESSAGES] = "stop-messages",
		[CMD_RESUME_MESSAGES] = "resume-messages",
		[CMD_FORGET] = "forget",
		[CMD_HELP] = "help",
		[CMD_UNKNOWN] = "unknown",
	};

	if ((unsigned)k >= CMD_KIND_COUNT)
		return "invalid";
	return names[k];
}

const char *
command_refusal_name(enum command_refusal r)
{
	static const char *const names[REFUSE_COUNT] = {
		[REFUSE_NONE] = "none",
		[REFUSE_NO_HANDLE] = "no-handle",
		[REFUSE_TOO_LONG] = "too-long",
		[REFUSE_BAD_CHARS] = "bad-chars",
		[REFUSE_FEDIVERSE] = "fediverse",
		[REFUSE_SEVERAL] = "several",
	};

	if ((unsigned)r >= REFUSE_COUNT)
		return "invalid";
	return names[r];
}

int
command_x_handle_valid(const char *s, size_t n)
{
	size_t	i;

	if (s == NULL || n == 0 || n > 15)
		return 0;
	for (i = 0; i < n; i++)
		if (!cmd_handle_char((unsigned char)s[i]))
			return 0;
	return 1;
}
