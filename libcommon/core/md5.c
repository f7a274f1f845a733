/* md5.c - MD5 (RFC 1321): 64-byte blocks, four rounds of sixteen steps.
 * Words are read little-endian byte by byte, so the result does not depend
 * on the host's byte order or alignment. */
#include "core/md5.h"

#include <string.h>

#define F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define G(x, y, z) ((y) ^ ((z) & ((x) ^ (y))))
#define H(x, y, z) ((x) ^ (y) ^ (z))
#define I(x, y, z) ((y) ^ ((x) | ~(z)))
#define ROTL(v, s) (((v) << (s)) | ((v) >> (32 - (s))))
#define STEP(f, a, b, c, d, x, t, s) \
    do { \
        (a) += f((b), (c), (d)) + (x) + (uint32_t)(t); \
        (a) = ROTL((a), (s)) + (b); \
    } while (0)

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Process n whole blocks. */
static void blocks(uint32_t st[4], const unsigned char *p, size_t n)
{
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
    for (; n; n--, p += 64) {
        uint32_t x[16];
        for (int i = 0; i < 16; i++)
            x[i] = le32(p + 4 * i);
        uint32_t aa = a, bb = b, cc = c, dd = d;

        STEP(F, a, b, c, d, x[0], 0xd76aa478, 7);
        STEP(F, d, a, b, c, x[1], 0xe8c7b756, 12);
        STEP(F, c, d, a, b, x[2], 0x242070db, 17);
        STEP(F, b, c, d, a, x[3], 0xc1bdceee, 22);
        STEP(F, a, b, c, d, x[4], 0xf57c0faf, 7);
        STEP(F, d, a, b, c, x[5], 0x4787c62a, 12);
        STEP(F, c, d, a, b, x[6], 0xa8304613, 17);
        STEP(F, b, c, d, a, x[7], 0xfd469501, 22);
        STEP(F, a, b, c, d, x[8], 0x698098d8, 7);
        STEP(F, d, a, b, c, x[9], 0x8b44f7af, 12);
        STEP(F, c, d, a, b, x[10], 0xffff5bb1, 17);
        STEP(F, b, c, d, a, x[11], 0x895cd7be, 22);
        STEP(F, a, b, c, d, x[12], 0x6b901122, 7);
        STEP(F, d, a, b, c, x[13], 0xfd987193, 12);
        STEP(F, c, d, a, b, x[14], 0xa679438e, 17);
        STEP(F, b, c, d, a, x[15], 0x49b40821, 22);

        STEP(G, a, b, c, d, x[1], 0xf61e2562, 5);
        STEP(G, d, a, b, c, x[6], 0xc040b340, 9);
        STEP(G, c, d, a, b, x[11], 0x265e5a51, 14);
        STEP(G, b, c, d, a, x[0], 0xe9b6c7aa, 20);
        STEP(G, a, b, c, d, x[5], 0xd62f105d, 5);
        STEP(G, d, a, b, c, x[10], 0x02441453, 9);
        STEP(G, c, d, a, b, x[15], 0xd8a1e681, 14);
        STEP(G, b, c, d, a, x[4], 0xe7d3fbc8, 20);
        STEP(G, a, b, c, d, x[9], 0x21e1cde6, 5);
        STEP(G, d, a, b, c, x[14], 0xc33707d6, 9);
        STEP(G, c, d, a, b, x[3], 0xf4d50d87, 14);
        STEP(G, b, c, d, a, x[8], 0x455a14ed, 20);
        STEP(G, a, b, c, d, x[13], 0xa9e3e905, 5);
        STEP(G, d, a, b, c, x[2], 0xfcefa3f8, 9);
        STEP(G, c, d, a, b, x[7], 0x676f02d9, 14);
        STEP(G, b, c, d, a, x[12], 0x8d2a4c8a, 20);

        STEP(H, a, b, c, d, x[5], 0xfffa3942, 4);
        STEP(H, d, a, b, c, x[8], 0x8771f681, 11);
        STEP(H, c, d, a, b, x[11], 0x6d9d6122, 16);
        STEP(H, b, c, d, a, x[14], 0xfde5380c, 23);
        STEP(H, a, b, c, d, x[1], 0xa4beea44, 4);
        STEP(H, d, a, b, c, x[4], 0x4bdecfa9, 11);
        STEP(H, c, d, a, b, x[7], 0xf6bb4b60, 16);
        STEP(H, b, c, d, a, x[10], 0xbebfbc70, 23);
        STEP(H, a, b, c, d, x[13], 0x289b7ec6, 4);
        STEP(H, d, a, b, c, x[0], 0xeaa127fa, 11);
        STEP(H, c, d, a, b, x[3], 0xd4ef3085, 16);
        STEP(H, b, c, d, a, x[6], 0x04881d05, 23);
        STEP(H, a, b, c, d, x[9], 0xd9d4d039, 4);
        STEP(H, d, a, b, c, x[12], 0xe6db99e5, 11);
        STEP(H, c, d, a, b, x[15], 0x1fa27cf8, 16);
        STEP(H, b, c, d, a, x[2], 0xc4ac5665, 23);

        STEP(I, a, b, c, d, x[0], 0xf4292244, 6);
        STEP(I, d, a, b, c, x[7], 0x432aff97, 10);
        STEP(I, c, d, a, b, x[14], 0xab9423a7, 15);
        STEP(I, b, c, d, a, x[5], 0xfc93a039, 21);
        STEP(I, a, b, c, d, x[12], 0x655b59c3, 6);
        STEP(I, d, a, b, c, x[3], 0x8f0ccc92, 10);
        STEP(I, c, d, a, b, x[10], 0xffeff47d, 15);
        STEP(I, b, c, d, a, x[1], 0x85845dd1, 21);
        STEP(I, a, b, c, d, x[8], 0x6fa87e4f, 6);
        STEP(I, d, a, b, c, x[15], 0xfe2ce6e0, 10);
        STEP(I, c, d, a, b, x[6], 0xa3014314, 15);
        STEP(I, b, c, d, a, x[13], 0x4e0811a1, 21);
        STEP(I, a, b, c, d, x[4], 0xf7537e82, 6);
        STEP(I, d, a, b, c, x[11], 0xbd3af235, 10);
        STEP(I, c, d, a, b, x[2], 0x2ad7d2bb, 15);
        STEP(I, b, c, d, a, x[9], 0xeb86d391, 21);

        a += aa, b += bb, c += cc, d += dd;
    }
    st[0] = a, st[1] = b, st[2] = c, st[3] = d;
}

void rsc_md5_init(rsc_md5 *m)
{
    m->s[0] = 0x67452301;
    m->s[1] = 0xefcdab89;
    m->s[2] = 0x98badcfe;
    m->s[3] = 0x10325476;
    m->len = 0;
}

void rsc_md5_update(rsc_md5 *m, const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t have = (size_t)(m->len % 64);
    m->len += n;
    if (have) {
        size_t take = 64 - have < n ? 64 - have : n;
        memcpy(m->buf + have, p, take);
        p += take, n -= take, have += take;
        if (have < 64)
            return;
        blocks(m->s, m->buf, 1);
    }
    blocks(m->s, p, n / 64);
    memcpy(m->buf, p + n / 64 * 64, n % 64);
}

void rsc_md5_final(rsc_md5 *m, unsigned char digest[16])
{
    uint64_t bits = m->len * 8;
    static const unsigned char pad[64] = { 0x80 };
    size_t have = (size_t)(m->len % 64);
    rsc_md5_update(m, pad, have < 56 ? 56 - have : 120 - have);
    unsigned char tail[8];
    for (int i = 0; i < 8; i++)
        tail[i] = (unsigned char)(bits >> (8 * i));
    rsc_md5_update(m, tail, 8);
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 4; k++)
            digest[4 * i + k] = (unsigned char)(m->s[i] >> (8 * k));
}

void rsc_md5_hex(const unsigned char digest[16], char hex[33])
{
    static const char dig[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        hex[2 * i] = dig[digest[i] >> 4];
        hex[2 * i + 1] = dig[digest[i] & 15];
    }
    hex[32] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int rsc_md5_parse(const char *s, size_t len, unsigned char digest[16])
{
    if (len != 32)
        return -1;
    for (int i = 0; i < 16; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        digest[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}
