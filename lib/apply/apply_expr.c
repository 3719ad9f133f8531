/* Merging the replicate bookkeeping into a transform's UpdateExpression.
 *
 * An UpdateExpression has at most one clause of each kind (SET, REMOVE,
 * ADD, DELETE), in any order, and DynamoDB refuses a second SET.  So our
 * assignments must join the user's clause rather than follow it.  The
 * clause keywords are reserved words: they can only appear as bare
 * tokens, never as attribute names (those need a #placeholder), so a
 * token scan that skips placeholders and path components finds them. */
#include "apply/apply_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
}

/* Offset just past the clause keyword kw (e.g. "SET"), or 0 if absent. */
static size_t find_clause(const char *s, const char *kw)
{
    size_t i = 0, k = strlen(kw);
    char prev = ' ';
    while (s[i]) {
        char c = s[i];
        if (c == '#' || c == ':') {
            i++;
            while (word_char(s[i]))
                i++;
            prev = 'x';
            continue;
        }
        if (word_char(c)) {
            size_t start = i;
            while (word_char(s[i]))
                i++;
            /* "a.set" would be a path component, not a keyword. */
            if (prev != '.' && i - start == k &&
                strncasecmp(s + start, kw, k) == 0)
                return i;
            prev = 'x';
            continue;
        }
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            prev = c;
        i++;
    }
    return 0;
}

typedef struct ins {
    size_t at;                   /* offset in the original */
    const char *kw;              /* clause keyword to write first, or NULL */
    const char *items;
} ins;

char *ddbxo__update_expr_merge(const char *expr, const char *set_items,
                               const char *remove_items)
{
    ins v[2];
    size_t nv = 0, n = strlen(expr), len = n + 1, pos = 0, o = 0;
    char *out;
    if (set_items) {
        size_t at = find_clause(expr, "SET");
        v[nv].at = at ? at : n;
        v[nv].kw = at ? NULL : "SET";
        v[nv++].items = set_items;
    }
    if (remove_items) {
        size_t at = find_clause(expr, "REMOVE");
        v[nv].at = at ? at : n;
        v[nv].kw = at ? NULL : "REMOVE";
        v[nv++].items = remove_items;
    }
    if (nv == 2 && v[1].at < v[0].at) {
        ins t = v[0];
        v[0] = v[1];
        v[1] = t;
    }
    for (size_t i = 0; i < nv; i++)
        len += strlen(v[i].items) + 10;   /* " REMOVE " / " " and "," */
    if (!(out = malloc(len)))
        return NULL;
    for (size_t i = 0; i < nv; i++) {
        size_t k = strlen(v[i].items);
        memcpy(out + o, expr + pos, v[i].at - pos);
        o += v[i].at - pos;
        pos = v[i].at;
        out[o++] = ' ';
        if (v[i].kw) {
            /* A new clause at the end: "... SET #a = :a". */
            memcpy(out + o, v[i].kw, strlen(v[i].kw));
            o += strlen(v[i].kw);
            out[o++] = ' ';
            memcpy(out + o, v[i].items, k);
            o += k;
        } else {
            /* Joins the clause: "SET <ours>, <theirs>". */
            memcpy(out + o, v[i].items, k);
            o += k;
            out[o++] = ',';
        }
    }
    memcpy(out + o, expr + pos, n - pos);
    o += n - pos;
    out[o] = '\0';
    return out;
}
