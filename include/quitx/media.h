/*
 * media: the pictures a post carries, from the disk to a network.
 *
 * A picture is read whole (they are small: a few MB at most), its type
 * is taken from its first bytes, never from its name (PNG, JPEG, GIF,
 * WebP: what both networks show as images), and it is checked against
 * the network's limits before anything is uploaded: a file that cannot
 * go fails its post with a reason a person can act on.
 *
 * The servers' answers about uploads are parsed here too, as pure
 * functions (fuzzed): Mastodon's MediaAttachment and Bluesky's
 * uploadBlob output.  Error reasons never quote the input.
 */
#ifndef QUITX_MEDIA_H
#define QUITX_MEDIA_H

#include <stddef.h>

#include <jansson.h>

/* Never read more of a picture than this, whatever a server allows. */
#define MEDIA_FILE_MAX		(16u << 20)
/* app.bsky.embed.images#image: the blob's maxSize */
#define MEDIA_BSKY_IMAGE_MAX	1000000
/* A server's answer about one upload larger than this is refused. */
#define MEDIA_JSON_MAX		(64 * 1024)

/* The types both networks take as pictures. */
enum media_type { MEDIA_PNG, MEDIA_JPEG, MEDIA_GIF, MEDIA_WEBP,
    MEDIA_TYPE_COUNT };

struct media_file {
	unsigned char	*data;
	size_t		 len;
	enum media_type	 type;
	const char	*mime;		/* "image/png"... (static) */
	unsigned	 width, height;	/* 0 when the header does not say */
};

/* The type of a picture by its first bytes: 0 and *type, or -1. */
int	media_sniff(const unsigned char *p, size_t n, enum media_type *type);

/* A type's MIME name. */
const char *media_mime(enum media_type type);

/*
 * The width and height a picture's header gives (PNG IHDR, GIF screen,
 * JPEG SOFn, WebP VP8/VP8L/VP8X): 0, or -1 when it does not say.
 */
int	media_dimensions(const unsigned char *p, size_t n, enum media_type type,
	    unsigned *width, unsigned *height);

/*
 * Read path whole and check it: at most max bytes, and of a type whose
 * bit (1 << type) is set in types.  0 with *f (media_file_clear it), or
 * -1 with why, e.g. "/x/j10.png: 1200000 bytes; Bluesky takes at most
 * 1000000" (net names the network in the reason).
 */
int	media_load(const char *path, size_t max, unsigned types,
	    const char *net, struct media_file *f, char *why, size_t whysize);
void	media_file_clear(struct media_file *f);

/*
 * A multipart/form-data body for Mastodon's POST /api/v2/media: the
 * file (named after path's last component) and its description.
 * Returns the body (malloc'd, *len bytes) and its Content-Type in ctype.
 */
char	*media_multipart(const struct media_file *f, const char *path,
	    const char *description, size_t *len, char *ctype,
	    size_t ctsize);

/*
 * A Mastodon MediaAttachment: 0 with *id (malloc'd) and *ready (its url
 * is set: processing is over), or -1 with why.
 */
int	media_mastodon_parse(const char *json, size_t len, char **id,
	    int *ready, char *why, size_t whysize);

/*
 * Bluesky's uploadBlob answer {"blob":{"$type":"blob","ref":{"$link":
 * CID},"mimeType","size"}}: the blob object, rebuilt with exactly those
 * keys (a new reference), or NULL with why.
 */
json_t	*media_bsky_blob_parse(const char *json, size_t len, char *why,
	    size_t whysize);

#endif
