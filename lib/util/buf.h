/* Internal: a growable byte buffer.  An allocation failure is sticky (oom),
 * so a sequence of appends needs one check at the end.  Growing wipes the
 * block it leaves (it may have held a secret); freeing wipes only with
 * ddbxo__buf_wipe_free. */
#ifndef DDBXO_LIB_BUF_H
#define DDBXO_LIB_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct ddbxo__buf {
    unsigned char *p;
    size_t len, cap;
    int oom;
} ddbxo__buf;

void ddbxo__buf_init(ddbxo__buf *b);
void ddbxo__buf_free(ddbxo__buf *b);            /* wipes nothing; see _wipe */
void ddbxo__buf_wipe_free(ddbxo__buf *b);       /* zeroes, then frees (secrets) */
/* Zeroes a NUL-terminated string, then frees it (a secret, a token, a
 * header value that may carry one).  Accepts NULL. */
void ddbxo__str_wipe_free(char *s);
int  ddbxo__buf_reserve(ddbxo__buf *b, size_t extra);
int  ddbxo__buf_put(ddbxo__buf *b, const void *p, size_t n);
int  ddbxo__buf_puts(ddbxo__buf *b, const char *s);
int  ddbxo__buf_putc(ddbxo__buf *b, unsigned char c);
int  ddbxo__buf_put_u32be(ddbxo__buf *b, uint32_t v);
int  ddbxo__buf_printf(ddbxo__buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* NUL-terminates (not counted in len) and returns p; NULL on oom. */
char *ddbxo__buf_cstr(ddbxo__buf *b);
/* Hands the memory to the caller (free with free()); resets b. */
unsigned char *ddbxo__buf_take(ddbxo__buf *b, size_t *len);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void ddbxo__hex(const unsigned char *p, size_t n, char *out);

#endif
