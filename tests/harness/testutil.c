#include "testutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* How many parent directories tu_testdata() climbs from a start point:
 * enough for a binary under build/<variant>/tests/<layer>/ or a suite run
 * from a subdirectory of the repository. */
#define TU_DATA_CLIMB 8

/* Sets out to "<dir>[/..]*k/tests/data" for the first k <= TU_DATA_CLIMB at
 * which tests/data/events is a directory; 0 when found, -1 otherwise. */
static int find_data_above(const char *dir, char *out, size_t cap)
{
    char up[PATH_MAX] = "";
    size_t n = 0;
    for (int k = 0; k <= TU_DATA_CLIMB; k++) {
        char probe[PATH_MAX];
        struct stat st;
        int w = snprintf(probe, sizeof probe, "%s/%stests/data/events", dir, up);
        if (w > 0 && (size_t)w < sizeof probe && stat(probe, &st) == 0 && S_ISDIR(st.st_mode)) {
            w = snprintf(out, cap, "%s/%stests/data", dir, up);
            return w > 0 && (size_t)w < cap ? 0 : -1;
        }
        if (n + 3 >= sizeof up)
            break;
        memcpy(up + n, "../", 4);
        n += 3;
    }
    return -1;
}

/* The repository's tests/data, found from the working directory and then
 * from the test binary's own location, so a suite finds it whatever
 * directory it runs in; DDBXO_TESTDATA overrides both. */
const char *tu_testdata(void)
{
    static char found[PATH_MAX];
    const char *d = getenv("DDBXO_TESTDATA");
    if (d && *d)
        return d;
    if (found[0])
        return found;
    if (find_data_above(".", found, sizeof found) == 0)
        return found;
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash && slash != exe) {
            *slash = '\0';
            if (find_data_above(exe, found, sizeof found) == 0)
                return found;
        }
    }
    found[0] = '\0';
    return "tests/data";        /* named in the "cannot read" messages */
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            if (!buf) { fclose(f); return NULL; }
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *tu_read_testdata(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", tu_testdata(), rel);
    char *b = tu_read_file(path, len);
    ck_assert_msg(b != NULL, "cannot read %s", path);
    return b;
}

int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

size_t tu_recv_head(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n < cap - 1) {
        ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
        buf[n] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    buf[n] = '\0';
    return n;
}

void tu_send_all(int fd, const char *p, size_t n)
{
    for (size_t off = 0; off < n;) {
        ssize_t w = send(fd, p + off, n - off, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
}
