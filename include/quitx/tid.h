/*
 * tid: AT Protocol timestamp identifiers, the record keys of posts.
 *
 * A TID is a 64-bit value, the top bit 0, then 53 bits of microseconds
 * since the Unix epoch and 10 bits of clock id, written most significant
 * first in base32-sortable (the alphabet 234567abcdefghijklmnopqrstuvwxyz)
 * as 13 characters.  So TIDs sort as text in time order.
 */
#ifndef QUITX_TID_H
#define QUITX_TID_H

#include <stdint.h>

#define TID_LEN		13
#define TID_CLOCK_MAX	1023

/*
 * The TID of usec microseconds since the epoch (its low 53 bits) and
 * clock_id (its low 10 bits), NUL-terminated.
 */
void	tid_format(char out[TID_LEN + 1], uint64_t usec, unsigned clock_id);

/*
 * A fresh TID: the time now, made strictly later than any TID this
 * process made before (one microsecond later when the clock has not
 * moved or stepped back), with a clock id chosen at random once per
 * process.  Thread-safe.
 */
void	tid_next(char out[TID_LEN + 1]);

/* tid_next as if the clock read now_usec (for tests). */
void	tid_next_at(char out[TID_LEN + 1], uint64_t now_usec);

/* 1 if s matches ^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$ */
int	tid_valid(const char *s);

#endif
