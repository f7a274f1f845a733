/* md5.h - the MD5 message digest (RFC 1321), computed incrementally.
 *
 * Used to check dataset files against their published checksums
 * (data/manifest.h); not for anything where an adversary chooses the input.
 * Feed the bytes in pieces of any size with rsc_md5_update() as they are
 * read: the digest is that of their concatenation. */
#ifndef RSC_MD5_H
#define RSC_MD5_H

#include <stddef.h>
#include <stdint.h>

typedef struct rsc_md5 {
    uint32_t s[4];          /* state A B C D */
    uint64_t len;           /* bytes fed so far */
    unsigned char buf[64];  /* a partial block, len % 64 bytes */
} rsc_md5;

void rsc_md5_init(rsc_md5 *m);
void rsc_md5_update(rsc_md5 *m, const void *data, size_t n);
/* The 16-byte digest; m must be initialised again before reuse. */
void rsc_md5_final(rsc_md5 *m, unsigned char digest[16]);

/* digest as 32 lowercase hex digits and a NUL into hex[33]. */
void rsc_md5_hex(const unsigned char digest[16], char hex[33]);
/* Parse 32 hex digits (either case) into digest; 0, or -1 if s is not
 * exactly that. */
int rsc_md5_parse(const char *s, size_t len, unsigned char digest[16]);

#endif
