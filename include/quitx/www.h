/*
 * www: the upload page's files, built into the program (www-assets.S).
 * Each array is NUL-terminated; the _len excludes the NUL.
 */
#ifndef QUITX_WWW_H
#define QUITX_WWW_H

#include <stdint.h>

extern const char	www_upload_en_html[], www_upload_fr_html[];
extern const char	www_upload_js[], www_upload_css[];
extern const uint64_t	www_upload_en_html_len, www_upload_fr_html_len;
extern const uint64_t	www_upload_js_len, www_upload_css_len;

#endif
