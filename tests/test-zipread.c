/*
 * test-zipread: X archive zips as members upload them, and every kind of
 * zip the reader must refuse, each with the words the member would see.
 *
 * The zips are written here with libzip's own writing API into memory,
 * then some are patched byte by byte (a lying size, a flag, a method),
 * because a real zip tool would never write them.
 */
#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>

#include "quitx/archive.h"
#include "quitx/zipread.h"
#include "quitx/xmalloc.h"

#define NOT_ZIP		"this is not a zip file (or it is damaged)"

struct zent {
	const char	*name;
	const void	*data;
	size_t		 len;
	int32_t		 method;	/* ZIP_CM_STORE or _DEFLATE */
	uint16_t	 em;		/* ZIP_EM_NONE or how to encrypt */
};

/* A zip of the entries, in that order, built in memory by libzip. */
static unsigned char *
zbuild(const struct zent *e, size_t n, size_t *lenp)
{
	zip_error_t	 ze;
	zip_source_t	*src, *fs;
	zip_t		*za;
	zip_stat_t	 st;
	zip_int64_t	 idx;
	unsigned char	*buf;
	size_t		 i;

	zip_error_init(&ze);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	assert_non_null(src);
	za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	assert_non_null(za);
	for (i = 0; i < n; i++) {
		fs = zip_source_buffer(za, e[i].data, e[i].len, 0);
		assert_non_null(fs);
		idx = zip_file_add(za, e[i].name, fs, 0);
		assert_true(idx >= 0);
		assert_int_equal(zip_set_file_compression(za, (zip_uint64_t)idx,
		    e[i].method, 0), 0);
		if (e[i].em != ZIP_EM_NONE)
			assert_int_equal(zip_file_set_encryption(za,
			    (zip_uint64_t)idx, e[i].em, "secret"), 0);
	}
	zip_source_keep(src);
	if (zip_close(za) != 0)
		fail_msg("zip_close: %s", zip_strerror(za));
	assert_int_equal(zip_source_open(src), 0);
	zip_stat_init(&st);
	assert_int_equal(zip_source_stat(src, &st), 0);
	assert_true(st.valid & ZIP_STAT_SIZE);
	buf = xmalloc(st.size);
	assert_true(zip_source_read(src, buf, st.size) == (zip_int64_t)st.size);
	zip_source_close(src);
	zip_source_free(src);
	*lenp = st.size;
	zip_error_fini(&ze);
	return buf;
}

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void
put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

/*
 * The central directory header (*cen) and the local header (*loc) of the
 * entry called name, as offsets into the zip.
 */
static void
zfind(const unsigned char *buf, size_t len, const char *name, size_t *cen,
    size_t *loc)
{
	size_t	i, nl = strlen(name);

	for (i = 0; i + 46 <= len; i++) {
		if (memcmp(buf + i, "PK\1\2", 4) != 0 ||
		    get16(buf + i + 28) != nl || i + 46 + nl > len ||
		    memcmp(buf + i + 46, name, nl) != 0)
			continue;
		*cen = i;
		*loc = get32(buf + i + 42);
		assert_true(*loc + 30 <= len);
		assert_memory_equal(buf + *loc, "PK\3\4", 4);
		return;
	}
	fail_msg("no entry %s in the zip", name);
}

/* Set a field of both headers (offsets in the central header). */
enum { F_FLAGS = 8, F_METHOD = 10, F_COMP = 20, F_SIZE = 24 };

static void
zpatch(unsigned char *buf, size_t len, const char *name, int field,
    uint32_t v)
{
	size_t	cen, loc;

	zfind(buf, len, name, &cen, &loc);
	/* the local header is the central one less "version made by" */
	if (field == F_FLAGS || field == F_METHOD) {
		put16(buf + cen + field, (uint16_t)v);
		put16(buf + loc + field - 2, (uint16_t)v);
	} else {
		put32(buf + cen + field, v);
		put32(buf + loc + field - 2, v);
	}
}

/* The compression method libzip wrote for name (checks the fixtures). */
static int
zmethod(const unsigned char *buf, size_t len, const char *name)
{
	size_t	cen, loc;

	zfind(buf, len, name, &cen, &loc);
	return get16(buf + cen + F_METHOD);
}

/* A follower or following file of n entries, as X writes it. */
static char *
gen_edges(const char *type, int part, size_t n, size_t *lenp)
{
	char	*buf = NULL, *line;
	size_t	 len = 0, cap = 0, i, ll;

	for (i = 0; i <= n + 1; i++) {
		if (i == 0)
			line = xasprintf("window.YTD.%s.part%d = [\n", type,
			    part);
		else if (i == n + 1)
			line = xstrdup("]");
		else
			line = xasprintf("{\n  \"%s\" : {\n    \"accountId\" : "
			    "\"%" PRIu64 "\",\n    \"userLink\" : \"https://"
			    "twitter.com/intent/user?user_id=%" PRIu64 "\"\n"
			    "  }\n}%s\n", type, (uint64_t)i * 7919 + 1000,
			    (uint64_t)i * 7919 + 1000, i < n ? "," : "");
		ll = strlen(line);
		if (cap - len < ll + 1) {
			cap = cap * 2 + ll + 1;
			buf = xreallocarray(buf, cap, 1);
		}
		memcpy(buf + len, line, ll + 1);
		len += ll;
		free(line);
	}
	*lenp = len;
	return buf;
}

/* Bytes that do not compress: a photo, say. */
static unsigned char *
gen_noise(size_t n, unsigned seed)
{
	unsigned char	*b = xmalloc(n);
	size_t		 i;

	srand(seed);
	for (i = 0; i < n; i++)
		b[i] = (unsigned char)rand();
	return b;
}

static const char manifest[] =
    "window.__THAR_CONFIG = {\n  \"userInfo\" : {\n    \"accountId\" : "
    "\"12345\",\n    \"userName\" : \"someone\"\n  }\n}";
static const char account[] =
    "window.YTD.account.part0 = [\n{\n  \"account\" : {\n    \"username\""
    " : \"someone\",\n    \"accountId\" : \"12345\"\n  }\n}\n]";

/* The good archive: entries and which of them come out, in order. */
struct good {
	struct zent	 e[10];
	size_t		 n;
	int		 wanted[10];
	char		*follower, *following, *part1;
	unsigned char	*photo, *video;
	unsigned char	*zip;
	size_t		 ziplen;
};

static void
good_build(struct good *g)
{
	size_t	fl, gl, pl;

	memset(g, 0, sizeof(*g));
	g->follower = gen_edges("follower", 0, 3000, &fl);
	g->following = gen_edges("following", 0, 40, &gl);
	g->part1 = gen_edges("follower", 1, 500, &pl);
	g->photo = gen_noise(20000, 1);
	g->video = gen_noise(5000, 2);
#define ADD(nm, d, l, m, w) do {					\
	g->e[g->n] = (struct zent){ nm, d, l, m, ZIP_EM_NONE };		\
	g->wanted[g->n++] = w;						\
} while (0)
	ADD("data/manifest.js", manifest, strlen(manifest), ZIP_CM_DEFLATE, 1);
	ADD("data/tweets_media/1-photo.jpg", g->photo, 20000, ZIP_CM_STORE, 0);
	ADD("data/account.js", account, strlen(account), ZIP_CM_STORE, 1);
	ADD("data/follower.js", g->follower, fl, ZIP_CM_DEFLATE, 1);
	ADD("data/tweets.js", "window.YTD.tweets.part0 = []", 28,
	    ZIP_CM_DEFLATE, 0);
	ADD("data/following.js", g->following, gl, ZIP_CM_STORE, 1);
	ADD("data/follower.js.bak", "x", 1, ZIP_CM_STORE, 0);
	ADD("data/follower-part1.js", g->part1, pl, ZIP_CM_DEFLATE, 1);
	ADD("Your archive.html", "<html></html>", 13, ZIP_CM_DEFLATE, 0);
	ADD("data/tweets_media/2-video.mp4", g->video, 5000, ZIP_CM_DEFLATE, 0);
#undef ADD
	g->zip = zbuild(g->e, g->n, &g->ziplen);
	/* the fixture holds both methods where it says */
	assert_int_equal(zmethod(g->zip, g->ziplen, "data/follower.js"),
	    ZIP_CM_DEFLATE);
	assert_int_equal(zmethod(g->zip, g->ziplen, "data/account.js"),
	    ZIP_CM_STORE);
}

static void
good_free(struct good *g)
{
	free(g->follower);
	free(g->following);
	free(g->part1);
	free(g->photo);
	free(g->video);
	free(g->zip);
}

/* Read the current entry whole in chunks of chunk bytes. */
static unsigned char *
read_entry(struct zipread *z, size_t chunk, size_t *lenp)
{
	unsigned char	*buf = NULL;
	size_t		 len = 0, cap = 0;
	ssize_t		 n;

	for (;;) {
		if (cap - len < chunk) {
			cap = cap * 2 + chunk;
			buf = xreallocarray(buf, cap, 1);
		}
		n = zipread_read(z, buf + len, chunk);
		if (n == -1)
			fail_msg("zipread_read: %s", zipread_error(z));
		if (n == 0)
			break;
		assert_true((size_t)n <= chunk);
		len += (size_t)n;
	}
	/* the end stays the end */
	assert_int_equal(zipread_read(z, buf, chunk), 0);
	*lenp = len;
	return buf;
}

/* All wanted entries come out, in order, with their bytes. */
static void
check_good(struct zipread *z, const struct good *g)
{
	const char	*name;
	unsigned char	*data;
	size_t		 i, len, chunk = 1;

	assert_int_equal(zipread_count(z), 5);
	for (i = 0; i < g->n; i++) {
		if (!g->wanted[i])
			continue;
		assert_int_equal(zipread_next(z, &name), 1);
		assert_string_equal(name, g->e[i].name);
		data = read_entry(z, chunk, &len);
		assert_int_equal(len, g->e[i].len);
		assert_memory_equal(data, g->e[i].data, len);
		free(data);
		chunk = chunk * 7 + 3;
	}
	assert_int_equal(zipread_next(z, &name), 0);
	assert_null(name);
	assert_int_equal(zipread_next(z, &name), 0);
	assert_null(zipread_error(z));
}

static void
test_good_buffer(void **state)
{
	struct good	 g;
	struct zipread	*z;
	char		 err[256];

	(void)state;
	good_build(&g);
	err[0] = 'x';
	assert_int_equal(zipread_open_buffer(g.zip, g.ziplen, NULL, &z, err,
	    sizeof(err)), 0);
	assert_string_equal(err, "");
	check_good(z, &g);
	zipread_close(z);
	good_free(&g);
}

static char *
write_zip(const char *dir, const char *name, const void *buf, size_t len)
{
	char	*path = xasprintf("%s/%s", dir, name);
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		fail_msg("cannot write %s", path);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void
test_good_file(void **state)
{
	struct zipread_limits	 l;
	struct good		 g;
	struct zipread		*z;
	const char		*name;
	unsigned char		 buf[64];
	char			*dir, *path, err[256];
	size_t			 len;
	unsigned char		*data;

	(void)state;
	good_build(&g);
	dir = tu_tmpdir();
	path = write_zip(dir, "twitter-2024-01-01.zip", g.zip, g.ziplen);
	zipread_limits_default(&l);
	assert_int_equal(zipread_open(path, &l, &z, err, sizeof(err)), 0);
	check_good(z, &g);
	zipread_close(z);

	/* entries left half-read or unread are simply left */
	assert_int_equal(zipread_open(path, &l, &z, err, sizeof(err)), 0);
	assert_int_equal(zipread_next(z, &name), 1);
	assert_string_equal(name, "data/manifest.js");
	assert_int_equal(zipread_next(z, &name), 1);
	assert_string_equal(name, "data/account.js");
	assert_int_equal(zipread_read(z, buf, 10), 10);
	assert_memory_equal(buf, account, 10);
	assert_int_equal(zipread_next(z, &name), 1);
	assert_string_equal(name, "data/follower.js");
	assert_true(zipread_read(z, buf, sizeof(buf)) > 0);
	assert_int_equal(zipread_next(z, &name), 1);
	assert_int_equal(zipread_next(z, &name), 1);
	assert_string_equal(name, "data/follower-part1.js");
	data = read_entry(z, 4096, &len);
	assert_int_equal(len, strlen(g.part1));
	assert_memory_equal(data, g.part1, len);
	free(data);
	assert_int_equal(zipread_next(z, &name), 0);
	assert_null(zipread_error(z));
	zipread_close(z);

	/* the file must not be touched */
	data = (unsigned char *)tu_slurp(path);
	assert_non_null(data);
	assert_memory_equal(data, g.zip, g.ziplen);
	free(data);

	free(path);
	tu_rmtree(dir);
	free(dir);
	good_free(&g);
}

/* Opening buf must fail, with want in the error. */
static void
assert_refused(const void *buf, size_t len, const struct zipread_limits *l,
    const char *want)
{
	struct zipread	*z = (struct zipread *)1;
	char		 err[512];
	const char	*p;

	memset(err, 'x', sizeof(err));
	if (zipread_open_buffer(buf, len, l, &z, err, sizeof(err)) == 0) {
		zipread_close(z);
		fail_msg("zip of %zu bytes opened, wanted \"%s\"", len, want);
	}
	assert_null(z);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\", wanted \"%s\"", err, want);
	for (p = err; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p <= 0x7e);
}

/* Opening buf must work and give count wanted entries. */
static void
assert_opens(const void *buf, size_t len, const struct zipread_limits *l,
    size_t count)
{
	struct zipread	*z;
	char		 err[512];

	if (zipread_open_buffer(buf, len, l, &z, err, sizeof(err)) == -1)
		fail_msg("refused: %s", err);
	assert_int_equal(zipread_count(z), count);
	zipread_close(z);
}

/* A zip of one wanted entry and one entry called name. */
static void
check_name(const char *name, const char *want)
{
	struct zent	 e[2] = {
		{ "data/account.js", account, sizeof(account) - 1,
		    ZIP_CM_STORE, ZIP_EM_NONE },
		{ name, "x", 1, ZIP_CM_STORE, ZIP_EM_NONE },
	};
	unsigned char	*zip;
	size_t		 len;

	zip = zbuild(e, 2, &len);
	if (want != NULL)
		assert_refused(zip, len, NULL, want);
	else
		assert_opens(zip, len, NULL,
		    1 + (archive_file_kind(name) != ARCHIVE_FILE_NONE));
	free(zip);
}

static void
test_unsafe_names(void **state)
{
	(void)state;
	check_name("../evil.js",
	    "the zip holds an unsafe file name: \"../evil.js\"");
	check_name("data/../../follower.js",
	    "the zip holds an unsafe file name: \"data/../../follower.js\"");
	check_name("data/..", "unsafe file name: \"data/..\"");
	check_name("..", "unsafe file name: \"..\"");
	check_name("/etc/passwd", "unsafe file name: \"/etc/passwd\"");
	check_name("/data/follower.js",
	    "unsafe file name: \"/data/follower.js\"");
	check_name("data\\follower.js",
	    "unsafe file name: \"data\\\\follower.js\"");
	check_name("..\\evil.js", "unsafe file name: \"..\\\\evil.js\"");
	/* dots that are not a ".." component are fine */
	check_name("data/..follower/x.jpg", NULL);
	check_name("data/a..b/follower.js", NULL);
	check_name("data/.../x", NULL);
	check_name("./data/x", NULL);
}

static void
test_encrypted(void **state)
{
	struct zent	 e[2] = {
		{ "data/account.js", account, sizeof(account) - 1,
		    ZIP_CM_STORE, ZIP_EM_NONE },
		{ "data/follower.js", manifest, sizeof(manifest) - 1,
		    ZIP_CM_DEFLATE, ZIP_EM_NONE },
	};
	const uint16_t	 ems[] = { ZIP_EM_AES_256, ZIP_EM_AES_128,
	    ZIP_EM_TRAD_PKWARE };
	unsigned char	*zip;
	size_t		 len, i, tried = 0;

	(void)state;
	for (i = 0; i < sizeof(ems) / sizeof(ems[0]); i++) {
		if (!zip_encryption_method_supported(ems[i], 1))
			continue;
		tried++;
		e[1].em = ems[i];
		zip = zbuild(e, 2, &len);
		assert_refused(zip, len, NULL, "the zip is encrypted: "
		    "\"data/follower.js\"");
		free(zip);

		/* an encrypted photo is none of our business */
		e[1].name = "data/tweets_media/x.jpg";
		zip = zbuild(e, 2, &len);
		assert_opens(zip, len, NULL, 1);
		free(zip);
		e[1].name = "data/follower.js";
	}
	/* Debian's libzip 1.7.3 encrypts; a build without crypto may not */
	if (tried == 0)
		print_message("# no encryption in this libzip: flag only\n");

	/* general purpose flag bit 0 set by hand on a stored entry */
	e[1].em = ZIP_EM_NONE;
	e[1].method = ZIP_CM_STORE;
	zip = zbuild(e, 2, &len);
	assert_opens(zip, len, NULL, 2);
	zpatch(zip, len, "data/follower.js", F_FLAGS, 1);
	assert_refused(zip, len, NULL,
	    "the zip is encrypted: \"data/follower.js\"");
	free(zip);
}

static void
test_method(void **state)
{
	struct zent	 e[2] = {
		{ "data/account.js", account, sizeof(account) - 1,
		    ZIP_CM_STORE, ZIP_EM_NONE },
		{ "data/tweets_media/x.jpg", "jpeg", 4, ZIP_CM_STORE,
		    ZIP_EM_NONE },
	};
	unsigned char	*zip;
	size_t		 len;

	(void)state;
	zip = zbuild(e, 2, &len);
	/* bzip2 (12) on a photo: not read, so not checked */
	zpatch(zip, len, "data/tweets_media/x.jpg", F_METHOD, 12);
	assert_opens(zip, len, NULL, 1);
	/* on a wanted entry: refused before anything is read */
	zpatch(zip, len, "data/account.js", F_METHOD, 12);
	assert_refused(zip, len, NULL, "the zip uses a compression method "
	    "quitx cannot read (method 12 for \"data/account.js\")");
	zpatch(zip, len, "data/account.js", F_METHOD, 14);
	assert_refused(zip, len, NULL, "(method 14 for \"data/account.js\")");
	free(zip);
}

static void
test_bomb_ratio(void **state)
{
	const size_t	 big = (size_t)200 << 20;
	struct zent	 e[1] = {
		{ "data/follower.js", NULL, big, ZIP_CM_DEFLATE, ZIP_EM_NONE },
	};
	unsigned char	*zeros, *zip;
	size_t		 len;

	(void)state;
	zeros = xcalloc(1, big);
	e[0].data = zeros;
	zip = zbuild(e, 1, &len);
	free(zeros);
	assert_true(len < big / 100);
	/* refused at open, from the central directory: nothing inflated */
	assert_refused(zip, len, NULL, "the zip looks like a zip bomb: "
	    "\"data/follower.js\" is compressed more than 100 times");
	free(zip);
}

static void
test_bomb_limits(void **state)
{
	struct zipread_limits	 l;
	unsigned char		 kb[1001], *zip, *zeros;
	struct zent		 e[5];
	const char		*names[] = { "data/follower.js",
				    "data/follower-part1.js",
				    "data/follower-part2.js",
				    "data/following.js", "data/x.mp4" };
	size_t			 len, i;

	(void)state;
	memset(kb, 'a', sizeof(kb));
	for (i = 0; i < 5; i++)
		e[i] = (struct zent){ names[i], kb, 1000, ZIP_CM_STORE,
		    ZIP_EM_NONE };

	/* one entry over max_entry; at max_entry exactly is fine */
	zipread_limits_default(&l);
	l.max_entry = 1000;
	zip = zbuild(e, 4, &len);
	assert_opens(zip, len, &l, 4);
	free(zip);
	e[1].len = 1001;
	zip = zbuild(e, 4, &len);
	assert_refused(zip, len, &l, "the zip looks like a zip bomb: "
	    "\"data/follower-part1.js\" would unpack to 1001 bytes, more than "
	    "1000");
	free(zip);
	e[1].len = 1000;

	/* the sum over max_total */
	zipread_limits_default(&l);
	l.max_total = 4000;
	zip = zbuild(e, 5, &len);
	assert_opens(zip, len, &l, 4);
	l.max_total = 3999;
	assert_refused(zip, len, &l, "the zip looks like a zip bomb: its "
	    "account, follower and following files would unpack to more than "
	    "3999 bytes");

	/* more wanted entries than max_wanted */
	zipread_limits_default(&l);
	l.max_wanted = 4;
	assert_opens(zip, len, &l, 4);
	l.max_wanted = 3;
	assert_refused(zip, len, &l, "the zip looks like a zip bomb: it holds "
	    "more than 3 account, follower and following files");
	free(zip);

	/* ratio: 1000 'a' deflate to a few bytes */
	for (i = 0; i < 5; i++)
		e[i].method = ZIP_CM_DEFLATE;
	zip = zbuild(e, 1, &len);
	zipread_limits_default(&l);
	l.max_ratio = 4;
	assert_refused(zip, len, &l, "\"data/follower.js\" is compressed more "
	    "than 4 times");
	l.max_ratio = 1000;
	assert_opens(zip, len, &l, 1);
	free(zip);

	/* zeros that compress a thousand times, in a photo: not ours */
	zeros = xcalloc(1, 1 << 20);
	e[1] = (struct zent){ "data/tweets_media/zero.jpg", zeros, 1 << 20,
	    ZIP_CM_DEFLATE, ZIP_EM_NONE };
	e[0].method = ZIP_CM_STORE;
	zip = zbuild(e, 2, &len);
	assert_opens(zip, len, NULL, 1);
	free(zip);
	free(zeros);

	/* a compressed size of 0 for 1000 bytes is an infinite ratio */
	zip = zbuild(e, 1, &len);
	zpatch(zip, len, "data/follower.js", F_COMP, 0);
	assert_refused(zip, len, NULL, "\"data/follower.js\" is compressed "
	    "more than 100 times");
	free(zip);
}

/*
 * Read every entry to its end; returns the error and sets *got to the
 * bytes returned for the entry that failed.
 */
static const char *
read_all(struct zipread *z, size_t chunk, size_t *got)
{
	const char	*name;
	unsigned char	*buf = xmalloc(chunk);
	ssize_t		 n;
	int		 r;

	while ((r = zipread_next(z, &name)) == 1) {
		*got = 0;
		while ((n = zipread_read(z, buf, chunk)) > 0)
			*got += (size_t)n;
		if (n == -1)
			break;
	}
	free(buf);
	return zipread_error(z);
}

static void
check_lie(int method, uint32_t declared, const char *want)
{
	struct zent	 e[2] = {
		{ "data/account.js", account, sizeof(account) - 1,
		    ZIP_CM_STORE, ZIP_EM_NONE },
		{ "data/follower.js", NULL, 0, 0, ZIP_EM_NONE },
	};
	struct zipread	*z;
	const char	*err, *name;
	char		*follower, e2[256];
	unsigned char	*zip, buf[16];
	size_t		 len, flen, got = 0;

	follower = gen_edges("follower", 0, 400, &flen);
	e[1].data = follower;
	e[1].len = flen;
	e[1].method = method;
	zip = zbuild(e, 2, &len);
	assert_int_equal(zmethod(zip, len, "data/follower.js"), method);
	zpatch(zip, len, "data/follower.js", F_SIZE, declared);
	assert_int_equal(zipread_open_buffer(zip, len, NULL, &z, e2,
	    sizeof(e2)), 0);
	err = read_all(z, 4096, &got);
	if (err == NULL || strstr(err, want) == NULL)
		fail_msg("error \"%s\", wanted \"%s\"", err, want);
	/* the bytes up to the declared size or the real end, never more */
	assert_int_equal(got, declared < flen ? declared : flen);
	/* sticky: the zip is not trusted any more */
	assert_int_equal(zipread_next(z, &name), -1);
	assert_int_equal(zipread_read(z, buf, sizeof(buf)), -1);
	assert_string_equal(zipread_error(z), err);
	zipread_close(z);
	free(zip);
	free(follower);
}

static void
test_size_lies(void **state)
{
	(void)state;
	check_lie(ZIP_CM_DEFLATE, 1000, "the zip is damaged: "
	    "\"data/follower.js\" (it is larger than the zip says)");
	check_lie(ZIP_CM_STORE, 1000, "the zip is damaged: "
	    "\"data/follower.js\" (it is larger than the zip says)");
	check_lie(ZIP_CM_DEFLATE, 1, "the zip is damaged: "
	    "\"data/follower.js\" (it is larger than the zip says)");
	/* and the other way */
	check_lie(ZIP_CM_DEFLATE, 100000, "the zip is damaged: "
	    "\"data/follower.js\" (it is smaller than the zip says)");
	check_lie(ZIP_CM_STORE, 100000, "the zip is damaged: "
	    "\"data/follower.js\" (");
}

static void
test_crc(void **state)
{
	struct zent	 e[1] = {
		{ "data/account.js", account, sizeof(account) - 1,
		    ZIP_CM_STORE, ZIP_EM_NONE },
	};
	struct zipread	*z;
	unsigned char	*zip, *p;
	char		 err[256];
	size_t		 len, cen, loc, got;

	(void)state;
	zip = zbuild(e, 1, &len);
	zfind(zip, len, "data/account.js", &cen, &loc);
	p = zip + loc + 30 + get16(zip + loc + 26) + get16(zip + loc + 28);
	assert_memory_equal(p, account, 10);
	p[5] ^= 0x20;
	assert_int_equal(zipread_open_buffer(zip, len, NULL, &z, err,
	    sizeof(err)), 0);
	assert_string_equal(read_all(z, 7, &got), "the zip is damaged: "
	    "\"data/account.js\" (its checksum does not match)");
	zipread_close(z);
	free(zip);
}

static void
test_truncated(void **state)
{
	struct good	 g;
	size_t		 cut;

	(void)state;
	good_build(&g);
	for (cut = 1; cut < g.ziplen; cut += 1 + cut / 16)
		assert_refused(g.zip, cut, NULL, NOT_ZIP);
	/* every cut through the central directory and its end record */
	for (cut = g.ziplen > 1024 ? g.ziplen - 1024 : 1; cut < g.ziplen;
	    cut++)
		assert_refused(g.zip, cut, NULL, NOT_ZIP);
	/* and bytes after the end */
	g.zip = xreallocarray(g.zip, g.ziplen + 3, 1);
	memcpy(g.zip + g.ziplen, "abc", 3);
	assert_refused(g.zip, g.ziplen + 3, NULL, NOT_ZIP);
	good_free(&g);
}

static void
test_not_zip(void **state)
{
	static const char	 eocd_only[22] = "PK\5\6";
	unsigned char		*noise;
	struct zipread		*z;
	char			*dir, *path, err[256];
	size_t			 i;

	(void)state;
	for (i = 0; i < 20; i++) {
		noise = gen_noise(100 + i * 997, (unsigned)i + 10);
		if (i % 2)
			memcpy(noise, "PK\3\4", 4);
		assert_refused(noise, 100 + i * 997, NULL, NOT_ZIP);
		free(noise);
	}
	assert_refused("hello, world\n", 13, NULL, NOT_ZIP);
	assert_refused("", 0, NULL, NOT_ZIP);
	assert_refused(NULL, 0, NULL, NOT_ZIP);
	/* the end record alone, one byte short */
	assert_refused(eocd_only, 21, NULL, NOT_ZIP);

	dir = tu_tmpdir();
	path = xasprintf("%s/nothing.zip", dir);
	assert_int_equal(zipread_open(path, NULL, &z, err, sizeof(err)), -1);
	assert_null(z);
	assert_string_equal(err,
	    "cannot open the zip: No such file or directory");
	free(path);
	path = write_zip(dir, "empty.zip", "", 0);
	assert_int_equal(zipread_open(path, NULL, &z, err, sizeof(err)), -1);
	assert_string_equal(err, NOT_ZIP);
	free(path);
	path = write_zip(dir, "text.zip", "hello, world\n", 13);
	assert_int_equal(zipread_open(path, NULL, &z, err, sizeof(err)), -1);
	assert_string_equal(err, NOT_ZIP);
	free(path);
	/* a short err buffer still gets a terminated start of the text */
	assert_int_equal(zipread_open_buffer("hello", 5, NULL, &z, err, 8),
	    -1);
	assert_string_equal(err, "this is");
	tu_rmtree(dir);
	free(dir);
}

static void
test_empty_zip(void **state)
{
	static const char	 eocd_only[22] = "PK\5\6";
	struct zent		 e[1] = {
		{ "data/tweets_media/x.jpg", "jpeg", 4, ZIP_CM_STORE,
		    ZIP_EM_NONE },
	};
	struct zipread		*z;
	const char		*name = "x";
	unsigned char		*zip;
	char			 err[256];
	size_t			 len;

	(void)state;
	assert_int_equal(zipread_open_buffer(eocd_only, sizeof(eocd_only),
	    NULL, &z, err, sizeof(err)), 0);
	assert_int_equal(zipread_count(z), 0);
	assert_int_equal(zipread_next(z, &name), 0);
	assert_null(name);
	assert_null(zipread_error(z));
	zipread_close(z);

	/* media only: no file of ours */
	zip = zbuild(e, 1, &len);
	assert_opens(zip, len, NULL, 0);
	free(zip);
}

static void
test_error_quoting(void **state)
{
	char		 name[200];
	struct zent	 e[1] = {
		{ name, "x", 1, ZIP_CM_STORE, ZIP_EM_NONE },
	};
	unsigned char	*zip;
	char		 err[512];
	struct zipread	*z;
	size_t		 len;
	const char	*p;

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memcpy(name, "../\x01\"\x7f\xff", 7);
	zip = zbuild(e, 1, &len);
	assert_int_equal(zipread_open_buffer(zip, len, NULL, &z, err,
	    sizeof(err)), -1);
	/* 60 bytes of the name, escaped, then "..." */
	assert_string_equal(err, "the zip holds an unsafe file name: "
	    "\"../\\x01\\\"\\x7f\\xffaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaa...\"");
	for (p = err; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p <= 0x7e);
	free(zip);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_buffer),
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_unsafe_names),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_method),
		cmocka_unit_test(test_bomb_ratio),
		cmocka_unit_test(test_bomb_limits),
		cmocka_unit_test(test_size_lies),
		cmocka_unit_test(test_crc),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_not_zip),
		cmocka_unit_test(test_empty_zip),
		cmocka_unit_test(test_error_quoting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
