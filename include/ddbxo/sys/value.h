/*
 * libddbxo -- value builders, checks and canonical bytes
 *
 * ADVANCED LAYER (libgit2's sys/ pattern): <ddbxo.h> does not include this
 * header; include it yourself.  Stability: names, signatures and
 * struct layouts hold within a major version, as in <ddbxo.h>.  For programs
 * that build DynamoDB values themselves, normalise numbers, or reproduce the
 * bytes behind a dedup key (docs/format.md).
 */
#ifndef DDBXO_SYS_VALUE_H
#define DDBXO_SYS_VALUE_H

#include <ddbxo.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- value: limits, builders and checks ---- */
/* DynamoDB: significant digits of a number. */
#define DDBXO_MAX_NUMBER_DIGITS 38
/* Size of a buffer that holds any normalised number and its NUL: the
 * longest is "-0." + 129 zeros + 38 digits (170 bytes). */
#define DDBXO_NUMBER_BUFSIZE 171
/* DynamoDB: an item's attribute name is 1..65535 bytes. */
#define DDBXO_MAX_NAME_BYTES 65535
/* Version of the canonical encoding ddbxo_value_canonical writes. */
#define DDBXO_CANONICAL_VERSION 1

/* Validates v against the LENIENT or STRICT rules (e.g. an image before it
 * is written).  Returns 0, or -1 with err naming the path and the rule. */
DDBXO_API int ddbxo_value_check(const ddbxo_value *v, unsigned flags,
                                ddbxo_error *err);

/* Builders.  Each returns a new handle (free with ddbxo_value_free) or NULL
 * with err, and checks DynamoDB's write rules: S must be UTF-8, N must be a
 * valid number (its text is kept as given), B takes raw bytes. */
DDBXO_API ddbxo_value *ddbxo_value_new_s(const char *s, size_t len,
                                         ddbxo_error *err);
DDBXO_API ddbxo_value *ddbxo_value_new_n(const char *text, size_t len,
                                         ddbxo_error *err);
DDBXO_API ddbxo_value *ddbxo_value_new_b(const void *bytes, size_t len,
                                         ddbxo_error *err);
DDBXO_API ddbxo_value *ddbxo_value_new_bool(int b, ddbxo_error *err);
DDBXO_API ddbxo_value *ddbxo_value_new_null(ddbxo_error *err);

/* A set of type SS (UTF-8 strings), NS (number texts) or BS (raw bytes)
 * from n members (members[i], lens[i] bytes; copied).  Fails with err on an
 * empty set, a bad member or a duplicate (NS: after normalisation). */
DDBXO_API ddbxo_value *ddbxo_value_new_set(ddbxo_type type,
                                           const void *const *members,
                                           const size_t *lens, size_t n,
                                           ddbxo_error *err);

/* An empty M value, an empty L value, or an empty attribute map (an item
 * to write), to fill with ddbxo_map_set / ddbxo_list_append. */
DDBXO_API ddbxo_value *ddbxo_value_new_map(ddbxo_error *err);
DDBXO_API ddbxo_value *ddbxo_value_new_list(ddbxo_error *err);
DDBXO_API ddbxo_value *ddbxo_item_new(ddbxo_error *err);

/* Sets entry `name` (namelen bytes of UTF-8; replaces an existing one) of a
 * map from ddbxo_value_new_map/ddbxo_item_new to a copy of val (an
 * attribute map handle becomes an M).  val must pass the STRICT check and
 * leave the result within DDBXO_MAX_DEPTH.  0, or -1 with err. */
DDBXO_API int ddbxo_map_set(ddbxo_value *map, const char *name,
                            size_t namelen, const ddbxo_value *val,
                            ddbxo_error *err);

/* Appends a copy of val to a list from ddbxo_value_new_list; same rules as
 * ddbxo_map_set.  0, or -1 with err. */
DDBXO_API int ddbxo_list_append(ddbxo_value *list, const ddbxo_value *val,
                                ddbxo_error *err);

/* Checks NUL-terminated number text against DynamoDB's rules: syntax
 * ("+1", ".5", "5.", "1e3" are fine), <= 38 significant digits, magnitude
 * 1E-130 .. 9.99..9E+125 (38 nines) or zero.  0, or -1 with err. */
DDBXO_API int ddbxo_number_validate(const char *s, ddbxo_error *err);

/* Writes the normal form of number s into out (plain notation, no
 * exponent, no redundant zeros or sign: "1.50" -> "1.5", "-0" -> "0",
 * "1.5e3" -> "1500").  DDBXO_NUMBER_BUFSIZE always suffices.  Returns its
 * length, or -1 with err (invalid number, or outsz too small). */
DDBXO_API int ddbxo_number_normalize(const char *s, char *out, size_t outsz,
                                     ddbxo_error *err);

/* The canonical encoding v1 of v (docs/format.md §1; an attribute map
 * encodes as an M) in *out, length *len.  Free with ddbxo_free.  0, or -1
 * with err on a malformed value or out of memory. */
DDBXO_API int ddbxo_value_canonical(const ddbxo_value *v, unsigned char **out,
                                    size_t *len, ddbxo_error *err);

/* ---- dedup: the inputs of a dedup key ---- */
/* Writes s zero-padded to 40 digits (+NUL) into out, the form stored in
 * _ddbxo_seq so that string order is numeric order.  -1 if s is invalid. */
DDBXO_API int ddbxo_seq_pad(const char *s, char out[DDBXO_SEQ_BUFSIZE],
                            ddbxo_error *err);

/* The table name in a DynamoDB table or stream ARN
 * ("arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL") into out.
 * -1 if arn is not such an ARN or out is too small. */
DDBXO_API int ddbxo_arn_table_name(const char *arn, char *out, size_t outsz,
                                   ddbxo_error *err);

/* The bytes ddbxo_dedup_key() hashes (the canonical encoding of docs/format.md,
 * for test vectors and bindings).  *out is freed with ddbxo_free(). */
DDBXO_API int ddbxo_dedup_canonical(const ddbxo_record *rec,
                                    const char *source_table,
                                    unsigned char **out, size_t *len,
                                    ddbxo_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DDBXO_SYS_VALUE_H */
