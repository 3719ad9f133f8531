/* The record document (lib/value/doc.h) against jansson, in `make test`: the
 * short form of fuzz/fuzz_doc.c.  The same differential check runs on
 * hand-written edge cases, on the repository's test vectors and on a
 * fixed number of seeded mutations of them; `make fuzz` runs it open-ended
 * under libFuzzer. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value/doc.h"
#include "docdiff.h"
#include "testutil.h"

/* Edge cases of RFC 8259 and of jansson's rules, each in both modes. */
static const char *const edges[] = {
    "", " ", "{}", "[]", "[ ]", "{ }", "1", "-0", "\"x\"", "true", "null",
    "[1,]", "{\"a\":1,}", "[01]", "[-]", "[1.]", "[.5]", "[1e]", "[1e+]",
    "[1E5]", "[-1.5e-3]", "[9223372036854775807]", "[9223372036854775808]",
    "[-9223372036854775808]", "[-9223372036854775809]", "[1e400]",
    "[1e-400]", "[123456789012345678901234567890.5]",
    "{\"a\":1,\"a\":2}", "{\"a\":1,\"\\u0061\":2}", "{\"\\u0000\":1}",
    "[\"\\u0000\"]", "[\"\\ud800\"]", "[\"\\udc00\"]",
    "[\"\\ud800\\udc00\"]", "[\"\\ud800\\u0041\"]", "[\"\\uD83D\\uDE00\"]",
    "[\"\\x\"]", "[\"\\u12\"]", "[\"\\u12g4\"]", "[\"a\tb\"]",
    "[\"\xc3\xa9\"]", "[\"\xc0\x80\"]", "[\"\xed\xa0\x80\"]",
    "[\"\xf4\x90\x80\x80\"]", "[\"\xe2\x82\"]", "[\"\xff\"]", "[tru]",
    "[truex]", "[nul]", "{\"a\" 1}", "{1:1}", "{\"a\":}", "[1 2]",
    "{\"a\":[{\"b\":{\"c\":[1,2,{\"d\":null}]}}]}", "[1]x", "[1] ",
    "\xef\xbb\xbf[]", "[\"\\/\\b\\f\\n\\r\\t\\\\\\\"\"]",
};

START_TEST(edge_cases)
{
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        tu_docdiff((const uint8_t *)edges[i], strlen(edges[i]), 0);
        tu_docdiff((const uint8_t *)edges[i], strlen(edges[i]), 1);
    }
}
END_TEST

/* Nesting around jansson's cap (2048): both sides of it, and far past. */
START_TEST(depth)
{
    const size_t depths[] = { 2047, 2048, 2049, 100000 };
    for (size_t k = 0; k < sizeof depths / sizeof depths[0]; k++) {
        size_t n = depths[k], len = 2 * n + 1, i;
        char *s = malloc(len);
        ck_assert_ptr_nonnull(s);
        for (i = 0; i < n; i++) {
            s[i] = '[';
            s[n + 1 + i] = ']';
        }
        s[n] = '1';
        tu_docdiff((const uint8_t *)s, len, 0);
        free(s);
    }
}
END_TEST

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Seeded mutations (flip, insert, delete, duplicate a span) of the test
 * vectors: the same every run. */
START_TEST(mutations)
{
    static const char *const files[] = {
        "tests/vectors/canonical-v1.json", "tests/vectors/dedup-v1.json",
    };
    static const char alphabet[] = "{}[]\",:\\u0123456789eE+-.tfnlrsa \x00\x7f"
                                   "\xc3\xa9\xed\xf0";
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t len, cut;
        char *text = tu_read_file(files[f], &len);
        ck_assert_ptr_nonnull(text);
        tu_docdiff((const uint8_t *)text, len, 0);
        /* Mutate a window of the vectors: small inputs run fast. */
        for (int round = 0; round < 20000; round++) {
            size_t start = (size_t)(next() % len), n = 1 + next() % 400, i;
            uint8_t buf[512];
            if (start + n > len)
                n = len - start;
            memcpy(buf, text + start, n);
            for (int m = 0, k = (int)(next() % 4); m <= k; m++) {
                i = (size_t)(next() % n);
                switch (next() % 4) {
                case 0:
                    buf[i] = (uint8_t)alphabet[next() % (sizeof alphabet - 1)];
                    break;
                case 1:
                    if (n < sizeof buf) {
                        memmove(buf + i + 1, buf + i, n - i);
                        buf[i] = (uint8_t)alphabet[next() %
                                                   (sizeof alphabet - 1)];
                        n++;
                    }
                    break;
                case 2:
                    if (n > 1) {
                        memmove(buf + i, buf + i + 1, n - i - 1);
                        n--;
                    }
                    break;
                default:
                    cut = (size_t)(next() % (n - i + 1));
                    if (n + cut <= sizeof buf) {
                        memmove(buf + i + cut, buf + i, n - i);
                        n += cut;
                    }
                    break;
                }
            }
            tu_docdiff(buf, n, (int)(round & 1));
        }
        free(text);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("doc");
    TCase *tc = tcase_create("vs-jansson");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, edge_cases);
    tcase_add_test(tc, depth);
    tcase_add_test(tc, mutations);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(suite());
}
