/*
 * upload-text: the upload page's answers, in English and French.
 *
 * Short and concrete: what happened, whether anything was saved, and
 * what to do next.  {detail} is the parser's or the zip reader's own
 * words (English, ASCII, quoting at most a few bytes of the file), for
 * the member who wants to know or to tell the team.
 */
#include "quitx/upload-text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "quitx/xmalloc.h"

static const char *const texts[UM_COUNT][LANG_COUNT] = {
	[UM_OK] = {
		"Thank you! Your X archive is in: @{handle}, {followers}"
		" followers and {following} accounts followed. Your X handle is"
		" now proven, and on the campaign day the people you followed"
		" on X who are here will be suggested to you.",
		"Merci ! Votre archive X est bien arrivée : @{handle},"
		" {followers} abonnés et {following} abonnements. Votre compte X"
		" est désormais prouvé ; le jour de la campagne, les personnes"
		" que vous suiviez sur X et qui sont ici vous seront proposées.",
	},
	[UM_MISMATCH] = {
		"Your archive is in ({followers} followers, {following} accounts"
		" followed), but it is the archive of @{handle}, and you"
		" registered @{claimed}. It is kept for @{handle}. If @{handle}"
		" is yours, reply \"register @{handle}\" to the bot.",
		"Votre archive est bien arrivée ({followers} abonnés,"
		" {following} abonnements), mais c'est celle de @{handle}, alors"
		" que vous vous êtes inscrit·e comme @{claimed}. Elle est"
		" conservée pour @{handle}. Si @{handle} est bien à vous,"
		" répondez « inscription @{handle} » au bot.",
	},
	[UM_NOT_ARCHIVE] = {
		"This is not a file of an X archive, so nothing was saved."
		" Pick the zip X sent you, or its data/follower.js,"
		" data/following.js and data/account.js files. ({detail})",
		"Ce fichier ne vient pas d'une archive X : rien n'a été"
		" enregistré. Choisissez le zip envoyé par X, ou ses fichiers"
		" data/follower.js, data/following.js et data/account.js."
		" ({detail})",
	},
	[UM_BAD_FILE] = {
		"A file of your archive is damaged or was changed, so nothing"
		" was saved. Download your archive from X again and retry."
		" ({detail})",
		"Un fichier de votre archive est abîmé ou a été modifié : rien"
		" n'a été enregistré. Téléchargez à nouveau votre archive sur X"
		" et réessayez. ({detail})",
	},
	[UM_BAD_ZIP] = {
		"This zip cannot be read safely, so nothing was saved: {detail}."
		" Pick the zip exactly as X sent it, or its data/follower.js,"
		" data/following.js and data/account.js files.",
		"Ce zip ne peut pas être lu sans risque : rien n'a été"
		" enregistré ({detail}). Choisissez le zip tel qu'envoyé par X,"
		" ou ses fichiers data/follower.js, data/following.js et"
		" data/account.js.",
	},
	[UM_NO_ACCOUNT] = {
		"data/account.js is missing: it proves whose archive this is."
		" Add it and retry; nothing was saved.",
		"Il manque data/account.js : c'est lui qui prouve à qui est"
		" l'archive. Ajoutez-le et réessayez ; rien n'a été enregistré.",
	},
	[UM_NO_FOLLOWS] = {
		"No follower or following file came (data/follower.js,"
		" data/following.js), so nothing was saved.",
		"Aucun fichier d'abonnés ou d'abonnements n'est arrivé"
		" (data/follower.js, data/following.js) : rien n'a été"
		" enregistré.",
	},
	[UM_TWO_ACCOUNTS] = {
		"These files come from two different X accounts, so nothing was"
		" saved. Send the files of one archive only. ({detail})",
		"Ces fichiers viennent de deux comptes X différents : rien n'a"
		" été enregistré. N'envoyez que les fichiers d'une seule"
		" archive. ({detail})",
	},
	[UM_STORE] = {
		"Something went wrong on our side and nothing was saved. Please"
		" retry in a few minutes.",
		"Un problème de notre côté : rien n'a été enregistré. Merci de"
		" réessayer dans quelques minutes.",
	},
	[UM_TOO_BIG] = {
		"This upload is over the {max_mb} MB limit, so it was not read."
		" Send only data/follower.js, data/following.js and"
		" data/account.js, or let this page read the zip for you (it"
		" needs JavaScript).",
		"Cet envoi dépasse la limite de {max_mb} Mo : il n'a pas été"
		" lu. N'envoyez que data/follower.js, data/following.js et"
		" data/account.js, ou laissez cette page lire le zip pour vous"
		" (il faut JavaScript).",
	},
	[UM_NO_FILE] = {
		"No file came with the form. Pick your archive's zip or its"
		" files, then send.",
		"Aucun fichier n'est arrivé avec le formulaire. Choisissez le"
		" zip de votre archive ou ses fichiers, puis envoyez.",
	},
	[UM_BAD_TYPE] = {
		"This page takes a form (multipart/form-data) or a zip"
		" (application/zip), nothing else.",
		"Cette page accepte un formulaire (multipart/form-data) ou un"
		" zip (application/zip), rien d'autre.",
	},
	[UM_BUSY] = {
		"Many archives are arriving right now. Please retry in a few"
		" minutes; nothing was saved.",
		"Beaucoup d'archives arrivent en ce moment. Merci de réessayer"
		" dans quelques minutes ; rien n'a été enregistré.",
	},
	[UM_TOO_SLOW] = {
		"This upload took too long to arrive, so it was not read."
		" Please retry, if you can from a faster connection, or send"
		" only data/follower.js, data/following.js and"
		" data/account.js.",
		"Cet envoi a mis trop de temps à arriver : il n'a pas été lu."
		" Merci de réessayer, si possible avec une meilleure connexion,"
		" ou de n'envoyer que data/follower.js, data/following.js et"
		" data/account.js.",
	},
	[UM_LINK_UNKNOWN] = {
		"This upload link is not valid. Ask the bot for a new one:"
		" reply \"upload link\".",
		"Ce lien d'envoi n'est pas valable. Demandez-en un nouveau au"
		" bot : répondez « lien d'envoi ».",
	},
	[UM_LINK_EXPIRED] = {
		"This upload link has expired. Ask the bot for a new one: reply"
		" \"upload link\".",
		"Ce lien d'envoi a expiré. Demandez-en un nouveau au bot :"
		" répondez « lien d'envoi ».",
	},
};

/* Append n bytes to the growing string *buf of length *len. */
static void
put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = xreallocarray(*buf, *cap, 1);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

char *
upload_text(enum lang lang, enum upload_msg which,
    const struct upload_msg_vars *v)
{
	const char	*t = texts[which][lang], *open, *close, *val;
	char		 num[32], *buf = NULL;
	size_t		 len = 0, cap = 0, n;

	put(&buf, &len, &cap, "", 0);
	while ((open = strchr(t, '{')) != NULL &&
	    (close = strchr(open, '}')) != NULL) {
		put(&buf, &len, &cap, t, (size_t)(open - t));
		n = (size_t)(close - open - 1);
		val = "";
		if (n == 6 && strncmp(open + 1, "handle", n) == 0)
			val = v->handle;
		else if (n == 7 && strncmp(open + 1, "claimed", n) == 0)
			val = v->claimed;
		else if (n == 6 && strncmp(open + 1, "detail", n) == 0)
			val = v->detail;
		else if (n == 9 && strncmp(open + 1, "followers", n) == 0) {
			snprintf(num, sizeof(num), "%" PRId64, v->followers);
			val = num;
		} else if (n == 9 && strncmp(open + 1, "following", n) == 0) {
			snprintf(num, sizeof(num), "%" PRId64, v->following);
			val = num;
		} else if (n == 6 && strncmp(open + 1, "max_mb", n) == 0) {
			snprintf(num, sizeof(num), "%d", v->max_mb);
			val = num;
		}
		if (val != NULL)
			put(&buf, &len, &cap, val, strlen(val));
		t = close + 1;
	}
	put(&buf, &len, &cap, t, strlen(t));
	return buf;
}

char *
html_escape(const char *s)
{
	char	*buf = NULL;
	size_t	 len = 0, cap = 0;

	put(&buf, &len, &cap, "", 0);
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			put(&buf, &len, &cap, "&amp;", 5);
			break;
		case '<':
			put(&buf, &len, &cap, "&lt;", 4);
			break;
		case '>':
			put(&buf, &len, &cap, "&gt;", 4);
			break;
		case '"':
			put(&buf, &len, &cap, "&quot;", 6);
			break;
		case '\'':
			put(&buf, &len, &cap, "&#39;", 5);
			break;
		default:
			put(&buf, &len, &cap, s, 1);
			break;
		}
	}
	return buf;
}
