/* Shared helpers for the Check suites. */
#ifndef DDBXO_TESTUTIL_H
#define DDBXO_TESTUTIL_H

#include <check.h>
#include <stddef.h>

/* The repository's tests/data directory, found from the working directory
 * or the test binary (env DDBXO_TESTDATA overrides). */
const char *tu_testdata(void);
/* Reads a whole file; returns malloc'd buffer (NUL-terminated) or NULL. */
char *tu_read_file(const char *path, size_t *len);
/* Reads a file below tu_testdata(); aborts the test if missing. */
char *tu_read_testdata(const char *rel, size_t *len);
/* Runs one suite and returns the process exit status. */
int tu_run(Suite *s);

#define TU_MAIN(suite_fn) \
    int main(void) { return tu_run(suite_fn()); }

/* The test servers' socket I/O.  Reads an HTTP request's head (to the
 * blank line, cap - 1 bytes, or the peer closing) into buf, NUL-terminated;
 * returns its length. */
size_t tu_recv_head(int fd, char *buf, size_t cap);
/* Sends all of p, or stops quietly when the peer went away. */
void tu_send_all(int fd, const char *p, size_t n);

#endif
