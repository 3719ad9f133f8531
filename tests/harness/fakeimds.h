/* fakeimds: a FAKE, test-only EC2 Instance Metadata Service (IMDSv2) on
 * 127.0.0.1.  moto serves instance metadata only for requests addressed to
 * 169.254.169.254 and has no session tokens, so the tests use this: it
 * serves the documented IMDSv2 protocol and nothing else --
 *   PUT /latest/api/token  (needs X-aws-ec2-metadata-token-ttl-seconds
 *                           1..21600, else 400) -> a token
 *   GET /latest/meta-data/iam/security-credentials/[ROLE] with
 *       X-aws-ec2-metadata-token: a valid token, else 401
 * and answers credentials AKIDIMDS<n>/SECRETIMDS<n>/TOKENIMDS<n> that
 * expire exp_offset seconds from now.  One thread, one request per
 * connection.  Start it inside the test (Check forks per test). */
#ifndef DDBXO_FAKEIMDS_H
#define DDBXO_FAKEIMDS_H

typedef struct fakeimds fakeimds;

/* NULL on failure.  role "" = an instance without a role (404). */
fakeimds *fakeimds_start(const char *role, long exp_offset);
void fakeimds_stop(fakeimds *f);            /* accepts NULL */
/* "http://127.0.0.1:PORT" */
const char *fakeimds_url(const fakeimds *f);
typedef struct fakeimds_stats {
    int token_puts;        /* PUT /latest/api/token answered 200 */
    int creds_gets;        /* credentials documents served */
    int unauthorized;      /* requests refused for lack of a valid token */
} fakeimds_stats;
void fakeimds_get_stats(fakeimds *f, fakeimds_stats *out);

#endif
