/*
 * test-import: `quitx import population` and `quitx import archive`, as
 * the team runs them, on files from the project's generator: what they
 * print, what the store holds after, and that bad input changes nothing.
 */
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/xmalloc.h"

struct ifx {
	char	*dir, *conf, *db, *pop;
};

static long long
db_int(struct ifx *f, const char *sql)
{
	return tu_db_int(f->db, sql);
}

static int
setup(void **state)
{
	struct ifx	*f = xcalloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	f->db = xasprintf("%s/quitx.db", f->dir);
	tu_link_messages(f->dir);
	free(tu_write(f->dir, "token", 0600, "unused\n"));
	f->conf = tu_write(f->dir, "quitx.conf", 0644, "store = \"quitx.db\";\n"
	    "accounts = ( { network = \"mastodon\"; server ="
	    " \"https://m.example\"; handle = \"HelloQuitX\"; language = \"en\";"
	    " token_file = \"token\"; } );\n");
	f->pop = tu_gen_archive(f->dir, 30, 3, 3);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct ifx	*f = *state;

	tu_rmtree(f->dir);
	free(f->dir);
	free(f->conf);
	free(f->db);
	free(f->pop);
	free(f);
	return 0;
}

/* Lines of the generated population on Mastodon, on Bluesky, on both. */
static void
count_accounts(const char *tsv, long long *masto, long long *bsky)
{
	char	*s = tu_slurp(tsv), *line, *save = NULL, *f[4], *p;
	int	 i;

	assert_non_null(s);
	*masto = *bsky = 0;
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		for (i = 0, p = line; i < 4; i++) {
			f[i] = p;
			if ((p = strchr(p, '\t')) != NULL)
				*p++ = '\0';
			else
				p = line + strlen(line);
		}
		*masto += *f[2] != '\0';
		*bsky += *f[3] != '\0';
	}
	free(s);
}

static void
test_population(void **state)
{
	struct ifx	*f = *state;
	char		*tsv = xasprintf("%s/population.tsv", f->pop), *out, *err;
	long long	 masto, bsky;

	count_accounts(tsv, &masto, &bsky);
	assert_true(masto > 0 && bsky > 0);
	assert_int_equal(tu_quitx(&out, &err, "import", "population", "-c",
	    f->conf, tsv, NULL), 0);
	assert_non_null(strstr(out, "imported 30 people"));
	assert_int_equal(db_int(f, "SELECT count(*) FROM member WHERE"
	    " network = 'mastodon'"), masto);
	assert_int_equal(db_int(f, "SELECT count(*) FROM member WHERE"
	    " network = 'bluesky'"), bsky);
	assert_int_equal(db_int(f, "SELECT count(*) FROM x_claim WHERE"
	    " proof = 'import' AND x_id IS NOT NULL"), masto + bsky);
	free(out);
	free(err);
	/* again: nobody twice */
	assert_int_equal(tu_quitx(&out, &err, "import", "population", "-c",
	    f->conf, tsv, NULL), 0);
	assert_int_equal(db_int(f, "SELECT count(*) FROM member"),
	    masto + bsky);
	free(out);
	free(err);
	free(tsv);
}

/* One bad line anywhere: its line number, and nothing written. */
static void
test_population_bad(void **state)
{
	static const char *const bad[][2] = {
		{ "12a\tjack\tjack@m.example\t\n", "x_id must be a decimal" },
		{ "12345678901234567890\tjack\t\t\n", "at most 19 digits" },
		{ "99999999999999999999\tjack\t\t\n", "at most 19 digits" },
		{ "12\tjack!\t\t\n", "x_handle must be" },
		{ "12\tjack\tjack\t\n", "mastodon_acct must be user@server" },
		{ "12\tjack\t\tjack\n", "bluesky_handle must be a domain" },
		{ "12\tjack\n", "expected 4 tab-separated fields" },
	};
	struct ifx	*f = *state;
	char		*tsv, *out, *err;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tsv = tu_write(f->dir, "bad.tsv", 0644, "1\tann\tann@m.example"
		    "\t\n2\tbob\t\tbob.bsky.example\n%s", bad[i][0]);
		assert_int_equal(tu_quitx(&out, &err, "import", "population",
		    "-c", f->conf, tsv, NULL), 2);
		if (strstr(err, "bad.tsv:3: ") == NULL ||
		    strstr(err, bad[i][1]) == NULL)
			fail_msg("line %zu: want \"%s\", got: %s", i, bad[i][1],
			    err);
		assert_true(db_int(f, "SELECT count(*) FROM member") <= 0);
		free(out);
		free(err);
		free(tsv);
	}
}

static void
test_archive(void **state)
{
	struct ifx	*f = *state;
	char		*tsv, *dir, *zip, *out, *err, *bad, *acct;

	tsv = tu_write(f->dir, "one.tsv", 0644,
	    "1\tuser0000001\tjeanne@m.example\t\n");
	assert_int_equal(tu_quitx(NULL, NULL, "import", "population", "-c",
	    f->conf, tsv, NULL), 0);
	/* nobody of that name */
	assert_int_equal(tu_quitx(&out, &err, "import", "archive", "-c",
	    f->conf, "--member", "nobody@m.example", f->pop, NULL), 2);
	assert_non_null(strstr(err, "no member nobody@m.example"));
	free(out);
	free(err);
	/* the folder */
	dir = xasprintf("%s/archives/user0000001", f->pop);
	assert_int_equal(tu_quitx(&out, &err, "import", "archive", "-c",
	    f->conf, "--member", "jeanne@m.example", dir, NULL), 0);
	assert_non_null(strstr(out, "imported the archive of @user0000001"));
	assert_non_null(strstr(out, "for jeanne@m.example"));
	free(out);
	free(err);
	assert_true(db_int(f, "SELECT count(*) FROM x_edge") > 0);
	assert_int_equal(db_int(f, "SELECT count(*) FROM x_edge"),
	    db_int(f, "SELECT followers + following FROM x_upload"));
	/* the claim now carries the X id account.js proves */
	assert_int_equal(db_int(f, "SELECT count(*) FROM x_claim c JOIN"
	    " x_upload u ON u.member_id = c.member_id AND u.x_id = c.x_id"
	    " WHERE c.proof = 'import'"), 1);
	/* a damaged file: refused whole, the folder's upload stays */
	bad = tu_write(f->dir, "follower.js", 0644, "window.YTD.follower.part0"
	    " = [ { \"follower\" : { \"accountId\" : \"1");
	acct = xasprintf("%s/data/account.js", dir);
	assert_int_equal(tu_quitx(&out, &err, "import", "archive", "-c",
	    f->conf, "--member", "jeanne@m.example", bad, acct, NULL), 2);
	free(acct);
	assert_non_null(strstr(err, "nothing imported: follower.js: byte"));
	assert_int_equal(db_int(f, "SELECT count(*) FROM x_upload"), 1);
	free(out);
	free(err);
	/* the zip replaces the folder's upload */
	zip = xasprintf("%s/archives/user0000001.zip", f->pop);
	assert_int_equal(tu_quitx(&out, &err, "import", "archive", "-c",
	    f->conf, "--member", "@jeanne@m.example", zip, NULL), 0);
	assert_non_null(strstr(out, "it replaces their earlier upload"));
	assert_int_equal(db_int(f, "SELECT count(*) FROM x_upload"), 1);
	assert_int_equal(db_int(f, "SELECT count(*) FROM x_edge"),
	    db_int(f, "SELECT followers + following FROM x_upload"));
	free(out);
	free(err);
	free(tsv);
	free(dir);
	free(zip);
	free(bad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_population, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_population_bad, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_archive, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
