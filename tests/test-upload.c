/*
 * test-upload: a member gets their upload link from the bot (through the
 * local Mastodon peer), opens it and uploads their X archive with curl,
 * as a multipart form (the page's no-JavaScript path) and as a zip body.
 * Each test reads what the member sees (the status code and message) and
 * what the store keeps; bad uploads must change nothing and leave no
 * spooled bytes behind.  Archives come from the project's generator
 * ($QUITX_TOOLS/gen-archive).
 */
#include "fixture.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "quitx/xmalloc.h"

struct upfx {
	struct fixture	*fx;
	char		*pop;		/* the generated population */
	char		*url;		/* the member's upload link, local */
};

/*
 * from registers @handle and asks for nothing more: the bot answers
 * publicly and sends the link privately.  The link, on the daemon's
 * local port instead of the team's public origin.
 */
static char *
link_for(struct fixture *fx, const char *from, const char *handle,
    size_t before)
{
	json_t		*st;
	const char	*text, *u;
	char		 token[80], *msg;

	msg = xasprintf("register @%s", handle);
	free(fx_say(fx, FX_EN, from, msg));
	free(msg);
	st = fx_statuses(fx, before + 2);
	text = json_string_value(json_object_get(json_array_get(st,
	    before + 1), "text"));
	assert_non_null(text);
	u = strstr(text, "https://quitx.example.org/u/");
	assert_non_null(u);
	assert_int_equal(sscanf(u + 28, "%79[A-Za-z0-9_-]", token), 1);
	json_decref(st);
	return xasprintf("http://127.0.0.1:%d/u/%s", fx->port, token);
}

static int
setup(void **state)
{
	struct upfx	*u = xcalloc(1, sizeof(*u));

	u->fx = fx_start_mastodon("upload_max_mb = 2;");
	u->pop = tu_gen_archive(u->fx->dir, 60, 4, 7);
	u->url = link_for(u->fx, "marie@piaille.example", "user0000001", 0);
	*state = u;
	return 0;
}

static int
teardown(void **state)
{
	struct upfx	*u = *state;

	fx_destroy(u->fx);
	free(u->pop);
	free(u->url);
	free(u);
	return 0;
}

/* curl with args then url; the body, and the status code in *code. */
static char *
curl(const char *url, int *code, const char *const *args)
{
	const char	*argv[32];
	char		*out = NULL, *err = NULL, *nl;
	int		 n = 0;

	argv[n++] = "curl";
	argv[n++] = "-sS";
	argv[n++] = "-w";
	argv[n++] = "\n%{http_code}";
	while (*args != NULL && n < 30)
		argv[n++] = *args++;
	argv[n++] = url;
	argv[n] = NULL;
	if (tu_run(&out, &err, argv) != 0 || out == NULL)
		fail_msg("curl %s failed: %s", url, err != NULL ? err : "");
	free(err);
	nl = strrchr(out, '\n');
	assert_non_null(nl);
	*nl = '\0';
	*code = (int)strtol(nl + 1, NULL, 10);
	return out;
}

static char *
file_in(struct upfx *u, const char *handle, const char *name)
{
	return xasprintf("-Ffile=@%s/archives/%s/data/%s", u->pop, handle,
	    name);
}

/* How many entries a generated file has (its "accountId" lines). */
static long long
entries(struct upfx *u, const char *handle, const char *name)
{
	char		*path = xasprintf("%s/archives/%s/data/%s", u->pop,
			    handle, name), *s = tu_slurp(path), *p;
	long long	 n = 0;

	assert_non_null(s);
	for (p = s; (p = strstr(p, "\"accountId\"")) != NULL; p++)
		n++;
	free(s);
	free(path);
	return n;
}

/* Nothing spooled is left in uploads/ beside the store. */
static void
assert_spool_empty(struct fixture *fx)
{
	char		*dir = xasprintf("%s/uploads", fx->dir);
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	assert_int_equal(n, 0);
	free(dir);
}

/* The page a member opens: their language, their handle, a working form. */
static void
test_page(void **state)
{
	struct upfx	*u = *state;
	char		*body, *js, *url;
	int		 code;

	body = curl(u->url, &code, (const char *[]){ NULL });
	assert_int_equal(code, 200);
	assert_non_null(strstr(body, "<html lang=\"en\">"));
	assert_non_null(strstr(body, "@user0000001"));
	assert_null(strstr(body, "{{"));
	/* without JavaScript, this form alone uploads */
	assert_non_null(strstr(body, "method=\"post\""));
	assert_non_null(strstr(body, "multipart/form-data"));
	assert_non_null(strstr(body, "name=\"file\""));
	assert_non_null(strstr(body, "src=\"upload.js\""));
	url = xasprintf("http://127.0.0.1:%d/u/upload.js", u->fx->port);
	js = curl(url, &code, (const char *[]){ NULL });
	free(url);
	assert_int_equal(code, 200);
	assert_non_null(strstr(js, "DecompressionStream"));
	free(js);
	url = xasprintf("http://127.0.0.1:%d/u/upload.css", u->fx->port);
	js = curl(url, &code, (const char *[]){ NULL });
	free(url);
	assert_int_equal(code, 200);
	assert_non_null(strstr(js, "progress"));
	assert_non_null(strstr(body, "href=\"upload.css\""));
	free(js);
	/* the link is a secret: not in the log, even at debug level */
	js = tu_slurp(u->fx->log);
	assert_non_null(js);
	assert_non_null(strstr(js, "/u/<link>"));
	assert_null(strstr(js, strrchr(u->url, '/') + 1));
	free(js);
	free(body);
}

/* The no-JavaScript path: the three files as a form. */
static void
test_multipart(void **state)
{
	struct upfx	*u = *state;
	char		*body, *f1, *f2, *f3, *f4, *want, *tsv, *url;
	long long	 followers = entries(u, "user0000001", "follower.js");
	long long	 following = entries(u, "user0000001", "following.js");
	int		 code;

	f1 = file_in(u, "user0000001", "follower.js");
	f2 = file_in(u, "user0000001", "following.js");
	f3 = file_in(u, "user0000001", "account.js");
	f4 = file_in(u, "user0000001", "manifest.js");
	body = curl(u->url, &code, (const char *[]){ f1, f2, f3, f4, NULL });
	assert_int_equal(code, 200);
	want = xasprintf("Your X archive is in: @user0000001, %lld followers"
	    " and %lld accounts followed. Your X handle is now proven",
	    followers, following);
	if (strstr(body, want) == NULL)
		fail_msg("want \"%s\" in:\n%s", want, body);
	assert_int_equal(fx_db_int(u->fx, "SELECT count(*) FROM x_claim c"
	    " JOIN member m ON m.id = c.member_id WHERE"
	    " m.account = 'marie@piaille.example' AND c.proof = 'archive'"
	    " AND c.x_id = (SELECT x_id FROM x_upload)"), 1);
	assert_int_equal(fx_db_int(u->fx, "SELECT followers FROM x_upload"
	    " WHERE state = 'complete'"), followers);
	assert_int_equal(fx_db_int(u->fx, "SELECT count(*) FROM x_edge"),
	    followers + following);
	assert_spool_empty(u->fx);
	free(body);

	/*
	 * The team imports meanwhile, from another process: the daemon,
	 * with the worker's connection now open too, still reads the store.
	 * (test-store checks the locks behind this directly.)
	 */
	tsv = tu_write(u->fx->dir, "team.tsv", 0644,
	    "1\tann_x\tann@m.example\t\n");
	assert_int_equal(tu_quitx(NULL, NULL, "import", "population", "-c",
	    u->fx->conf, tsv, NULL), 0);
	free(tu_write(u->fx->dir, "team.tsv", 0644,
	    "2\tbob_x\tbob@m.example\t\n"));
	assert_int_equal(tu_quitx(NULL, NULL, "import", "population", "-c",
	    u->fx->conf, tsv, NULL), 0);
	url = xasprintf("http://127.0.0.1:%d/metrics", u->fx->port);
	body = curl(url, &code, (const char *[]){ NULL });
	free(url);
	free(tsv);
	assert_int_equal(code, 200);
	assert_non_null(strstr(body, "quitx_uploads 1"));
	free(want);
	free(body);
	free(f1);
	free(f2);
	free(f3);
	free(f4);
}

/* curl users: the zip as the body; a second upload replaces the first. */
static void
test_zip_body_replaces(void **state)
{
	struct upfx	*u = *state;
	char		*body, *zip, *f1, *f3;
	long long	 followers = entries(u, "user0000001", "follower.js");
	long long	 following = entries(u, "user0000001", "following.js");
	int		 code;

	f1 = file_in(u, "user0000001", "follower.js");
	f3 = file_in(u, "user0000001", "account.js");
	free(curl(u->url, &code, (const char *[]){ f1, f3, NULL }));
	assert_int_equal(code, 200);
	assert_int_equal(fx_db_int(u->fx, "SELECT count(*) FROM x_edge"),
	    followers);
	zip = xasprintf("@%s/archives/user0000001.zip", u->pop);
	body = curl(u->url, &code, (const char *[]){ "-H",
	    "Accept: application/json", "-H", "Content-Type: application/zip",
	    "--data-binary", zip, NULL });
	assert_int_equal(code, 200);
	assert_non_null(strstr(body, "\"ok\":true"));
	assert_non_null(strstr(body, "\"x_handle\":\"user0000001\""));
	assert_non_null(strstr(body, "\"verified\":true"));
	/* one complete upload, with both files' edges; the old one is gone */
	assert_int_equal(fx_db_int(u->fx, "SELECT count(*) FROM x_upload"), 1);
	assert_int_equal(fx_db_int(u->fx, "SELECT count(*) FROM x_edge"),
	    followers + following);
	/* and the zip as a form part works the same */
	free(body);
	free(f1);
	f1 = xasprintf("-Ffile=@%s", zip + 1);
	body = curl(u->url, &code, (const char *[]){ f1, NULL });
	assert_int_equal(code, 200);
	assert_non_null(strstr(body, "Your X archive is in"));
	assert_int_equal(fx_db_int(u->fx, "SELECT count(*) FROM x_upload"), 1);
	assert_spool_empty(u->fx);
	free(body);
	free(zip);
	free(f1);
	free(f3);
}

/* The archive of another handle than the member claimed. */
static void
test_mismatch(void **state)
{
	struct upfx	*u = *state;
	char		*body, *f1, *f3;
	int		 code;

	/* first her own archive, which proves her claim */
	f1 = file_in(u, "user0000001", "follower.js");
	f3 = file_in(u, "user0000001", "account.js");
	free(curl(u->url, &code, (const char *[]){ f1, f3, NULL }));
	assert_int_equal(code, 200);
	free(f1);
	free(f3);
	f1 = file_in(u, "user0000002", "follower.js");
	f3 = file_in(u, "user0000002", "account.js");
	body = curl(u->url, &code, (const char *[]){ f1, f3, NULL });
	assert_int_equal(code, 200);
	if (strstr(body, "it is the archive of @user0000002, and you"
	    " registered @user0000001") == NULL)
		fail_msg("no mismatch told:\n%s", body);
	/*
	 * The claim stays as it was, proven by her own archive, whose
	 * edges stay too; the other archive is kept for what it proves.
	 */
	assert_int_equal(fx_db_int(u->fx, "SELECT count(*) FROM x_claim c"
	    " JOIN x_upload u ON u.x_id = c.x_id AND u.state = 'complete'"
	    " WHERE c.handle = 'user0000001' AND c.proof = 'archive'"
	    " AND u.x_handle = 'user0000001'"), 1);
	assert_int_equal(fx_db_int(u->fx, "SELECT count(*) FROM x_upload"
	    " WHERE x_handle = 'user0000002' AND state = 'complete'"), 1);
	assert_int_equal(fx_db_int(u->fx, "SELECT count(*) FROM x_edge"),
	    fx_db_int(u->fx, "SELECT sum(followers + following)"
	    " FROM x_upload WHERE state = 'complete'"));
	free(body);
	free(f1);
	free(f3);
}

/* A file in dir with the given content; "-Ffile=@PATH;filename=NAME". */
static char *
bad_file(struct upfx *u, const char *name, const char *content, size_t len)
{
	char	*path = xasprintf("%s/bad-%s", u->fx->dir, name), *arg;
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	fclose(f);
	arg = xasprintf("-Ffile=@%s;filename=%s", path, name);
	free(path);
	return arg;
}

/* A zip of (name, content) pairs, encrypted when password is set. */
static char *
make_zip(struct upfx *u, const char *zipname, const char *const *entries_,
    const char *password)
{
	char		*path = xasprintf("%s/%s", u->fx->dir, zipname);
	zip_t		*z;
	zip_source_t	*src;
	zip_int64_t	 idx;
	int		 err;

	assert_non_null(z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err));
	for (; entries_[0] != NULL; entries_ += 2) {
		src = zip_source_buffer(z, entries_[1], strlen(entries_[1]), 0);
		assert_non_null(src);
		assert_true((idx = zip_file_add(z, entries_[0], src,
		    ZIP_FL_ENC_UTF_8)) >= 0);
		if (password != NULL)
			assert_int_equal(zip_file_set_encryption(z,
			    (zip_uint64_t)idx, ZIP_EM_AES_256, password), 0);
	}
	assert_int_equal(zip_close(z), 0);
	return path;
}

#define ACCOUNT_JS \
	"window.YTD.account.part0 = [ { \"account\" : { \"username\" :" \
	" \"user0000001\", \"accountId\" : \"107919\" } } ]"

static void
expect_refused(struct upfx *u, const char *arg, const char *arg2, int want,
    const char *says)
{
	char	*body;
	int	 code;

	body = curl(u->url, &code, (const char *[]){ arg, arg2, NULL });
	if (code != want || strstr(body, says) == NULL)
		fail_msg("want %d \"%s\", got %d:\n%s", want, says, code, body);
	assert_spool_empty(u->fx);
	free(body);
}

/* Every kind of bad upload: a clear message, and nothing changes. */
static void
test_bad_uploads(void **state)
{
	struct upfx	*u = *state;
	char		*good[2], *acct, *zip, *big, *arg, *body;
	int		 code;
	size_t		 i;
	static const char truncated[] = "window.YTD.follower.part0 = [ {"
	    " \"follower\" : { \"accountId\" : \"12\" } }, { \"follower\"";
	static const char letters[] = "window.YTD.follower.part0 = [ {"
	    " \"follower\" : { \"accountId\" : \"12a4\" } } ]";
	static const char too_long[] = "window.YTD.follower.part0 = [ {"
	    " \"follower\" : { \"accountId\" : \"12345678901234567890\" } } ]";
	static const char prefix[] = "window.YTD.tweets.part0 = [ ]";
	static const char latin1[] = "window.YTD.follower.part0 = [ {"
	    " \"follower\" : { \"accountId\" : \"12\", \"userLink\" :"
	    " \"caf\xe9\" } } ]";

	/* first a good upload, which every bad one must leave alone */
	good[0] = file_in(u, "user0000001", "follower.js");
	good[1] = file_in(u, "user0000001", "account.js");
	free(curl(u->url, &code, (const char *[]){ good[0], good[1], NULL }));
	assert_int_equal(code, 200);
	acct = bad_file(u, "account.js", ACCOUNT_JS, strlen(ACCOUNT_JS));

	arg = bad_file(u, "follower.js", truncated, sizeof(truncated) - 1);
	expect_refused(u, arg, acct, 422, "is damaged or was changed");
	free(arg);
	arg = bad_file(u, "follower.js", letters, sizeof(letters) - 1);
	expect_refused(u, arg, acct, 422, "is damaged or was changed");
	free(arg);
	arg = bad_file(u, "follower.js", too_long, sizeof(too_long) - 1);
	expect_refused(u, arg, acct, 422, "is damaged or was changed");
	free(arg);
	arg = bad_file(u, "follower.js", prefix, sizeof(prefix) - 1);
	expect_refused(u, arg, acct, 422, "is damaged or was changed");
	free(arg);
	arg = bad_file(u, "follower.js", latin1, sizeof(latin1) - 1);
	expect_refused(u, arg, acct, 422, "invalid UTF-8");
	free(arg);
	arg = bad_file(u, "photo.jpg", "\xff\xd8\xff\xe0 JFIF", 10);
	expect_refused(u, arg, acct, 422, "is not a file of an X archive");
	free(arg);
	/* a name that is not UTF-8 comes back escaped, even in JSON */
	arg = bad_file(u, "photo\xff.js", "\xff\xd8\xff\xe0 JFIF", 10);
	body = curl(u->url, &code, (const char *[]){ "-H",
	    "Accept: application/json", arg, acct, NULL });
	assert_int_equal(code, 422);
	assert_non_null(strstr(body, "photo\\\\xff.js"));
	free(body);
	free(arg);
	arg = bad_file(u, "follower.js", letters, sizeof(letters) - 1);
	expect_refused(u, arg, NULL, 422, "is damaged");
	free(arg);

	zip = make_zip(u, "evil.zip", (const char *[]){ "data/account.js",
	    ACCOUNT_JS, "../data/follower.js", letters, NULL, NULL }, NULL);
	arg = xasprintf("-Ffile=@%s", zip);
	expect_refused(u, arg, NULL, 422, "unsafe file name");
	free(arg);
	free(zip);
	if (zip_encryption_method_supported(ZIP_EM_AES_256, 1)) {
		zip = make_zip(u, "locked.zip", (const char *[]){
		    "data/account.js", ACCOUNT_JS, NULL, NULL }, "secret");
		arg = xasprintf("-Ffile=@%s", zip);
		expect_refused(u, arg, NULL, 422, "encrypted");
		free(arg);
		free(zip);
	}
	/* a bomb: 1 MB of one byte inflates from a few hundred bytes */
	big = xmalloc(1 << 20);
	memset(big, ' ', 1 << 20);
	big[(1 << 20) - 1] = '\0';
	zip = make_zip(u, "bomb.zip", (const char *[]){ "data/account.js",
	    ACCOUNT_JS, "data/follower.js", big, NULL, NULL }, NULL);
	arg = xasprintf("-Ffile=@%s", zip);
	expect_refused(u, arg, NULL, 422, "zip bomb");
	free(arg);
	free(zip);
	free(big);

	/* over upload_max_mb (2 here): refused before it is read */
	big = xasprintf("%s/big.bin", u->fx->dir);
	{
		FILE	*f = fopen(big, "w");

		assert_non_null(f);
		for (i = 0; i < 3 << 20; i++)
			fputc('x', f);
		fclose(f);
	}
	arg = xasprintf("-Ffile=@%s;filename=follower.js", big);
	body = curl(u->url, &code, (const char *[]){ "-H",
	    "Accept: application/json", arg, NULL });
	assert_int_equal(code, 413);
	assert_non_null(strstr(body, "over the 2 MB limit"));
	assert_spool_empty(u->fx);
	free(body);
	free(arg);
	free(big);

	/* not a form, not a zip */
	body = curl(u->url, &code, (const char *[]){ "-H",
	    "Content-Type: text/plain", "--data-binary", "hello", NULL });
	assert_int_equal(code, 415);
	free(body);

	/* the first upload is still the member's, whole */
	assert_int_equal(fx_db_int(u->fx, "SELECT count(*) FROM x_upload"), 1);
	assert_int_equal(fx_db_int(u->fx, "SELECT count(*) FROM x_edge"),
	    entries(u, "user0000001", "follower.js"));
	free(good[0]);
	free(good[1]);
	free(acct);
}

/* A link nobody has, and an expired one: a clear page, nothing stored. */
static void
test_bad_links(void **state)
{
	struct upfx	*u = *state;
	char		*body, *url, *f1, *f3;
	int		 code;

	url = xasprintf("http://127.0.0.1:%d/u/"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", u->fx->port);
	body = curl(url, &code, (const char *[]){ NULL });
	assert_int_equal(code, 404);
	assert_non_null(strstr(body, "This upload link is not valid."));
	assert_non_null(strstr(body, "Ce lien d&#39;envoi n&#39;est pas"));
	free(body);
	f1 = file_in(u, "user0000001", "follower.js");
	f3 = file_in(u, "user0000001", "account.js");
	body = curl(url, &code, (const char *[]){ f1, f3, NULL });
	assert_int_equal(code, 404);
	free(body);
	free(url);

	fx_db_exec(u->fx, "UPDATE upload_token SET expires_at = 1");
	body = curl(u->url, &code, (const char *[]){ NULL });
	assert_int_equal(code, 410);
	assert_non_null(strstr(body, "This upload link has expired."));
	free(body);
	body = curl(u->url, &code, (const char *[]){ f1, f3, NULL });
	assert_int_equal(code, 410);
	free(body);
	assert_int_equal(fx_db_int(u->fx, "SELECT count(*) FROM x_upload"), 0);
	assert_spool_empty(u->fx);
	free(f1);
	free(f3);
}

/*
 * The page in headless Chromium (Debian's, driven by playwright-core):
 * pick the zip, see what the page found in it, send, read the answer.
 */
static void
test_browser(void **state)
{
	struct upfx	*u = *state;
	const char	*dir = getenv("QUITX_BROWSER");
	char		*script, *zip, *out = NULL, *err = NULL, *want;
	long long	 followers = entries(u, "user0000001", "follower.js");
	long long	 following = entries(u, "user0000001", "following.js");
	json_t		*res;
	int		 rc;

	if (dir == NULL) {
		print_message("QUITX_BROWSER is not set (make check sets it)\n");
		skip();
	}
	script = xasprintf("%s/upload-page.mjs", dir);
	zip = xasprintf("%s/archives/user0000001.zip", u->pop);
	rc = tu_run(&out, &err, (const char *[]){ "node", script, u->url, zip,
	    NULL });
	if (rc != 0 || (res = json_loads(out, 0, NULL)) == NULL)
		fail_msg("upload-page.mjs exited %d: %s%s", rc, out, err);
	/* what the page read out of the zip, before sending */
	want = xasprintf("@user0000001: %lld followers and %lld", followers,
	    following);
	if (strstr(json_string_value(json_object_get(res, "counts_text")),
	    want) == NULL)
		fail_msg("want \"%s\" in \"%s\"", want,
		    json_string_value(json_object_get(res, "counts_text")));
	assert_true(json_is_true(json_object_get(res, "ok")));
	assert_true(json_is_true(json_object_get(res, "progress_seen")));
	assert_non_null(strstr(json_string_value(json_object_get(res,
	    "message")), "Your X archive is in: @user0000001"));
	/* and the store has them, the claim proven */
	assert_int_equal(fx_db_int(u->fx, "SELECT count(*) FROM x_edge"),
	    followers + following);
	assert_int_equal(fx_db_int(u->fx, "SELECT count(*) FROM x_claim"
	    " WHERE handle = 'user0000001' AND proof = 'archive'"), 1);
	assert_spool_empty(u->fx);
	json_decref(res);
	free(want);
	free(out);
	free(err);
	free(zip);
	free(script);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multipart, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zip_body_replaces, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_uploads, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_links, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_browser, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
