/* SigV4 input checks and X-Amz-Date handling.
 *
 * Everything that ends up in a header we emit (key id, token, region,
 * service, date) is checked here, so a stray newline or comma from a
 * config file cannot split or forge a header.  Messages name the field and
 * never quote a credential. */
#include "util/clock.h"
#include "util/error.h"
#include "auth/sigv4.h"

#include <string.h>
#include <time.h>

/* Longest region or service name accepted; real ones are < 32 characters,
 * and the bound keeps the string to sign in a fixed stack buffer. */
#define SCOPE_PART_MAX 63

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

int ddbxo__sv4_date_ok(const char *s)
{
    static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30,
                                           31, 31, 30, 31, 30, 31 };
    int mon, day;
    if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
        return 0;
    for (int i = 0; i < 15; i++)
        if (i != 8 && !is_digit(s[i]))
            return 0;
    mon = num(s + 4, 2);
    day = num(s + 6, 2);
    /* Feb 29 is accepted in any year: the date is only text to the
     * signature, and refusing it buys nothing. */
    return mon >= 1 && mon <= 12 && day >= 1 && day <= mdays[mon - 1] &&
           num(s + 9, 2) < 24 && num(s + 11, 2) < 60 && num(s + 13, 2) < 61;
}

/* v (>= 0, < 10^n) as n zero-padded decimal digits. */
static void digits(char *out, int v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + v % 10);
}

DDBXO_API int ddbxo_sigv4_format_date(time_t t,
                                      char out[DDBXO_SIGV4_DATE_BUFSIZE],
                                      ddbxo_error *err)
{
    struct tm tm;
    if (!out)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "sigv4: out is NULL");
    out[0] = '\0';
    if (t == 0)
        t = (time_t)(ddbxo__wall_ms() / 1000);
    if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "sigv4: time %lld is outside years 0000-9999",
                          (long long)t);
    /* By hand: snprintf costs more than the rest of the date handling. */
    digits(out, tm.tm_year + 1900, 4);
    digits(out + 4, tm.tm_mon + 1, 2);
    digits(out + 6, tm.tm_mday, 2);
    out[8] = 'T';
    digits(out + 9, tm.tm_hour, 2);
    digits(out + 11, tm.tm_min, 2);
    digits(out + 13, tm.tm_sec, 2);
    out[15] = 'Z';
    out[16] = '\0';
    return 0;
}

int ddbxo__sv4_date(const ddbxo_sigv4_params *p,
                    char out[DDBXO_SIGV4_DATE_BUFSIZE], ddbxo_error *err)
{
    if (!p->amz_date)
        return ddbxo_sigv4_format_date(p->time, out, err);
    if (!ddbxo__sv4_date_ok(p->amz_date))
        return ddbxo__err(err, DDBXO_E_INVALID, "amz_date",
                          "sigv4: amz_date is not YYYYMMDDTHHMMSSZ");
    memcpy(out, p->amz_date, DDBXO_SIGV4_DATE_BUFSIZE);
    return 0;
}

/* Printable ASCII without space: what survives inside a header value. */
static int printable(const char *s, const char *also_bad)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x21 || c > 0x7e || (also_bad && strchr(also_bad, c)))
            return 0;
    }
    return 1;
}

int ddbxo__sv4_check_creds(const char *akid, const char *secret,
                           const char *token, ddbxo_error *err)
{
    if (!akid || !*akid)
        return ddbxo__err(err, DDBXO_E_INVALID, "access_key_id",
                          "sigv4: access key id is missing");
    /* '/' and ',' would change how the server splits Credential=. */
    if (!printable(akid, "/,="))
        return ddbxo__err(err, DDBXO_E_INVALID, "access_key_id",
                          "sigv4: access key id has a character that is "
                          "not allowed (space, control, '/', ',', '=')");
    if (!secret || !*secret)
        return ddbxo__err(err, DDBXO_E_INVALID, "secret_access_key",
                          "sigv4: secret access key is missing");
    if (token && *token && !printable(token, NULL))
        return ddbxo__err(err, DDBXO_E_INVALID, "session_token",
                          "sigv4: session token has a space or control "
                          "character");
    return 0;
}

static int scope_part_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              is_digit(c) || c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return n > 0 && n <= SCOPE_PART_MAX;
}

int ddbxo__sv4_check_scope(const char *region, const char *service,
                           ddbxo_error *err)
{
    if (!region || !*region)
        return ddbxo__err(err, DDBXO_E_INVALID, "region",
                          "sigv4: region is missing");
    if (!scope_part_ok(region))
        return ddbxo__err(err, DDBXO_E_INVALID, "region",
                          "sigv4: region must be 1-%d of [A-Za-z0-9._-]",
                          SCOPE_PART_MAX);
    if (!service || !*service)
        return ddbxo__err(err, DDBXO_E_INVALID, "service",
                          "sigv4: service is missing");
    if (!scope_part_ok(service))
        return ddbxo__err(err, DDBXO_E_INVALID, "service",
                          "sigv4: service must be 1-%d of [A-Za-z0-9._-]",
                          SCOPE_PART_MAX);
    return 0;
}
