/*
 * media: pictures from the disk to a network.  See media.h.
 */
#include "quitx/media.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quitx/xmalloc.h"

static const char *const mimes[MEDIA_TYPE_COUNT] = { "image/png",
    "image/jpeg", "image/gif", "image/webp" };
static const char *const names[MEDIA_TYPE_COUNT] = { "PNG", "JPEG", "GIF",
    "WebP" };

const char *
media_mime(enum media_type type)
{
	return type < MEDIA_TYPE_COUNT ? mimes[type] : "application/octet-stream";
}

int
media_sniff(const unsigned char *p, size_t n, enum media_type *type)
{
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		*type = MEDIA_PNG;
	else if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		*type = MEDIA_JPEG;
	else if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 ||
	    memcmp(p, "GIF89a", 6) == 0))
		*type = MEDIA_GIF;
	else if (n >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0)
		*type = MEDIA_WEBP;
	else
		return -1;
	return 0;
}

static unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned
le16(const unsigned char *p)
{
	return (unsigned)p[1] << 8 | p[0];
}

/* JPEG: the first start-of-frame marker's size. */
static int
jpeg_dimensions(const unsigned char *p, size_t n, unsigned *w, unsigned *h)
{
	size_t		i = 2, len;
	unsigned char	m;

	while (i + 4 <= n) {
		if (p[i] != 0xff)
			return -1;
		m = p[i + 1];
		if (m == 0xff) {		/* fill byte */
			i++;
			continue;
		}
		if (m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7)) {
			i += 2;			/* no length */
			continue;
		}
		if (m == 0xd9 || m == 0xda)	/* end, or the scan */
			return -1;
		len = be16(p + i + 2);
		if (len < 2)
			return -1;
		/* SOF0..SOF15 but DHT (c4), JPG (c8) and DAC (cc) */
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
		    m != 0xcc) {
			if (i + 9 > n || len < 7)
				return -1;
			*h = be16(p + i + 5);
			*w = be16(p + i + 7);
			return 0;
		}
		i += 2 + len;
	}
	return -1;
}

static int
webp_dimensions(const unsigned char *p, size_t n, unsigned *w, unsigned *h)
{
	uint32_t	bits;

	if (n >= 30 && memcmp(p + 12, "VP8 ", 4) == 0 &&
	    memcmp(p + 23, "\x9d\x01\x2a", 3) == 0) {
		*w = le16(p + 26) & 0x3fff;
		*h = le16(p + 28) & 0x3fff;
		return 0;
	}
	if (n >= 25 && memcmp(p + 12, "VP8L", 4) == 0 && p[20] == 0x2f) {
		bits = (uint32_t)p[21] | (uint32_t)p[22] << 8 |
		    (uint32_t)p[23] << 16 | (uint32_t)p[24] << 24;
		*w = (bits & 0x3fff) + 1;
		*h = ((bits >> 14) & 0x3fff) + 1;
		return 0;
	}
	if (n >= 30 && memcmp(p + 12, "VP8X", 4) == 0) {
		*w = ((unsigned)p[24] | (unsigned)p[25] << 8 |
		    (unsigned)p[26] << 16) + 1;
		*h = ((unsigned)p[27] | (unsigned)p[28] << 8 |
		    (unsigned)p[29] << 16) + 1;
		return 0;
	}
	return -1;
}

int
media_dimensions(const unsigned char *p, size_t n, enum media_type type,
    unsigned *width, unsigned *height)
{
	unsigned	w = 0, h = 0;
	int		rc = -1;

	switch (type) {
	case MEDIA_PNG:
		if (n >= 24 && memcmp(p + 12, "IHDR", 4) == 0) {
			w = be16(p + 16) << 16 | be16(p + 18);
			h = be16(p + 20) << 16 | be16(p + 22);
			rc = 0;
		}
		break;
	case MEDIA_GIF:
		if (n >= 10) {
			w = le16(p + 6);
			h = le16(p + 8);
			rc = 0;
		}
		break;
	case MEDIA_JPEG:
		rc = jpeg_dimensions(p, n, &w, &h);
		break;
	case MEDIA_WEBP:
		rc = webp_dimensions(p, n, &w, &h);
		break;
	default:
		break;
	}
	if (rc == -1 || w == 0 || h == 0)
		return -1;
	*width = w;
	*height = h;
	return 0;
}

void
media_file_clear(struct media_file *f)
{
	free(f->data);
	memset(f, 0, sizeof(*f));
}

int
media_load(const char *path, size_t max, unsigned types, const char *net,
    struct media_file *f, char *why, size_t whysize)
{
	struct stat	 sb;
	ssize_t		 r;
	size_t		 got = 0;
	int		 fd;

	memset(f, 0, sizeof(*f));
	if (max > MEDIA_FILE_MAX)
		max = MEDIA_FILE_MAX;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		snprintf(why, whysize, "image %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		snprintf(why, whysize, "image %s: not a regular file", path);
		goto fail;
	}
	if ((uintmax_t)sb.st_size > max) {
		snprintf(why, whysize, "image %s: %jd bytes; %s takes at most "
		    "%zu", path, (intmax_t)sb.st_size, net, max);
		goto fail;
	}
	f->data = xmalloc((size_t)sb.st_size + 1);
	/* a file that grows while read is read up to its size at fstat */
	while (got < (size_t)sb.st_size) {
		r = read(fd, f->data + got, (size_t)sb.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(why, whysize, "image %s: %s", path, r == 0 ?
			    "shorter than its size" : strerror(errno));
			goto fail;
		}
		got += (size_t)r;
	}
	f->len = got;
	if (media_sniff(f->data, f->len, &f->type) == -1) {
		snprintf(why, whysize, "image %s is not a PNG, JPEG, GIF or "
		    "WebP picture", path);
		goto fail;
	}
	if (!(types & (1u << f->type))) {
		snprintf(why, whysize, "image %s: %s does not take %s "
		    "pictures", path, net, names[f->type]);
		goto fail;
	}
	f->mime = mimes[f->type];
	if (media_dimensions(f->data, f->len, f->type, &f->width,
	    &f->height) == -1)
		f->width = f->height = 0;
	close(fd);
	return 0;
fail:
	close(fd);
	media_file_clear(f);
	return -1;
}

/* A file name fit for a quoted header parameter. */
static char *
form_filename(const char *path)
{
	const char	*base = strrchr(path, '/');
	char		*s, *p;

	s = xstrdup(base != NULL && base[1] != '\0' ? base + 1 : path);
	for (p = s; *p != '\0'; p++)
		if (*p == '"' || *p == '\\' || *p == '\r' || *p == '\n' ||
		    (unsigned char)*p < 0x20)
			*p = '_';
	return s;
}

char *
media_multipart(const struct media_file *f, const char *path,
    const char *description, size_t *len, char *ctype, size_t ctsize)
{
	unsigned char	 rnd[16];
	char		 boundary[48], *head, *tail, *name, *body;
	size_t		 i, hlen, tlen;

	/* a boundary the picture or the text happens to hold is redrawn */
	do {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			for (i = 0; i < sizeof(rnd); i++)
				rnd[i] = (unsigned char)random();
		memcpy(boundary, "quitx-", 6);
		for (i = 0; i < sizeof(rnd); i++)
			snprintf(boundary + 6 + 2 * i, 3, "%02x", rnd[i]);
	} while (memmem(f->data, f->len, boundary, strlen(boundary)) != NULL ||
	    strstr(description, boundary) != NULL);
	name = form_filename(path);
	head = xasprintf("--%s\r\nContent-Disposition: form-data; "
	    "name=\"description\"\r\n\r\n%s\r\n--%s\r\n"
	    "Content-Disposition: form-data; name=\"file\"; "
	    "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n", boundary,
	    description, boundary, name, f->mime);
	tail = xasprintf("\r\n--%s--\r\n", boundary);
	free(name);
	hlen = strlen(head);
	tlen = strlen(tail);
	body = xmalloc(hlen + f->len + tlen + 1);
	memcpy(body, head, hlen);
	memcpy(body + hlen, f->data, f->len);
	memcpy(body + hlen + f->len, tail, tlen + 1);
	*len = hlen + f->len + tlen;
	snprintf(ctype, ctsize, "multipart/form-data; boundary=%s", boundary);
	free(head);
	free(tail);
	return body;
}

int
media_mastodon_parse(const char *json, size_t len, char **id, int *ready,
    char *why, size_t whysize)
{
	json_t		*o, *v, *url;
	json_error_t	 jerr;

	*id = NULL;
	*ready = 0;
	if (len > MEDIA_JSON_MAX) {
		snprintf(why, whysize, "media answer too large");
		return -1;
	}
	o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		snprintf(why, whysize, "media answer is not a JSON object");
		json_decref(o);
		return -1;
	}
	v = json_object_get(o, "id");
	url = json_object_get(o, "url");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > 64 ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(why, whysize, "media answer without a usable id");
		json_decref(o);
		return -1;
	}
	if (url != NULL && !json_is_null(url) && !json_is_string(url)) {
		snprintf(why, whysize, "media answer: url is not a string");
		json_decref(o);
		return -1;
	}
	*id = xstrdup(json_string_value(v));
	*ready = json_is_string(url) && json_string_length(url) > 0;
	json_decref(o);
	return 0;
}

/* A CID as text: multibase base32 ('b' then [a-z2-7]), within reason. */
static int
cid_ok(const char *s, size_t n)
{
	size_t	i;

	if (n < 8 || n > 128 || s[0] != 'b')
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '2' &&
		    s[i] <= '7')))
			return 0;
	return 1;
}

json_t *
media_bsky_blob_parse(const char *json, size_t len, char *why, size_t whysize)
{
	json_t		*o, *blob, *type, *ref, *link, *mime, *size, *out = NULL;
	json_error_t	 jerr;

	if (len > MEDIA_JSON_MAX) {
		snprintf(why, whysize, "uploadBlob answer too large");
		return NULL;
	}
	o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	blob = json_object_get(o, "blob");
	type = json_object_get(blob, "$type");
	ref = json_object_get(blob, "ref");
	link = json_object_get(ref, "$link");
	mime = json_object_get(blob, "mimeType");
	size = json_object_get(blob, "size");
	if (!json_is_object(blob))
		snprintf(why, whysize, "uploadBlob answer without a blob");
	else if (!json_is_string(type) ||
	    strcmp(json_string_value(type), "blob") != 0)
		snprintf(why, whysize, "uploadBlob: the blob's $type is not "
		    "\"blob\"");
	else if (!json_is_string(link) || !cid_ok(json_string_value(link),
	    json_string_length(link)))
		snprintf(why, whysize, "uploadBlob: the blob's ref is not a "
		    "CID");
	else if (!json_is_string(mime) || json_string_length(mime) == 0 ||
	    json_string_length(mime) > 128 ||
	    strlen(json_string_value(mime)) != json_string_length(mime))
		snprintf(why, whysize, "uploadBlob: the blob has no mimeType");
	else if (!json_is_integer(size) || json_integer_value(size) < 0)
		snprintf(why, whysize, "uploadBlob: the blob has no size");
	else
		out = json_pack("{s:s, s:{s:O}, s:O, s:O}", "$type", "blob",
		    "ref", "$link", link, "mimeType", mime, "size", size);
	json_decref(o);
	return out;
}
