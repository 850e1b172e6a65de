/*
 * demo-check: the demo as a test.  What each member received, read
 * from the peers' records (the statuses and chat messages as their
 * apps would show them), must be what the stored matches say: the
 * first message_max suggestions in rank order, once, with the numbers
 * of the "…and N more." and follows-import lines as the store counts
 * them and the follows-import file (fetched from the daemon) listing
 * the member's Mastodon suggestions; every member who registered and
 * stayed in the store, and lists on each network; nothing to the
 * member who was forgotten nor to the bot account; no text sent twice;
 * on Mastodon, exactly those who asked named in an introduction; the
 * impostor's claim unproven and the impostor suggested to nobody.
 * Then the summary, with three conversations as members read them.
 */
#include "demo-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "quitx/cmd.h"
#include "quitx/config.h"
#include "quitx/xmalloc.h"

#define FACET_MENTION	"app.bsky.richtext.facet#mention"
#define SHOW_LINES	14	/* of one message, in the summary */

/* The members whose conversations the summary shows. */
static struct demo_member	*examples[3];

/* Whether o's key is a string equal to want (a missing one is not). */
static int
str_is(json_t *o, const char *key, const char *want)
{
	const char	*v = json_string_value(json_object_get(o, key));

	return v != NULL && want != NULL && strcmp(v, want) == 0;
}

static void
append(char **have, const char *word, size_t n)
{
	char	*s = xasprintf("%s%s%.*s", *have, **have != '\0' ? " " : "",
		    (int)n, word);

	free(*have);
	*have = s;
}

/* The first number in a line, or -1. */
static long long
number_in(const char *line)
{
	line += strcspn(line, "0123456789");
	return *line != '\0' ? strtoll(line, NULL, 10) : -1;
}

/*
 * The accounts a direct status lists: its lines that are one "@acct",
 * past the "@member " it starts with, as a reader sees them.  counts
 * (NULL: not wanted) adds up the numbers the text gives: [0] in the
 * "…and N more." line, [1] in the follows-import line (the one with
 * the /f/ link).
 */
static void
listed(const char *text, int skip_first, char **have, long long *counts)
{
	char	*t = demo_as_read(text), *line, *save = NULL, *o;

	if (skip_first && (o = strchr(t, ' ')) != NULL)
		memmove(t, o + 1, strlen(o + 1) + 1);
	for (line = strtok_r(t, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (counts != NULL && strncmp(line, "\xe2\x80\xa6", 3) == 0 &&
		    number_in(line) >= 0)
			counts[0] += number_in(line);
		else if (counts != NULL && strstr(line, "/f/") != NULL &&
		    number_in(line) >= 0)
			counts[1] += number_in(line);
		if (strchr(line, ' ') != NULL)
			continue;
		/* a handle; a DID where the daemon knows no handle */
		if (line[0] == '@')
			append(have, line + 1, strlen(line + 1));
		else if (strncmp(line, "did:", 4) == 0)
			append(have, line, strlen(line));
	}
	free(t);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * No text twice from one sender (Mastodon) or to one recipient (chat):
 * a duplicate is a resend.  who names the field that scopes a text.
 */
static int
no_twice(struct demo *d, json_t *all, const char *who, const char *what)
{
	char		**t;
	json_t		 *v;
	const char	 *text, *w;
	size_t		  i, n = 0;
	int		  rc = 0;

	t = xcalloc(json_array_size(all) + 1, sizeof(*t));
	json_array_foreach(all, i, v) {
		text = json_string_value(json_object_get(v, "text"));
		w = json_string_value(json_object_get(v, who));
		if (text != NULL && w != NULL)
			t[n++] = xasprintf("%s: %s", w, text);
	}
	qsort(t, n, sizeof(*t), cmp_str);
	for (i = 1; i < n && rc == 0; i++)
		if (strcmp(t[i - 1], t[i]) == 0) {
			demo_fail(d, "%s sent twice: %.200s", what, t[i]);
			rc = -1;
		}
	for (i = 0; i < n; i++)
		free(t[i]);
	free(t);
	return rc;
}

/* What the peers recorded, beside the store, for a closer look. */
static void
keep(struct demo *d, json_t *all, const char *name)
{
	char	*path = xasprintf("%s/%s", d->dir, name);

	(void)json_dump_file(all, path, JSON_INDENT(1));
	free(path);
}

static const char *
net_name(enum network net)
{
	return net == NETWORK_MASTODON ? "mastodon" : "bluesky";
}

/*
 * What the matches say member id should read, as handles or accounts;
 * NULL when the store cannot say (d->error).
 */
static char *
wanted(struct demo *d, long long id, enum network net, int max)
{
	char		 sid[32], smax[32], *want;
	const char	*args[] = { sid, net_name(net), smax, NULL };

	snprintf(sid, sizeof(sid), "%lld", id);
	snprintf(smax, sizeof(smax), "%d", max);
	if (demo_db_lookup_text(d, "SELECT coalesce(group_concat(a, ' '), '')"
	    " FROM (SELECT CASE WHEN f.network = 'bluesky' THEN"
	    " coalesce(f.handle, f.account) ELSE f.account END AS a FROM"
	    " suggestion s JOIN member f ON f.id = s.suggested_id AND"
	    " f.discoverable = 1 WHERE s.member_id = CAST(?1 AS INTEGER) AND"
	    " f.network = ?2 ORDER BY s.rank LIMIT CAST(?3 AS INTEGER))", args,
	    &want) != 1)
		return NULL;
	return want != NULL ? want : xstrdup("");
}

/*
 * The numbers the matches say member id reads, as campaign.c counts
 * them: [0] its own network's suggestions past the first max (the
 * "…and N more." line), [1] all its Mastodon ones (the follows-import
 * line).  0, or -1 (d->error).
 */
static int
expected_counts(struct demo *d, long long id, enum network net, int max,
    long long want[2])
{
	char		 sid[32], smax[32];
	const char	*own[] = { sid, net_name(net), smax, NULL };
	const char	*masto[] = { sid, "mastodon", NULL };
	static const char sql[] = "SELECT count(*) FROM suggestion s JOIN"
	    " member f ON f.id = s.suggested_id AND f.discoverable = 1 WHERE"
	    " s.member_id = CAST(?1 AS INTEGER) AND f.network = ?2";

	snprintf(sid, sizeof(sid), "%lld", id);
	snprintf(smax, sizeof(smax), "%d", max);
	if (demo_db_lookup(d, "SELECT max(count(*) - CAST(?3 AS INTEGER), 0)"
	    " FROM suggestion s JOIN member f ON f.id = s.suggested_id AND"
	    " f.discoverable = 1 WHERE s.member_id = CAST(?1 AS INTEGER) AND"
	    " f.network = ?2", own, &want[0]) == -1 ||
	    demo_db_lookup(d, sql, masto, &want[1]) == -1)
		return -1;
	return 0;
}

/*
 * The follows-import file the link in the message serves, from the
 * daemon as a member's browser gets it: its accounts must be the
 * member's Mastodon suggestions.  0, or -1 (d->error).
 */
static int
check_csv(struct demo *d, const struct demo_member *m, long long id,
    const char *token)
{
	char		 sid[32], *url, *body = NULL, *want = NULL, *got,
			*line, *save = NULL, **acct;
	const char	*args[] = { sid, NULL };
	size_t		 n = 0, i;
	long		 status;
	int		 rc = -1;

	snprintf(sid, sizeof(sid), "%lld", id);
	url = xasprintf("http://127.0.0.1:%d/f/%s", d->port, token);
	status = demo_http_fetch(url, &body, 10);
	free(url);
	if (status != 200 || body == NULL) {
		if (status == -1)
			demo_fail(d, "%s's follows-import link: %s",
			    m->account, demo_http_error());
		else
			demo_fail(d, "%s's follows-import link: HTTP %ld",
			    m->account, status);
		free(body);
		return -1;
	}
	/* its account lines, past the header, in one order */
	acct = xcalloc(strlen(body) + 1, sizeof(*acct));
	for (line = strtok_r(body, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "Account address,", 16) != 0) {
			line[strcspn(line, ",")] = '\0';
			acct[n++] = line;
		}
	qsort(acct, n, sizeof(*acct), cmp_str);
	got = xstrdup("");
	for (i = 0; i < n; i++)
		append(&got, acct[i], strlen(acct[i]));
	if (demo_db_lookup_text(d, "SELECT coalesce(group_concat(a, ' '), '')"
	    " FROM (SELECT f.account AS a FROM suggestion s JOIN member f ON"
	    " f.id = s.suggested_id AND f.discoverable = 1 WHERE s.member_id ="
	    " CAST(?1 AS INTEGER) AND f.network = 'mastodon' ORDER BY"
	    " f.account)", args, &want) == 1 && want != NULL) {
		if (strcmp(got, want) == 0)
			rc = 0;
		else
			demo_fail(d, "%s's follows-import file lists [%.150s], "
			    "the matches say [%.150s]", m->account, got, want);
	}
	free(want);
	free(got);
	free(acct);
	free(body);
	return rc;
}

/* The member's id: 1 (*id set), 0 (not a member), -1 (d->error). */
static int
member_id(struct demo *d, const struct demo_member *m, long long *id)
{
	const char	*args[] = { net_name(m->network), m->network ==
			    NETWORK_MASTODON ? m->account : m->did, NULL };
	int		 r;

	if ((r = demo_db_lookup(d, "SELECT id FROM member WHERE network = ?"
	    " AND account = ?", args, id)) == 1 && *id <= 0) {
		demo_fail(d, "%s: member id %lld in the store", m->account,
		    *id);
		return -1;
	}
	return r;
}

/* One member's received list against the matches; 1: got one. */
static int
compare(struct demo *d, struct demo_member *m, const char *have,
    const long long counts[2], const char *ftoken, int max)
{
	long long	 id, want_n[2];
	char		*want;
	int		 rc, r;

	if ((r = member_id(d, m, &id)) == -1)
		return -1;
	if (r == 0) {
		/* who registered and stayed must be there */
		if (m->role == ROLE_PLAIN || m->role == ROLE_IMPOSTOR) {
			demo_fail(d, "%s registered, yet is not a member",
			    m->account);
			return -1;
		}
		if (*have != '\0' || counts[0] != 0 || counts[1] != 0 ||
		    ftoken != NULL) {
			demo_fail(d, "%s is not a member, yet received [%s]",
			    m->account, have);
			return -1;
		}
		return 0;
	}
	if ((want = wanted(d, id, m->network, max)) == NULL)
		return -1;
	rc = strcasecmp(have, want) == 0 ? *have != '\0' : -1;
	if (rc == -1)
		demo_fail(d, "%s received [%.150s], the matches say [%.150s]",
		    m->account, have, want);
	free(want);
	if (rc == -1 || expected_counts(d, id, m->network, max, want_n) == -1)
		return -1;
	if (counts[0] != want_n[0] || counts[1] != want_n[1]) {
		demo_fail(d, "%s read \"%lld more\" and %lld to import from "
		    "Mastodon, the matches say %lld and %lld", m->account,
		    counts[0], counts[1], want_n[0], want_n[1]);
		return -1;
	}
	if (ftoken != NULL && check_csv(d, m, id, ftoken) == -1)
		return -1;
	return rc;
}

/* Whether a public post of the bots lists acct on a line of its own. */
static int
introduced(json_t *bots, const char *acct)
{
	json_t	*st;
	char	*list, *w, *save = NULL;
	size_t	 i;
	int	 found = 0;

	json_array_foreach(bots, i, st) {
		if (str_is(st, "visibility", "direct") ||
		    json_string_value(json_object_get(st, "text")) == NULL)
			continue;
		list = xstrdup("");
		listed(json_string_value(json_object_get(st, "text")), 0,
		    &list, NULL);
		for (w = strtok_r(list, " ", &save); w != NULL && !found;
		    w = strtok_r(NULL, " ", &save))
			found = strcasecmp(w, acct) == 0;
		free(list);
		if (found)
			break;
	}
	return found;
}

static int
check_mastodon(struct demo *d, int max, size_t *told)
{
	json_t		*all, *st, *bots;
	const char	*to, *text, *vis;
	char		*have;
	char		*ftoken;
	long long	 counts[2];
	size_t		 i, k;
	int		 rc = 0, r;

	if ((all = demo_peer_call(d, &d->masto, "GET", "/_peer/statuses",
	    NULL)) == NULL)
		return -1;
	keep(d, all, "mastodon-statuses.json");
	bots = json_array();
	json_array_foreach(all, i, st)
		if (demo_is_bot_acct(json_string_value(json_object_get(st,
		    "account"))))
			json_array_append(bots, st);
	if (no_twice(d, bots, "account", "a status was") == -1)
		rc = -1;
	for (k = 0; rc == 0 && k < d->nm; k++) {
		if (d->m[k].network != NETWORK_MASTODON)
			continue;
		have = xstrdup("");
		counts[0] = counts[1] = 0;
		ftoken = NULL;
		json_array_foreach(bots, i, st) {
			to = json_string_value(json_array_get(json_object_get(
			    st, "mentions"), 0));
			if (to == NULL || strcasecmp(to, d->m[k].account) != 0)
				continue;
			if (d->m[k].role == ROLE_BOT) {
				demo_fail(d, "the bot account %s was answered",
				    d->m[k].account);
				rc = -1;
			}
			text = json_string_value(json_object_get(st, "text"));
			vis = json_string_value(json_object_get(st,
			    "visibility"));
			if (text == NULL || vis == NULL ||
			    strcmp(vis, "direct") != 0)
				continue;
			listed(text, 1, &have, counts);
			if (ftoken == NULL)
				ftoken = demo_link_token(text, "/f/");
		}
		if (rc == 0 && introduced(bots, d->m[k].account) !=
		    d->m[k].intro) {
			demo_fail(d, "%s asked %sto be introduced, and was %s",
			    d->m[k].account, d->m[k].intro ? "" : "not ",
			    d->m[k].intro ? "not" : "");
			rc = -1;
		}
		if (rc == 0 && (r = compare(d, &d->m[k], have, counts, ftoken,
		    max)) == -1)
			rc = -1;
		else if (rc == 0 && r == 1) {
			(*told)++;
			if (examples[d->m[k].fr] == NULL)
				examples[d->m[k].fr] = &d->m[k];
		}
		free(have);
		free(ftoken);
	}
	json_decref(bots);
	json_decref(all);
	return rc;
}

static int
check_bluesky(struct demo *d, int max, size_t *told)
{
	json_t		*all, *msg, *f, *feat;
	const char	*text, *type;
	char		*have, *ftoken;
	long long	 bs, be, counts[2];
	size_t		 i, j, k;
	int		 rc = 0, r;

	if ((all = demo_peer_call(d, &d->bsky, "GET", "/_peer/messages",
	    NULL)) == NULL)
		return -1;
	keep(d, all, "bluesky-messages.json");
	if (no_twice(d, all, "to", "a chat message was") == -1)
		rc = -1;
	for (k = 0; rc == 0 && k < d->nm; k++) {
		if (d->m[k].network != NETWORK_BLUESKY || d->m[k].did == NULL)
			continue;
		have = xstrdup("");
		counts[0] = counts[1] = 0;
		ftoken = NULL;
		json_array_foreach(all, i, msg) {
			if (!str_is(msg, "to", d->m[k].did))
				continue;
			text = json_string_value(json_object_get(msg, "text"));
			if (text == NULL)
				continue;
			listed(text, 0, &have, counts);
			if (ftoken == NULL)
				ftoken = demo_link_token(text, "/f/");
			/* a mention facet covers "@handle" exactly */
			json_array_foreach(json_object_get(msg, "facets"), j,
			    f) {
				feat = json_array_get(json_object_get(f,
				    "features"), 0);
				type = json_string_value(json_object_get(feat,
				    "$type"));
				if (type == NULL || strcmp(type,
				    FACET_MENTION) != 0)
					continue;
				bs = json_integer_value(json_object_get(
				    json_object_get(f, "index"), "byteStart"));
				be = json_integer_value(json_object_get(
				    json_object_get(f, "index"), "byteEnd"));
				if (bs < 0 || be <= bs + 1 ||
				    (size_t)be > strlen(text) || text[bs] != '@') {
					demo_fail(d, "a mention facet on the "
					    "wrong bytes: %.100s", text);
					rc = -1;
					break;
				}
			}
		}
		if (rc == 0 && (r = compare(d, &d->m[k], have, counts, ftoken,
		    max)) == -1)
			rc = -1;
		else if (rc == 0 && r == 1) {
			(*told)++;
			if (examples[2] == NULL)
				examples[2] = &d->m[k];
		}
		free(have);
		free(ftoken);
	}
	json_decref(all);
	return rc;
}

/*
 * A handle typed in a reply proves nothing: the impostor's claim stays
 * unproven, and nobody is suggested the impostor.
 */
static int
check_impostor(struct demo *d)
{
	size_t		 k;
	long long	 n;

	for (k = 0; k < d->nm; k++) {
		const char	*args[] = { d->m[k].account, NULL };

		if (d->m[k].role != ROLE_IMPOSTOR)
			continue;
		if (demo_db_lookup(d, "SELECT (SELECT count(*) FROM x_claim"
		    " c JOIN member m ON m.id = c.member_id WHERE m.account ="
		    " ?1 AND c.proof <> 'none') + (SELECT count(*) FROM"
		    " suggestion s JOIN member f ON f.id = s.suggested_id"
		    " WHERE f.account = ?1)", args, &n) == -1)
			return -1;
		if (n != 0) {
			demo_fail(d, "the impostor %s claiming @%s is proven or "
			    "suggested to others", d->m[k].account,
			    d->m[k].x_handle);
			return -1;
		}
	}
	return 0;
}

/* 0 when every member received what the matches say, once. */
int
demo_check(struct demo *d, size_t *told)
{
	struct config	*conf;
	size_t		 told_m = 0, told_b = 0, plain_m = 0, plain_b = 0;
	size_t		 k;
	int		 max;

	*told = 0;
	if ((conf = cmd_load_config(d->conf)) == NULL) {
		demo_fail(d, "%s: cannot load it again", d->conf);
		return -1;
	}
	max = conf->campaign.message_max;
	config_free(conf);
	if (check_mastodon(d, max, &told_m) == -1 ||
	    check_bluesky(d, max, &told_b) == -1 || check_impostor(d) == -1)
		return -1;
	/* a network whose members all read nothing is no pass */
	for (k = 0; k < d->nm; k++) {
		if (d->m[k].role != ROLE_PLAIN)
			continue;
		if (d->m[k].network == NETWORK_MASTODON)
			plain_m++;
		else
			plain_b++;
	}
	if ((plain_m > 0 && told_m == 0) || (plain_b > 0 && told_b == 0)) {
		demo_fail(d, "no %s member received a list of suggestions",
		    plain_m > 0 && told_m == 0 ? "Mastodon" : "Bluesky");
		return -1;
	}
	*told = told_m + told_b;
	return 0;
}

/* A message as its reader sees it; a long list cut after a screenful. */
static void
print_text(const char *who, const char *text)
{
	char	*t = demo_as_read(text), *line, *save = NULL;
	int	 n = 0;

	for (line = strtok_r(t, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), n++) {
		if (n < SHOW_LINES)
			printf("    %-22s %s\n", n == 0 ? who : "", line);
	}
	if (n > SHOW_LINES)
		printf("    %-22s (%d more lines)\n", "", n - SHOW_LINES);
	free(t);
}

static void
conversation_mastodon(struct demo *d, const struct demo_member *m)
{
	json_t		*all, *st;
	const char	*to, *vis, *text;
	char		*who;
	size_t		 i;

	printf("\n  @%s on Mastodon, to @%s:\n", m->account, m->fr ?
	    DEMO_MASTO_FR : DEMO_MASTO_EN);
	who = xasprintf("@%s:", m->account);
	print_text(who, m->said);
	free(who);
	if ((all = demo_peer_call(d, &d->masto, "GET", "/_peer/statuses",
	    NULL)) == NULL)
		return;
	json_array_foreach(all, i, st) {
		to = json_string_value(json_array_get(json_object_get(st,
		    "mentions"), 0));
		if (!demo_is_bot_acct(json_string_value(json_object_get(st,
		    "account"))) || to == NULL ||
		    strcasecmp(to, m->account) != 0)
			continue;
		vis = json_string_value(json_object_get(st, "visibility"));
		text = json_string_value(json_object_get(st, "text"));
		if (vis == NULL || text == NULL)
			continue;
		who = xasprintf("@%s (%s):", json_string_value(json_object_get(
		    st, "account")), strcmp(vis, "direct") == 0 ? "private" :
		    vis);
		print_text(who, text);
		free(who);
	}
	json_decref(all);
}

static void
conversation_bluesky(struct demo *d, const struct demo_member *m)
{
	const char	*bot = m->fr ? DEMO_BSKY_FR : DEMO_BSKY_EN;
	json_t		*all, *v, *rec;
	const char	*text, *parent;
	char		*path, *who;
	size_t		 i;

	printf("\n  @%s on Bluesky, to @%s:\n", m->account, bot);
	who = xasprintf("@%s:", m->account);
	print_text(who, m->said);
	free(who);
	path = xasprintf("/_peer/posts?handle=%s", bot);
	who = xasprintf("@%s (reply):", bot);
	if ((all = demo_peer_call(d, &d->bsky, "GET", path, NULL)) != NULL) {
		json_array_foreach(all, i, v) {
			rec = json_object_get(v, "record");
			text = json_string_value(json_object_get(rec, "text"));
			parent = json_string_value(json_object_get(
			    json_object_get(json_object_get(rec, "reply"),
			    "root"), "uri"));
			if (text != NULL && parent != NULL &&
			    m->post_uri != NULL &&
			    strcmp(parent, m->post_uri) == 0)
				print_text(who, text);
		}
		json_decref(all);
	}
	free(who);
	free(path);
	who = xasprintf("@%s (chat):", bot);
	if ((all = demo_peer_call(d, &d->bsky, "GET", "/_peer/messages",
	    NULL)) != NULL) {
		json_array_foreach(all, i, v)
			if (str_is(v, "to", m->did) && (text =
			    json_string_value(json_object_get(v, "text"))) !=
			    NULL)
				print_text(who, text);
		json_decref(all);
	}
	free(who);
}

static void
figure(struct demo *d, const char *label, const char *sql)
{
	char	*v = demo_db_text(d, sql);

	printf("  %-24s %s\n", label, v != NULL ? v : "?");
	free(v);
}

void
demo_summary(struct demo *d, size_t told)
{
	double	secs = (double)(demo_now_ms() - d->started_ms) / 1000.0;
	int	i;

	printf("\n== summary\n");
	figure(d, "members", "SELECT count(*) || ' (' || sum(network ="
	    " 'mastodon') || ' Mastodon, ' || sum(network = 'bluesky') ||"
	    " ' Bluesky; ' || sum(lang = 'fr') || ' in French)' FROM member");
	figure(d, "verified claims", "SELECT sum(proof <> 'none') || ' of '"
	    " || count(*) || ' (contested: ' || (SELECT count(*) FROM x_claim"
	    " c WHERE EXISTS (SELECT 1 FROM x_claim o WHERE o.handle ="
	    " c.handle AND o.id <> c.id)) || ' claims)' FROM x_claim");
	for (i = 0; i < (int)d->nm; i++)
		if (d->m[i].role == ROLE_IMPOSTOR)
			printf("  %-24s @%s, claimed by its owner (proven by "
			    "their archive) and by %s (unproven, suggested to "
			    "nobody)\n", "contested handle", d->m[i].x_handle,
			    d->m[i].account);
	figure(d, "edges", "SELECT count(*) || ' follow edges from ' ||"
	    " (SELECT count(*) FROM x_upload) || ' archives' FROM x_edge");
	figure(d, "matches", "SELECT count(*) || ' suggestions for ' ||"
	    " count(DISTINCT member_id) || ' members' FROM suggestion");
	figure(d, "countdown posts", "SELECT count(*) || ' (' || (SELECT"
	    " count(*) FROM scheduled_post WHERE kind = 'countdown' AND"
	    " state = 'skipped') || ' skipped)' FROM scheduled_post WHERE"
	    " kind = 'countdown' AND state = 'queued'");
	figure(d, "messages delivered", "SELECT count(*) || ' (' || (SELECT"
	    " group_concat(kind || ' ' || n, ', ') FROM (SELECT kind,"
	    " count(*) AS n FROM outbox WHERE state = 'sent' GROUP BY kind"
	    " ORDER BY kind)) || ')' FROM outbox WHERE state = 'sent'");
	printf("  %-24s %zu members, each list as the matches say, once\n",
	    "suggestions received", told);
	printf("  %-24s %lld (Mastodon %lld, Bluesky %lld)\n", "429s seen",
	    demo_peer_stat(d, &d->masto, "rate_limited") +
	    demo_peer_stat(d, &d->bsky, "rate_limited"),
	    demo_peer_stat(d, &d->masto, "rate_limited"),
	    demo_peer_stat(d, &d->bsky, "rate_limited"));
	printf("  %-24s cut once mid-registration; Mastodon streams opened"
	    " %lld times, Jetstream %lld\n", "streams",
	    demo_peer_stat(d, &d->masto, "stream_connects_total"),
	    demo_peer_stat(d, &d->bsky, "jetstream_connections"));
	printf("  %-24s %s\n", "rate limits", d->limits);
	printf("  %-24s %.1f s\n", "time taken", secs);

	printf("\n== three conversations, as the members read them\n");
	for (i = 0; i < 3; i++) {
		if (examples[i] == NULL)
			continue;
		if (examples[i]->network == NETWORK_MASTODON)
			conversation_mastodon(d, examples[i]);
		else
			conversation_bluesky(d, examples[i]);
	}
	if (d->keep)
		printf("\n  store: %s\n  log:   %s\n  (quitx stats -c %s)\n",
		    d->db, d->log, d->conf);
	else
		printf("\n  store and logs: %s, removed at exit (--keep keeps "
		    "them)\n", d->dir);
}
