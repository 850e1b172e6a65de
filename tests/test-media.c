/*
 * test-media: pictures' types and sizes by their bytes, the checks
 * before an upload, the multipart body, the servers' answers, and the
 * outbox bodies a scheduled post with pictures gives.
 *
 * TEST_FILTER=name runs one test.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quitx/media.h"
#include "quitx/outbox-body.h"
#include "quitx/schedule.h"
#include "quitx/xmalloc.h"

static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
    '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0x04, 0x38, 0, 0, 0x02, 0x1c,
    8, 2, 0, 0, 0 };

static void
test_sniff(void **state)
{
	/* a JPEG whose frame header follows an APP0 segment */
	static const unsigned char jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 4, 0,
	    0, 0xff, 0xc2, 0, 11, 8, 0x01, 0x90, 0x02, 0x58, 1, 1, 0x11, 0 };
	static const unsigned char gif[] = { 'G', 'I', 'F', '8', '9', 'a',
	    0x40, 0x01, 0xf0, 0x00 };
	static const unsigned char vp8x[] = { 'R', 'I', 'F', 'F', 0, 0, 0, 0,
	    'W', 'E', 'B', 'P', 'V', 'P', '8', 'X', 10, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0x03, 0x00, 0x7f, 0x02, 0x00 };
	enum media_type	type;
	unsigned	w, h;

	(void)state;
	assert_int_equal(media_sniff(png, sizeof(png), &type), 0);
	assert_int_equal(type, MEDIA_PNG);
	assert_string_equal(media_mime(type), "image/png");
	assert_int_equal(media_dimensions(png, sizeof(png), type, &w, &h), 0);
	assert_int_equal(w, 1080);
	assert_int_equal(h, 540);
	assert_int_equal(media_sniff(jpeg, sizeof(jpeg), &type), 0);
	assert_int_equal(type, MEDIA_JPEG);
	assert_int_equal(media_dimensions(jpeg, sizeof(jpeg), type, &w, &h),
	    0);
	assert_int_equal(w, 600);
	assert_int_equal(h, 400);
	assert_int_equal(media_sniff(gif, sizeof(gif), &type), 0);
	assert_int_equal(media_dimensions(gif, sizeof(gif), type, &w, &h), 0);
	assert_int_equal(w, 320);
	assert_int_equal(h, 240);
	assert_int_equal(media_sniff(vp8x, sizeof(vp8x), &type), 0);
	assert_int_equal(type, MEDIA_WEBP);
	assert_int_equal(media_dimensions(vp8x, sizeof(vp8x), type, &w, &h),
	    0);
	assert_int_equal(w, 1024);
	assert_int_equal(h, 640);
	/* a name says nothing: an SVG, a truncated header */
	assert_int_equal(media_sniff((const unsigned char *)"<svg", 4, &type),
	    -1);
	assert_int_equal(media_sniff(png, 7, &type), -1);
	assert_int_equal(media_dimensions(jpeg, 10, MEDIA_JPEG, &w, &h), -1);
}

static void
test_load(void **state)
{
	struct media_file	 f;
	char			*dir = tu_tmpdir(), *path, *svg, why[512];
	FILE			*fp;

	(void)state;
	path = xasprintf("%s/chart.png", dir);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fwrite(png, 1, sizeof(png), fp), sizeof(png));
	fclose(fp);
	assert_int_equal(media_load(path, 1000, (1u << MEDIA_TYPE_COUNT) - 1,
	    "Bluesky", &f, why, sizeof(why)), 0);
	assert_int_equal(f.len, sizeof(png));
	assert_string_equal(f.mime, "image/png");
	assert_int_equal(f.width, 1080);
	media_file_clear(&f);
	/* too large, refused before it is read */
	assert_int_equal(media_load(path, 10, (1u << MEDIA_TYPE_COUNT) - 1,
	    "Bluesky", &f, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "chart.png: 29 bytes; Bluesky takes at "
	    "most 10"));
	assert_null(f.data);
	/* a type the server does not list */
	assert_int_equal(media_load(path, 1000, 1u << MEDIA_JPEG,
	    "this Mastodon instance", &f, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "this Mastodon instance does not take PNG "
	    "pictures"));
	svg = tu_write(dir, "logo.png", 0644, "<svg/>");
	assert_int_equal(media_load(svg, 1000, (1u << MEDIA_TYPE_COUNT) - 1,
	    "Bluesky", &f, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "logo.png is not a PNG, JPEG, GIF or WebP "
	    "picture"));
	unlink(svg);
	assert_int_equal(media_load(svg, 1000, (1u << MEDIA_TYPE_COUNT) - 1,
	    "Bluesky", &f, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "logo.png: No such file or directory"));
	assert_int_equal(media_load(dir, 1000, (1u << MEDIA_TYPE_COUNT) - 1,
	    "Bluesky", &f, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not a regular file"));
	unlink(path);
	free(path);
	free(svg);
	tu_rmtree(dir);
	free(dir);
}

static void
test_multipart(void **state)
{
	struct media_file	 f;
	char			 ctype[96], *body, *boundary, *want;
	size_t			 len;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.data = (unsigned char *)png;
	f.len = sizeof(png);
	f.mime = "image/png";
	body = media_multipart(&f, "/srv/quitx/j\"10.png", "Un graphique",
	    &len, ctype, sizeof(ctype));
	assert_int_equal(strncmp(ctype, "multipart/form-data; boundary=", 30),
	    0);
	boundary = ctype + 30;
	want = xasprintf("--%s\r\nContent-Disposition: form-data; "
	    "name=\"description\"\r\n\r\nUn graphique\r\n--%s\r\n"
	    "Content-Disposition: form-data; name=\"file\"; "
	    "filename=\"j_10.png\"\r\nContent-Type: image/png\r\n\r\n",
	    boundary, boundary);
	assert_true(len > strlen(want) + sizeof(png));
	assert_memory_equal(body, want, strlen(want));
	assert_memory_equal(body + strlen(want), png, sizeof(png));
	free(want);
	want = xasprintf("\r\n--%s--\r\n", boundary);
	assert_memory_equal(body + len - strlen(want), want, strlen(want));
	free(want);
	free(body);
}

static void
test_answers(void **state)
{
	char	 why[128], *id;
	int	 ready;
	json_t	*blob;
	const char *ok = "{\"blob\":{\"$type\":\"blob\",\"ref\":{\"$link\":"
	    "\"bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy\"},"
	    "\"mimeType\":\"image/png\",\"size\":300,\"extra\":1}}";

	const char *processing = "{\"id\":\"1131\",\"url\":null}";
	const char *done = "{\"id\":\"7\",\"url\":\"https://m/x.png\"}";

	(void)state;
	assert_int_equal(media_mastodon_parse(processing, strlen(processing),
	    &id, &ready, why, sizeof(why)), 0);
	assert_string_equal(id, "1131");
	assert_int_equal(ready, 0);
	free(id);
	assert_int_equal(media_mastodon_parse(done, strlen(done), &id, &ready,
	    why, sizeof(why)), 0);
	assert_int_equal(ready, 1);
	free(id);
	/* ids are strings; a number is not one */
	assert_int_equal(media_mastodon_parse("{\"id\":7}", 8, &id, &ready,
	    why, sizeof(why)), -1);
	assert_null(id);
	blob = media_bsky_blob_parse(ok, strlen(ok), why, sizeof(why));
	assert_non_null(blob);
	/* rebuilt: the blob's four keys, nothing else */
	assert_int_equal(json_object_size(blob), 4);
	assert_null(json_object_get(blob, "extra"));
	json_decref(blob);
	ok = "{\"blob\":{\"$type\":\"blob\",\"ref\":{\"$link\":\"Qm..\"},"
	    "\"mimeType\":\"image/png\",\"size\":1}}";
	assert_null(media_bsky_blob_parse(ok, strlen(ok), why, sizeof(why)));
	assert_string_equal(why, "uploadBlob: the blob's ref is not a CID");
}

/* The pictures go with the first part only, under each network's key. */
static void
test_compose_images(void **state)
{
	struct schedule_body	 b;
	struct schedule_msg	*m;
	char			 p1[] = "First #QuitX", p2[] = "Second";
	char			 file[] = "/srv/j10.png", alt[] = "A chart";
	char			*parts[] = { p1, p2 };
	char			 why[256];
	size_t			 n;
	json_t			*o;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.parts = parts;
	b.nparts = 2;
	b.images[0].file = file;
	b.images[0].alt = alt;
	b.nimages = 1;
	assert_int_equal(schedule_compose(&b, NETWORK_MASTODON, 0, NULL, NULL,
	    1800000000, &m, &n, why, sizeof(why)), 0);
	assert_int_equal(m[0].nimages, 1);
	assert_int_equal(m[1].nimages, 0);
	o = json_loads(m[0].body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(o, OUTBOX_MASTODON_IMAGES), 0), "alt")), "A chart");
	json_decref(o);
	assert_null(strstr(m[1].body, OUTBOX_MASTODON_IMAGES));
	schedule_msgs_free(m, n);
	assert_int_equal(schedule_compose(&b, NETWORK_BLUESKY, 0, NULL, NULL,
	    1800000000, &m, &n, why, sizeof(why)), 0);
	o = json_loads(m[0].body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(o, OUTBOX_BLUESKY_IMAGES), 0), "file")),
	    "/srv/j10.png");
	/* the record itself is untouched: the sender adds the embed */
	assert_null(json_object_get(json_object_get(json_object_get(o, "post"),
	    "record"), "embed"));
	json_decref(o);
	o = json_loads(m[1].body, 0, NULL);
	assert_null(json_object_get(o, OUTBOX_BLUESKY_IMAGES));
	json_decref(o);
	schedule_msgs_free(m, n);
}

int
main(void)
{
	const struct CMUnitTest all[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_compose_images),
	};
	struct CMUnitTest	tests[sizeof(all) / sizeof(all[0])];
	const char		*only = getenv("TEST_FILTER");
	size_t			 i, n = 0;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (only == NULL || strstr(all[i].name, only) != NULL)
			tests[n++] = all[i];
	return _cmocka_run_group_tests("media", tests, n, NULL, NULL);
}
