/*
 * www-assets: the upload page's files (src/www/), built into the program
 * so the daemon serves them with nothing to install or to find at run
 * time.  Each is NUL-terminated; www.h gives their lengths.
 */
#define ASSET(sym, file)			\
	.global sym;				\
	.global sym##_len;			\
	.balign 16;				\
sym:						\
	.incbin file;				\
sym##_end:					\
	.byte 0;				\
	.balign 8;				\
sym##_len:					\
	.quad sym##_end - sym

	.section .rodata
ASSET(www_upload_en_html, "src/www/upload.en.html")
ASSET(www_upload_fr_html, "src/www/upload.fr.html")
ASSET(www_upload_js, "src/www/upload.js")
ASSET(www_upload_css, "src/www/upload.css")

	.section .note.GNU-stack,"",%progbits
