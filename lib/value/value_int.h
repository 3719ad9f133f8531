/* Private to the value layer (lib/value*.c, number.c, base64.c, canon.c):
 * the handle, JSON-path building for error messages, and set members.
 * Other layers use lib/value/value.h only. */
#ifndef DDBXO_LIB_VALUE_INT_H
#define DDBXO_LIB_VALUE_INT_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"
#include "ddbxo.h"
#include "ddbxo/sys/value.h"
#include "value/doc.h"

/* ------------------------------------------------------------ handle */

struct ddbxo__entry {
    const char *key;            /* borrowed from the jansson object */
    size_t len;
    json_t *val;
};

/* A handle reads a record document (doc + node): the record's own for
 * images and keys and what accessors return from them.  Values built with
 * jansson (builders, ddbxo_value_parse) hold their tree in j and get a
 * document of it when a reader needs one (docv, rebuilt after a builder
 * changed the tree).  A document-backed handle gets a jansson copy in j
 * only when jansson code asks for it (ddbxo__value_json).  The lazily
 * made fields are set once, with an atomic compare-and-swap, so readers
 * on several threads may share a record. */
struct ddbxo_value {
    ddbxo__doc *doc;    /* own reference; NULL for jansson-backed */
    uint32_t node;      /* the AttributeValue object, or the map node when
                           is_item */
    unsigned char is_item;
    unsigned char builder;      /* from ddbxo_value_new_map/_list or
                                   ddbxo_item_new: the only handles that
                                   may be mutated (they own their tree) */
    unsigned char embedded;     /* part of a record: ddbxo_value_free
                                   leaves it alone */
    json_t *j;          /* jansson-backed: the tree (own reference); else
                           a lazily made copy, or NULL */
    ddbxo__doc *docv;   /* jansson-backed: its document, lazily made */
    /* Entries sorted by key bytes, built on the first ddbxo_value_entry()
     * and dropped when a builder changes the map. */
    struct ddbxo__entry *index;
    size_t nindex;
};

/* A handle on node `node` of d (takes a new reference on d).  NULL on
 * allocation failure. */
ddbxo_value *ddbxo__value_of_doc(ddbxo__doc *d, size_t node, int is_item);
/* Fills an embedded handle (a record's images and keys). */
void ddbxo__value_embed(ddbxo_value *v, ddbxo__doc *d, size_t node);
void ddbxo__value_unembed(ddbxo_value *v);
/* The document a reader reads, and the node of v in it.  NULL with err
 * (a jansson value that cannot be written: invalid UTF-8, no memory). */
const ddbxo__doc *ddbxo__value_doc(const ddbxo_value *v, size_t *node,
                                   ddbxo_error *err);
/* A builder's tree changed: drop what was made from it. */
void ddbxo__value_changed(ddbxo_value *v);

/* New handle around j; steals the reference (decref'd on failure). */
ddbxo_value *ddbxo__value_steal(json_t *j, int is_item, int builder);

/* The object behind an M value or an attribute map; NULL otherwise. */
json_t *ddbxo__value_map_obj(const ddbxo_value *v);

/* ------------------------------------------------------------- types */

/* Type of an AttributeValue object {"T": x}: the ddbxo_type of its single
 * key (x returned in *val), or 0 when it is not one object with exactly one
 * known type key.  Only the key is checked, not x. */
int ddbxo__av_type_json(const json_t *v, json_t **val);
/* "S", "N", ... or NULL for an unknown type. */
const char *ddbxo__type_key(int t);

/* ------------------------------------------------------------ paths */

/* Error paths are built in a fixed buffer sized like ddbxo_error.path: a
 * path that does not fit is cut (never mid UTF-8 sequence) and ends in
 * "...", and control bytes in attribute names become '?', so a hostile
 * name cannot forge log lines. */
typedef struct ddbxo__path {
    char buf[sizeof(((ddbxo_error *)0)->path)];
    size_t len;
    int full;           /* cut and ended with "...": pushes do nothing */
    size_t full_at;     /* length before the push that did not fit */
} ddbxo__path;

void ddbxo__path_init(ddbxo__path *p, const char *prefix);
/* Append ".seg" (no dot when the path is empty); returns the old length
 * for ddbxo__path_pop. */
size_t ddbxo__path_push(ddbxo__path *p, const char *seg, size_t seglen);
/* Append "[i]". */
size_t ddbxo__path_push_index(ddbxo__path *p, size_t i);
void ddbxo__path_pop(ddbxo__path *p, size_t oldlen);
/* ddbxo__err with the path as err->path and as the message's prefix
 * ("Keys.pk.N: ..."). */
int ddbxo__path_err(ddbxo_error *err, int code, const ddbxo__path *p,
                    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* ------------------------------------------------------ set members */

/* The members of an SS/NS/BS array as canonical bytes (SS: the string,
 * NS: the normalised number, BS: decoded bytes when decode_b is set, else
 * the base64 text, which is a bijection because decoding is strict), sorted
 * by bytes.  Duplicates are counted in ndup, then dropped when dedup is set. */
struct ddbxo__member {
    const unsigned char *p;
    size_t len;
    size_t index;       /* position in the JSON array (for error paths) */
};

typedef struct ddbxo__members {
    ddbxo__buf arena;
    struct ddbxo__member *m;
    size_t n;
    size_t ndup;
    size_t dup_index;   /* array position of one duplicate, if ndup > 0 */
} ddbxo__members;

/* Validates every member of set node arr (errors name ".SS[i]" under
 * path p).  Returns 0 or -1 with err filled; ddbxo__members_free is
 * needed either way. */
int ddbxo__members_collect(ddbxo__members *ms, const ddbxo__doc *d,
                           size_t arr, int type, int decode_b, int dedup,
                           ddbxo__path *p, ddbxo_error *err);
void ddbxo__members_free(ddbxo__members *ms);

/* Byte order of the canonical encoding: memcmp over the common length,
 * shorter first on a tie. */
int ddbxo__bytes_cmp(const void *a, size_t alen, const void *b, size_t blen);

#endif
