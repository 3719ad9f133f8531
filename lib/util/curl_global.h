/* Internal: libcurl's process-wide initialisation, shared by every layer
 * that makes easy handles (creds for container credentials, http). */
#ifndef DDBXO_LIB_CURL_GLOBAL_H
#define DDBXO_LIB_CURL_GLOBAL_H

#include <curl/curl.h>

/* Runs curl_global_init once per process (thread-safe) and returns its
 * result on every call. */
CURLcode ddbxo__curl_global_init(void);

/* curl_slist_free_all after wiping every line: request header lists hold
 * the Authorization signature and X-Amz-Security-Token (or a container
 * authorization token).  Accepts NULL. */
void ddbxo__curl_slist_wipe_free(struct curl_slist *l);

#endif
