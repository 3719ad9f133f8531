/* The accept loop the test fakes share (listener.h). */
#include "listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct tu_listener {
    int lfd, port;
    atomic_int stop;
    pthread_t th;
    tu_serve_fn serve;
    void *ctx;
};

static void *loop(void *arg)
{
    tu_listener *l = arg;
    while (!atomic_load(&l->stop)) {
        /* Short polls: stop is seen within 20 ms. */
        struct pollfd p = { l->lfd, POLLIN, 0 };
        if (poll(&p, 1, 20) == 1) {
            int c = accept(l->lfd, NULL, NULL);
            if (c >= 0) {
                l->serve(l->ctx, c);
                close(c);
            }
        }
    }
    return NULL;
}

tu_listener *tu_listener_start(tu_serve_fn serve, void *ctx)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    int one = 1;
    tu_listener *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->serve = serve;
    l->ctx = ctx;
    l->lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (l->lfd < 0 ||
        setsockopt(l->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(l->lfd, (struct sockaddr *)&a, sizeof a) < 0 ||
        listen(l->lfd, 64) < 0 ||
        getsockname(l->lfd, (struct sockaddr *)&a, &al) < 0 ||
        pthread_create(&l->th, NULL, loop, l) != 0) {
        if (l->lfd >= 0)
            close(l->lfd);
        free(l);
        return NULL;
    }
    l->port = ntohs(a.sin_port);
    return l;
}

int tu_listener_port(const tu_listener *l)
{
    return l->port;
}

void tu_listener_stop(tu_listener *l)
{
    if (!l)
        return;
    atomic_store(&l->stop, 1);
    pthread_join(l->th, NULL);
    close(l->lfd);
    free(l);
}
