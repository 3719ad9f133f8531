/* Internal: the strict, minimal XML reader for STS answers.
 *
 * STS answers a small, fixed shape (AssumeRoleResponse /
 * AssumeRoleWithWebIdentityResponse, or ErrorResponse): elements,
 * namespace attributes, text with the five predefined entities and
 * character references.  This reader accepts exactly that and refuses the
 * rest of XML (DOCTYPE, entities, CDATA, processing instructions other than
 * the XML declaration), so nothing in an answer can make it fetch, expand
 * or recurse.  docs/security.md says why it is not libexpat; fuzz/
 * fuzz_sts_xml.c fuzzes it. */
#ifndef DDBXO_LIB_STS_XML_H
#define DDBXO_LIB_STS_XML_H

#include <stddef.h>

#include "ddbxo.h"

/* Deepest nesting accepted (STS answers nest 4 deep). */
#define DDBXO__XML_MAX_DEPTH 16
/* Largest document read. */
#define DDBXO__XML_MAX_BYTES (256u * 1024u)

/* One value wanted: path is the element names from the root, local names
 * (any "prefix:" dropped), joined by '/', e.g.
 * "AssumeRoleResponse/AssumeRoleResult/Credentials/AccessKeyId".
 * value is set (heap, NUL-terminated, entities decoded) when the element
 * is present; NULL otherwise. */
typedef struct ddbxo__xml_want {
    const char *path;
    char *value;
} ddbxo__xml_want;

/* Reads doc (len bytes; need not be NUL-terminated) and fills the wanted
 * values.  -1 + DDBXO_E_INVALID for anything not well-formed or outside
 * the subset, for a wanted element that occurs twice, or for a wanted
 * element with child elements; every value is then cleared.  The error
 * never quotes the document (it holds secrets). */
int ddbxo__xml_extract(const char *doc, size_t len, ddbxo__xml_want *w,
                       size_t n, ddbxo_error *err);

/* Wipes and frees the values of w[0..n).  Safe to call twice. */
void ddbxo__xml_want_clear(ddbxo__xml_want *w, size_t n);

#endif
