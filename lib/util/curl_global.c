#include "util/curl_global.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode rc;

/* Once per process and never undone: a library cannot know when the
 * application is done with libcurl, and curl_easy_init() would do this
 * lazily but not thread-safely. */
static void init(void)
{
    rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

CURLcode ddbxo__curl_global_init(void)
{
    pthread_once(&once, init);
    return rc;
}

void ddbxo__curl_slist_wipe_free(struct curl_slist *l)
{
    for (struct curl_slist *i = l; i; i = i->next)
        if (i->data)
            OPENSSL_cleanse(i->data, strlen(i->data));
    curl_slist_free_all(l);
}
