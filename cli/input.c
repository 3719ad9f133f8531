#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ddbxo.h"

char *cli_read_input(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *buf = NULL, *nb;
    size_t cap = 0, n = 0, r;
    if (!f) {
        fprintf(stderr, "ddbxo: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    do {
        if (cap - n < 65536) {
            /* One byte more than the library accepts, so it can say why. */
            if (cap > DDBXO_MAX_EVENT_BYTES + 3) {
                r = 0;
                break;
            }
            cap = cap ? cap * 2 : 1 << 16;
            nb = realloc(buf, cap + 1);
            if (!nb) {
                fprintf(stderr, "ddbxo: out of memory reading %s\n", path);
                free(buf);
                if (f != stdin)
                    fclose(f);
                return NULL;
            }
            buf = nb;
        }
        r = fread(buf + n, 1, cap - n, f);
        n += r;
    } while (r > 0);
    if (ferror(f)) {
        fprintf(stderr, "ddbxo: error reading %s\n", path);
        free(buf);
        buf = NULL;
    }
    if (f != stdin)
        fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

int cli_parse_int(const char *s, long long min, long long max, long long *out)
{
    char *end;
    long long v;
    /* Digits only: strtoll alone would take "+5", " 5" and "-0". */
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (*end || errno == ERANGE || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}
