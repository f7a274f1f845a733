/* test-md5.c - MD5 (libcommon/core/md5.c): the test suite of RFC 1321
 * appendix A.5, the same digest whatever the pieces the bytes come in
 * (every split of a 200-byte message, around the 56- and 64-byte block
 * edges), and hex formatting and parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/md5.h"

static void hex_of(const void *data, size_t n, char hex[33])
{
    rsc_md5 m;
    unsigned char d[16];
    rsc_md5_init(&m);
    rsc_md5_update(&m, data, n);
    rsc_md5_final(&m, d);
    rsc_md5_hex(d, hex);
}

static void test_rfc1321(void **state)
{
    (void)state;
    static const char *const v[][2] = {
        { "", "d41d8cd98f00b204e9800998ecf8427e" },
        { "a", "0cc175b9c0f1b6a831c399e269772661" },
        { "abc", "900150983cd24fb0d6963f7d28e17f72" },
        { "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
        { "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
        { "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
          "d174ab98d277d9f5a5611c2c9f419d9f" },
        { "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
          "57edf4a22be3c955ac49da2e2107b67a" },
    };
    char hex[33];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        hex_of(v[i][0], strlen(v[i][0]), hex);
        assert_string_equal(hex, v[i][1]);
    }
}

static void test_pieces(void **state)
{
    (void)state;
    unsigned char msg[200];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (unsigned char)(i * 37 + 11);
    for (size_t len = 0; len <= sizeof msg; len++) {
        char whole[33];
        hex_of(msg, len, whole);
        for (size_t a = 0; a <= len; a += 7)
            for (size_t b = a; b <= len; b += 13) {
                rsc_md5 m;
                unsigned char d[16];
                char hex[33];
                rsc_md5_init(&m);
                rsc_md5_update(&m, msg, a);
                rsc_md5_update(&m, msg + a, b - a);
                rsc_md5_update(&m, msg + b, len - b);
                rsc_md5_final(&m, d);
                rsc_md5_hex(d, hex);
                assert_string_equal(hex, whole);
            }
    }
    /* one million 'a' (a known digest), fed in uneven pieces */
    unsigned char a[997];
    memset(a, 'a', sizeof a);
    rsc_md5 m;
    unsigned char d[16];
    char hex[33];
    rsc_md5_init(&m);
    size_t left = 1000000;
    while (left) {
        size_t k = left < sizeof a ? left : sizeof a;
        rsc_md5_update(&m, a, k);
        left -= k;
    }
    rsc_md5_final(&m, d);
    rsc_md5_hex(d, hex);
    assert_string_equal(hex, "7707d6ae4e027c70eea2a935c2296f21");
}

static void test_parse(void **state)
{
    (void)state;
    unsigned char d[16];
    char hex[33];
    assert_int_equal(rsc_md5_parse("D41D8CD98F00B204E9800998ECF8427E", 32, d), 0);
    rsc_md5_hex(d, hex);
    assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");
    assert_int_equal(rsc_md5_parse("d41d8cd98f00b204e9800998ecf8427", 31, d), -1);
    assert_int_equal(rsc_md5_parse("d41d8cd98f00b204e9800998ecf8427eq", 33, d), -1);
    assert_int_equal(rsc_md5_parse("g41d8cd98f00b204e9800998ecf8427e", 32, d), -1);
    assert_int_equal(rsc_md5_parse("d41d8cd98f00b204e9800998ecf842 e", 32, d), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1321),
        cmocka_unit_test(test_pieces),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
