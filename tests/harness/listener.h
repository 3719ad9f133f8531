/* A loopback TCP server on a free port for the test fakes (the IMDS fake,
 * check_creds' container-credentials fake): one thread accepts a
 * connection at a time, hands it to serve(ctx, fd) and closes it.  After
 * tu_listener_stop the port refuses connections ("server down"). */
#ifndef DDBXO_TEST_LISTENER_H
#define DDBXO_TEST_LISTENER_H

typedef struct tu_listener tu_listener;
typedef void (*tu_serve_fn)(void *ctx, int fd);

/* NULL when no socket or thread could be had. */
tu_listener *tu_listener_start(tu_serve_fn serve, void *ctx);
int tu_listener_port(const tu_listener *l);
/* Waits for a connection being served to end; takes NULL. */
void tu_listener_stop(tu_listener *l);

#endif
