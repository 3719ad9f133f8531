/* The error model without a server: real-shaped error bodies (AWS JSON
 * with its three namespaces, moto's XML 403, throttling diagnostics,
 * cancellations) and hostile ones (empty, garbage, truncated, huge) are
 * all classified -- type, message, ddbxo code, retry class -- and never
 * crash. */
#include "ddbxo/sys/ddb.h"
#include "service/ddb.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

/* Parses body (a C string) as an answer of `status`. */
static int parse(long status, const char *hdr, const char *body,
                 ddbxo__aws_error *e)
{
    ddbxo__aws_error_init(e);
    return ddbxo__aws_error_parse(status, hdr, body, body ? strlen(body) : 0,
                                  e);
}

/* The ddbxo_error a caller would see for e (as the ddb layer builds it). */
static ddbxo_error to_err(const ddbxo__aws_error *e)
{
    ddbxo_error err;
    ddbxo_error_clear(&err);
    ddbxo__aws_error_to_err(e, "PutItem", &err);
    return err;
}

START_TEST(dynamodb_namespace_type_and_lowercase_message)
{
    ddbxo__aws_error e;
    int cls = parse(400, NULL,
                    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                    "ResourceNotFoundException\",\"message\":\"Requested "
                    "resource not found\"}", &e);
    ck_assert_int_eq(cls, DDBXO__RETRY_NEVER);
    ck_assert_int_eq(e.format, DDBXO__BODY_JSON);
    ck_assert_str_eq(e.type, "ResourceNotFoundException");
    ck_assert_str_eq(e.message, "Requested resource not found");
    ck_assert_int_eq(e.nreasons, 0);
    ck_assert_ptr_null(e.item);
    ddbxo_error err = to_err(&e);
    ck_assert_int_eq(err.code, DDBXO_E_AWS);
    ck_assert_int_eq(err.http_status, 400);
    ck_assert_str_eq(err.aws_type, "ResourceNotFoundException");
    ck_assert_str_eq(err.message, "PutItem: ResourceNotFoundException: "
                                  "Requested resource not found");
    ddbxo__aws_error_clear(&e);
    ddbxo__aws_error_clear(&e);          /* twice is fine */
}
END_TEST

START_TEST(coral_namespaces_and_bare_type)
{
    static const struct { const char *body, *type; int cls; } cases[] = {
        { "{\"__type\":\"com.amazon.coral.validate#ValidationException\","
          "\"message\":\"1 validation error detected\"}",
          "ValidationException", DDBXO__RETRY_NEVER },
        { "{\"__type\":\"com.amazon.coral.service#ExpiredTokenException\","
          "\"message\":\"The security token included in the request is "
          "expired\"}", "ExpiredTokenException", DDBXO__RETRY_NEVER },
        { "{\"__type\":\"com.amazon.coral.service#UnrecognizedClientException"
          ":http://internal.amazon.com/coral/com.amazon.coral.service/\","
          "\"message\":\"The security token included in the request is "
          "invalid.\"}", "UnrecognizedClientException", DDBXO__RETRY_NEVER },
        { "{\"__type\":\"com.amazon.coral.service#InvalidSignatureException\","
          "\"message\":\"Signature expired: 20150101T000000Z is now earlier "
          "than ... (... - 15 min.)\"}", "InvalidSignatureException",
          DDBXO__RETRY_NEVER },
        { "{\"__type\":\"ValidationException\",\"message\":\"bare\"}",
          "ValidationException", DDBXO__RETRY_NEVER },
        { "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\",\"message\":"
          "\"The specified queue does not exist.\",\"Message\":\"x\"}",
          "QueueDoesNotExist", DDBXO__RETRY_NEVER },
        { "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
          "InternalServerError\",\"message\":\"Internal server error\"}",
          "InternalServerError", DDBXO__RETRY_TRANSIENT },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ddbxo__aws_error e;
        ck_assert_int_eq(parse(400, NULL, cases[i].body, &e), cases[i].cls);
        ck_assert_str_eq(e.type, cases[i].type);
        ck_assert_ptr_nonnull(e.message);
        ck_assert_int_eq(to_err(&e).code, DDBXO_E_AWS);
        ddbxo__aws_error_clear(&e);
    }
}
END_TEST

START_TEST(message_key_either_case_lowercase_first)
{
    ddbxo__aws_error e;
    parse(400, NULL, "{\"__type\":\"com.amazon.coral.service#"
                     "SerializationException\",\"Message\":\"Start of list "
                     "found where not expected\"}", &e);
    ck_assert_str_eq(e.type, "SerializationException");
    ck_assert_str_eq(e.message, "Start of list found where not expected");
    ddbxo__aws_error_clear(&e);
    parse(400, NULL, "{\"__type\":\"X\",\"Message\":\"upper\","
                     "\"message\":\"lower\"}", &e);
    ck_assert_str_eq(e.message, "lower");
    ddbxo__aws_error_clear(&e);
    /* A message of the wrong JSON kind is no message. */
    parse(400, NULL, "{\"__type\":\"X\",\"message\":42}", &e);
    ck_assert_ptr_null(e.message);
    ck_assert_str_eq(to_err(&e).message, "PutItem: X (HTTP 400)");
    ddbxo__aws_error_clear(&e);
}
END_TEST

START_TEST(condition_failure_with_all_old_item)
{
    /* moto 5.2.1 spells it "Message" when Item is present (docs/moto-gaps.md C6). */
    ddbxo__aws_error e;
    int cls = parse(400, "ConditionalCheckFailedException",
                    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                    "ConditionalCheckFailedException\",\"Message\":\"The "
                    "conditional request failed\",\"Item\":{\"pk\":{\"S\":\"a\"},"
                    "\"_ddbxo_seq\":{\"S\":\"0007\"}}}", &e);
    ck_assert_int_eq(cls, DDBXO__RETRY_NEVER);
    ck_assert_str_eq(e.type, "ConditionalCheckFailedException");
    ck_assert_ptr_nonnull(e.item);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(e.item, "_ddbxo_seq"), "S")), "0007");
    ddbxo_error err = to_err(&e);
    ck_assert_int_eq(err.code, DDBXO_E_CONDITION);
    ck_assert_str_eq(err.message, "PutItem: ConditionalCheckFailedException: "
                                  "The conditional request failed");
    ddbxo__aws_error_clear(&e);
    /* Item of the wrong kind is ignored. */
    parse(400, NULL, "{\"__type\":\"ConditionalCheckFailedException\","
                     "\"Item\":[1]}", &e);
    ck_assert_ptr_null(e.item);
    ddbxo__aws_error_clear(&e);
}
END_TEST

static const char tx_body[] =
    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
    "TransactionCanceledException\",\"CancellationReasons\":[{\"Code\":"
    "\"None\"},{\"Code\":\"ConditionalCheckFailed\",\"Message\":\"The "
    "conditional request failed\",\"Item\":{\"pk\":{\"S\":\"b\"},\"n\":"
    "{\"N\":\"5\"}}},{\"Code\":\"None\"}],\"Message\":\"Transaction cancelled, "
    "please refer cancellation reasons for specific reasons [None, "
    "ConditionalCheckFailed, None]\"}";

START_TEST(transaction_cancelled_reasons_per_action)
{
    ddbxo__aws_error e;
    int cls = parse(400, NULL, tx_body, &e);
    ck_assert_int_eq(cls, DDBXO__RETRY_NEVER);
    ck_assert_str_eq(e.type, "TransactionCanceledException");
    ck_assert_int_eq(e.nreasons, 3);
    ck_assert_str_eq(e.reasons[0].code, "None");
    ck_assert_ptr_null(e.reasons[0].message);
    ck_assert_ptr_null(e.reasons[0].item);
    ck_assert_str_eq(e.reasons[1].code, "ConditionalCheckFailed");
    ck_assert_str_eq(e.reasons[1].message, "The conditional request failed");
    ck_assert_ptr_nonnull(e.reasons[1].item);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(e.reasons[1].item, "n"), "N")), "5");
    ck_assert_str_eq(e.reasons[2].code, "None");
    ck_assert_int_eq(ddbxo__aws_error_cancel_retryable(&e), 0);
    ddbxo_error err = to_err(&e);
    ck_assert_int_eq(err.code, DDBXO_E_CANCELLED);
    ck_assert_ptr_nonnull(strstr(err.message,
                                 "[None, ConditionalCheckFailed, None]"));
    ddbxo__aws_error_clear(&e);
}
END_TEST

START_TEST(cancellation_reason_spellings)
{
    ddbxo__aws_error e;
    /* null and "NONE" (old docs) read as None; unreadable entries are
     * Unknown, never None. */
    parse(400, NULL, "{\"__type\":\"TransactionCanceledException\","
                     "\"CancellationReasons\":[{\"Code\":null},{\"Code\":"
                     "\"NONE\"},{},\"junk\",{\"Code\":7},{\"Code\":"
                     "\"TransactionConflict\",\"message\":\"Transaction is "
                     "ongoing for the item.\"}]}", &e);
    ck_assert_int_eq(e.nreasons, 6);
    ck_assert_str_eq(e.reasons[0].code, "None");
    ck_assert_str_eq(e.reasons[1].code, "None");
    ck_assert_str_eq(e.reasons[2].code, "None");
    ck_assert_str_eq(e.reasons[3].code, "Unknown");
    ck_assert_str_eq(e.reasons[4].code, "Unknown");
    ck_assert_str_eq(e.reasons[5].code, "TransactionConflict");
    ck_assert_str_eq(e.reasons[5].message, "Transaction is ongoing for the item.");
    ck_assert_int_eq(ddbxo__aws_error_cancel_retryable(&e), 0); /* Unknown */
    ddbxo__aws_error_clear(&e);

    /* Only conflicts and throttling: worth another try. */
    parse(400, NULL, "{\"__type\":\"TransactionCanceledException\","
                     "\"CancellationReasons\":[{\"Code\":\"None\"},{\"Code\":"
                     "\"TransactionConflict\"},{\"Code\":\"ThrottlingError\"}]}",
          &e);
    ck_assert_int_eq(ddbxo__aws_error_cancel_retryable(&e), 1);
    ddbxo__aws_error_clear(&e);
    parse(400, NULL, "{\"__type\":\"TransactionCanceledException\","
                     "\"CancellationReasons\":[{\"Code\":\"None\"}]}", &e);
    ck_assert_int_eq(ddbxo__aws_error_cancel_retryable(&e), 0);
    ddbxo__aws_error_clear(&e);
}
END_TEST

START_TEST(throttling_with_reasons_is_throttle_class)
{
    ddbxo__aws_error e;
    int cls = parse(400, NULL,
                    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                    "ProvisionedThroughputExceededException\",\"message\":"
                    "\"The level of configured provisioned throughput for the "
                    "table was exceeded.\",\"ThrottlingReasons\":[{\"reason\":"
                    "\"TableWriteProvisionedThroughputExceeded\",\"resource\":"
                    "\"arn:aws:dynamodb:us-east-1:1:table/t\"}]}", &e);
    ck_assert_int_eq(cls, DDBXO__RETRY_THROTTLE);
    ck_assert_str_eq(e.throttle_reason, "TableWriteProvisionedThroughputExceeded");
    ddbxo_error err = to_err(&e);
    ck_assert_int_eq(err.code, DDBXO_E_AWS);
    ck_assert_ptr_nonnull(strstr(err.message,
                                 "[TableWriteProvisionedThroughputExceeded]"));
    ddbxo__aws_error_clear(&e);

    /* ThrottlingException spells it throttlingReasons. */
    cls = parse(400, NULL, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                           "ThrottlingException\",\"message\":\"slow down\","
                           "\"throttlingReasons\":[{\"reason\":"
                           "\"TableReadKeyRangeThroughputExceeded\"}]}", &e);
    ck_assert_int_eq(cls, DDBXO__RETRY_THROTTLE);
    ck_assert_str_eq(e.throttle_reason, "TableReadKeyRangeThroughputExceeded");
    ddbxo__aws_error_clear(&e);

    static const char *const throttles[] = {
        "RequestLimitExceeded", "TransactionInProgressException",
        "LimitExceededException", "ThrottlingException",
    };
    for (size_t i = 0; i < sizeof throttles / sizeof throttles[0]; i++) {
        char body[200];
        snprintf(body, sizeof body, "{\"__type\":\"ns#%s\"}", throttles[i]);
        ck_assert_int_eq(parse(400, NULL, body, &e), DDBXO__RETRY_THROTTLE);
        ddbxo__aws_error_clear(&e);
    }
    /* 429 is throttling whatever the body. */
    ck_assert_int_eq(parse(429, NULL, "", &e), DDBXO__RETRY_THROTTLE);
    ddbxo__aws_error_clear(&e);
}
END_TEST

START_TEST(moto_xml_403)
{
    ddbxo__aws_error e;
    int cls = parse(403, NULL,
                    "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch"
                    "</Code><Message>The request signature we calculated does "
                    "not match the signature you provided. Check your AWS "
                    "Secret Access Key &amp; signing method.</Message><Type>"
                    "Sender</Type></Error></Errors></ErrorResponse>", &e);
    ck_assert_int_eq(cls, DDBXO__RETRY_NEVER);
    ck_assert_int_eq(e.format, DDBXO__BODY_XML);
    ck_assert_str_eq(e.type, "SignatureDoesNotMatch");
    ck_assert_ptr_nonnull(strstr(e.message, "Access Key & signing method."));
    ddbxo_error err = to_err(&e);
    ck_assert_int_eq(err.code, DDBXO_E_AWS);
    ck_assert_int_eq(err.http_status, 403);
    ck_assert_str_eq(err.aws_type, "SignatureDoesNotMatch");
    ddbxo__aws_error_clear(&e);

    /* Leading whitespace, an XML declaration, no Message. */
    parse(403, NULL, "\n <?xml version=\"1.0\"?><Error><Code>"
                     "InvalidClientTokenId</Code></Error>", &e);
    ck_assert_str_eq(e.type, "InvalidClientTokenId");
    ck_assert_ptr_null(e.message);
    ddbxo__aws_error_clear(&e);

    /* Unterminated tags: no type, no crash. */
    parse(403, NULL, "<Error><Code>Sig", &e);
    ck_assert_str_eq(e.type, "");
    ck_assert_int_eq(e.format, DDBXO__BODY_OTHER);
    ddbxo__aws_error_clear(&e);
}
END_TEST

START_TEST(empty_body_uses_the_header)
{
    ddbxo__aws_error e;
    int cls = parse(400, "ThrottlingException:http://internal.amazon.com/"
                         "coral/com.amazon.coral.service/", "", &e);
    ck_assert_int_eq(cls, DDBXO__RETRY_THROTTLE);
    ck_assert_int_eq(e.format, DDBXO__BODY_EMPTY);
    ck_assert_str_eq(e.type, "ThrottlingException");
    ddbxo__aws_error_clear(&e);

    cls = parse(400, NULL, NULL, &e);
    ck_assert_int_eq(cls, DDBXO__RETRY_NEVER);
    ck_assert_str_eq(e.type, "");
    ddbxo_error err = to_err(&e);
    ck_assert_int_eq(err.code, DDBXO_E_AWS);
    ck_assert_str_eq(err.message, "PutItem: HTTP 400 with an empty body");
    ddbxo__aws_error_clear(&e);

    /* The body's __type wins over the header. */
    parse(400, "com.amazonaws.sqs#Other", "{\"__type\":\"ns#Real\"}", &e);
    ck_assert_str_eq(e.type, "Real");
    ddbxo__aws_error_clear(&e);
}
END_TEST

START_TEST(five_hundreds_and_html)
{
    ddbxo__aws_error e;
    /* moto answers unknown operations and bad iterators with a Flask HTML
     * page; the page (which may quote request data) never reaches the
     * message. */
    const char *html = "<!doctype html><html><head><title>500 Internal "
                       "Server Error</title></head><body>ITEMDATA-xyz</body>"
                       "</html>";
    ck_assert_int_eq(parse(500, NULL, html, &e), DDBXO__RETRY_TRANSIENT);
    ck_assert_int_eq(e.format, DDBXO__BODY_OTHER);
    ddbxo_error err = to_err(&e);
    ck_assert_int_eq(err.code, DDBXO_E_AWS);
    ck_assert_ptr_null(strstr(err.message, "ITEMDATA"));
    ck_assert_str_eq(err.message,
                     "PutItem: HTTP 500 with a body that is not AWS JSON");
    ddbxo__aws_error_clear(&e);
    ck_assert_int_eq(parse(503, NULL, "", &e), DDBXO__RETRY_TRANSIENT);
    ddbxo__aws_error_clear(&e);
    ck_assert_int_eq(parse(504, NULL, "x", &e), DDBXO__RETRY_TRANSIENT);
    ddbxo__aws_error_clear(&e);
    ck_assert_int_eq(parse(501, NULL, "", &e), DDBXO__RETRY_NEVER);
    ddbxo__aws_error_clear(&e);
}
END_TEST

START_TEST(garbage_and_truncated_bodies)
{
    static const char *const bodies[] = {
        "garbage", "{", "{\"__type\":", "{\"__type\":\"com.amazonaws."
        "dynamodb.v20120810#ThrottlingException\",\"mess", "[1,2,3]",
        "\"just a string\"", "null", "{\"__type\":12}", "{\"__type\":null}",
        "\xff\xfe\x00\x01", "<<<<", "{}}}}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        ddbxo__aws_error e;
        ck_assert_int_eq(parse(400, NULL, bodies[i], &e), DDBXO__RETRY_NEVER);
        ck_assert_str_eq(e.type, "");
        ck_assert_int_eq(to_err(&e).code, DDBXO_E_AWS);
        ddbxo__aws_error_clear(&e);
    }
    /* Embedded NULs: the length counts, not strlen. */
    ddbxo__aws_error e;
    ddbxo__aws_error_init(&e);
    ddbxo__aws_error_parse(400, NULL, "{\"a\":\"\0\"}", 9, &e);
    ck_assert_int_eq(e.format, DDBXO__BODY_OTHER);
    ddbxo__aws_error_clear(&e);
    /* Truncated, but the header still names the type and its class. */
    ck_assert_int_eq(parse(400, "ThrottlingException", "{\"__type\":\"com.am",
                           &e), DDBXO__RETRY_THROTTLE);
    ck_assert_str_eq(e.type, "ThrottlingException");
    ddbxo__aws_error_clear(&e);
}
END_TEST

START_TEST(hostile_types_and_messages_are_tamed)
{
    ddbxo__aws_error e;
    /* A type cannot carry spaces or control bytes into messages. */
    parse(400, NULL, "{\"__type\":\"ns#Evil Type\\nInjected\",\"message\":"
                     "\"line1\\nline2\\r\\u0007end\"}", &e);
    ck_assert_str_eq(e.type, "Evil");
    ck_assert_str_eq(e.message, "line1 line2  end");
    ddbxo__aws_error_clear(&e);
    /* "#" as the last character: empty code. */
    parse(400, NULL, "{\"__type\":\"ns#\"}", &e);
    ck_assert_str_eq(e.type, "");
    ddbxo__aws_error_clear(&e);
    /* A type longer than the field is cut, not overrun. */
    char body[600];
    memset(body, 0, sizeof body);
    strcpy(body, "{\"__type\":\"");
    memset(body + strlen(body), 'A', 300);
    strcat(body, "\"}");
    parse(400, NULL, body, &e);
    ck_assert_uint_eq(strlen(e.type), sizeof e.type - 1);
    ddbxo__aws_error_clear(&e);
}
END_TEST

START_TEST(huge_bodies)
{
    size_t n = 8u * 1024u * 1024u;
    char *big = malloc(n + 64);
    ddbxo__aws_error e;
    ck_assert_ptr_nonnull(big);

    /* 8 MB of garbage. */
    memset(big, 'x', n);
    ddbxo__aws_error_init(&e);
    ck_assert_int_eq(ddbxo__aws_error_parse(400, NULL, big, n, &e),
                     DDBXO__RETRY_NEVER);
    ck_assert_int_eq(e.format, DDBXO__BODY_OTHER);
    ddbxo__aws_error_clear(&e);

    /* A valid body with an 8 MB message: kept, but capped. */
    int k = snprintf(big, 64, "{\"__type\":\"ns#ValidationException\","
                              "\"message\":\"");
    memset(big + k, 'm', n - (size_t)k - 2);
    memcpy(big + n - 2, "\"}", 2);
    ck_assert_int_eq(ddbxo__aws_error_parse(400, NULL, big, n, &e),
                     DDBXO__RETRY_NEVER);
    ck_assert_str_eq(e.type, "ValidationException");
    ck_assert_uint_le(strlen(e.message), 4096);
    ddbxo_error err = to_err(&e);
    ck_assert_uint_lt(strlen(err.message), sizeof err.message);
    ddbxo__aws_error_clear(&e);

    /* 8 MB of XML without a closing tag. */
    memcpy(big, "<Error><Code>", 13);
    memset(big + 13, 'c', n - 13);
    ddbxo__aws_error_parse(403, NULL, big, n, &e);
    ck_assert_str_eq(e.type, "");
    ddbxo__aws_error_clear(&e);

    /* Nesting far deeper than any parser should follow. */
    memset(big, '[', n);
    ddbxo__aws_error_parse(400, NULL, big, n, &e);
    ck_assert_int_eq(e.format, DDBXO__BODY_OTHER);
    ddbxo__aws_error_clear(&e);
    free(big);

    /* Many reasons (AWS sends at most 100): all read. */
    size_t nr = 20000;
    char *tx = malloc(nr * 18 + 200);
    ck_assert_ptr_nonnull(tx);
    char *p = tx + sprintf(tx, "{\"__type\":\"TransactionCanceledException\","
                               "\"CancellationReasons\":[");
    for (size_t i = 0; i < nr; i++)
        p += sprintf(p, "%s{\"Code\":\"None\"}", i ? "," : "");
    strcpy(p, "]}");
    ddbxo__aws_error_parse(400, NULL, tx, strlen(tx), &e);
    ck_assert_uint_eq(e.nreasons, nr);
    ck_assert_str_eq(e.reasons[nr - 1].code, "None");
    ddbxo__aws_error_clear(&e);
    free(tx);
}
END_TEST

/* The AWS error-code lists (moved here from the transport with them). */
START_TEST(codes_are_classified)
{
    static const char *const thr[] = {
        "ThrottlingException", "ProvisionedThroughputExceededException",
        "RequestLimitExceeded", "TransactionInProgressException",
        "LimitExceededException", "Throttling", "TooManyRequestsException",
        "SlowDown", "BandwidthLimitExceeded", "RequestThrottled",
    };
    static const char *const never[] = {
        "ConditionalCheckFailedException", "TransactionCanceledException",
        "ValidationException", "ResourceNotFoundException",
        "IdempotentParameterMismatchException", "AccessDeniedException",
        "TransactionConflictException", "ExpiredTokenException",
        "UnrecognizedClientException", "ItemCollectionSizeLimitExceededException",
        "", "throttlingexception",
    };
    for (size_t i = 0; i < sizeof thr / sizeof thr[0]; i++)
        ck_assert_msg(ddbxo__retry_class_of_code(thr[i]) == DDBXO__RETRY_THROTTLE,
                      "%s", thr[i]);
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        ck_assert_msg(ddbxo__retry_class_of_code(never[i]) == DDBXO__RETRY_NEVER,
                      "%s", never[i]);
    ck_assert_int_eq(ddbxo__retry_class_of_code("InternalServerError"),
                     DDBXO__RETRY_TRANSIENT);
    ck_assert_int_eq(ddbxo__retry_class_of_code("RequestTimeout"),
                     DDBXO__RETRY_TRANSIENT);
    ck_assert_int_eq(ddbxo__retry_class_of_code(NULL), DDBXO__RETRY_NEVER);
}
END_TEST

START_TEST(code_mapping)
{
    ck_assert_int_eq(ddbxo__aws_error_code("ConditionalCheckFailedException"),
                     DDBXO_E_CONDITION);
    ck_assert_int_eq(ddbxo__aws_error_code("TransactionCanceledException"),
                     DDBXO_E_CANCELLED);
    ck_assert_int_eq(ddbxo__aws_error_code("ValidationException"), DDBXO_E_AWS);
    ck_assert_int_eq(ddbxo__aws_error_code(""), DDBXO_E_AWS);
    ck_assert_int_eq(ddbxo__aws_error_code(NULL), DDBXO_E_AWS);
}
END_TEST

START_TEST(move_leaves_the_source_empty)
{
    ddbxo__aws_error a, b;
    parse(400, NULL, tx_body, &a);
    ddbxo__aws_error_init(&b);
    ddbxo__aws_error_move(&b, &a);
    ck_assert_int_eq(a.nreasons, 0);
    ck_assert_ptr_null(a.body);
    ck_assert_int_eq(b.nreasons, 3);
    ck_assert_str_eq(b.reasons[1].code, "ConditionalCheckFailed");
    ddbxo__aws_error_clear(&a);
    ddbxo__aws_error_clear(&b);
}
END_TEST

START_TEST(public_detail_accessors)
{
    ddbxo__aws_error e;
    ddbxo_aws_detail *d;
    size_t len;
    parse(400, NULL, tx_body, &e);
    d = ddbxo__aws_detail_new(&e, tx_body, strlen(tx_body));
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(e.nreasons, 0);         /* moved */
    ck_assert_str_eq(ddbxo_aws_detail_type(d), "TransactionCanceledException");
    ck_assert_int_eq(ddbxo_aws_detail_status(d), 400);
    ck_assert_ptr_nonnull(strstr(ddbxo_aws_detail_message(d),
                                 "Transaction cancelled"));
    ck_assert_str_eq(ddbxo_aws_detail_body(d, &len), tx_body);
    ck_assert_uint_eq(len, strlen(tx_body));
    ck_assert_ptr_null(ddbxo_aws_detail_item(d, &len));
    ck_assert_uint_eq(len, 0);
    ck_assert_uint_eq(ddbxo_aws_detail_reason_count(d), 3);
    ck_assert_str_eq(ddbxo_aws_detail_reason_code(d, 0), "None");
    ck_assert_str_eq(ddbxo_aws_detail_reason_code(d, 1), "ConditionalCheckFailed");
    ck_assert_ptr_null(ddbxo_aws_detail_reason_message(d, 0));
    ck_assert_str_eq(ddbxo_aws_detail_reason_message(d, 1),
                     "The conditional request failed");
    ck_assert_ptr_null(ddbxo_aws_detail_reason_item(d, 0, &len));
    ck_assert_str_eq(ddbxo_aws_detail_reason_item(d, 1, &len),
                     "{\"pk\":{\"S\":\"b\"},\"n\":{\"N\":\"5\"}}");
    ck_assert_uint_eq(len, strlen("{\"pk\":{\"S\":\"b\"},\"n\":{\"N\":\"5\"}}"));
    ck_assert_ptr_null(ddbxo_aws_detail_reason_code(d, 3));
    ck_assert_ptr_null(ddbxo_aws_detail_reason_item(d, 3, &len));
    ddbxo_aws_detail_free(d);
    ddbxo__aws_error_clear(&e);

    /* NULL-safe. */
    ck_assert_str_eq(ddbxo_aws_detail_type(NULL), "");
    ck_assert_uint_eq(ddbxo_aws_detail_reason_count(NULL), 0);
    ck_assert_ptr_null(ddbxo_aws_detail_item(NULL, &len));
    ck_assert_ptr_null(ddbxo_aws_detail_body(NULL, NULL));
    ddbxo_aws_detail_free(NULL);

    /* A condition failure's item. */
    const char *ccf = "{\"__type\":\"ConditionalCheckFailedException\","
                      "\"message\":\"The conditional request failed\","
                      "\"Item\":{\"pk\":{\"S\":\"a\"}}}";
    parse(400, NULL, ccf, &e);
    d = ddbxo__aws_detail_new(&e, ccf, strlen(ccf));
    ck_assert_str_eq(ddbxo_aws_detail_item(d, &len), "{\"pk\":{\"S\":\"a\"}}");
    ck_assert_uint_eq(ddbxo_aws_detail_reason_count(d), 0);
    ddbxo_aws_detail_free(d);

    /* A detail of an empty answer. */
    parse(502, NULL, "", &e);
    d = ddbxo__aws_detail_new(&e, "", 0);
    ck_assert_str_eq(ddbxo_aws_detail_body(d, &len), "");
    ck_assert_ptr_null(ddbxo_aws_detail_message(d));
    ddbxo_aws_detail_free(d);
}
END_TEST

static Suite *ddb_error_suite(void)
{
    Suite *s = suite_create("ddb_error");
    TCase *tc = tcase_create("parse");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, dynamodb_namespace_type_and_lowercase_message);
    tcase_add_test(tc, coral_namespaces_and_bare_type);
    tcase_add_test(tc, message_key_either_case_lowercase_first);
    tcase_add_test(tc, condition_failure_with_all_old_item);
    tcase_add_test(tc, transaction_cancelled_reasons_per_action);
    tcase_add_test(tc, cancellation_reason_spellings);
    tcase_add_test(tc, throttling_with_reasons_is_throttle_class);
    tcase_add_test(tc, moto_xml_403);
    tcase_add_test(tc, empty_body_uses_the_header);
    tcase_add_test(tc, five_hundreds_and_html);
    tcase_add_test(tc, garbage_and_truncated_bodies);
    tcase_add_test(tc, hostile_types_and_messages_are_tamed);
    tcase_add_test(tc, huge_bodies);
    tcase_add_test(tc, code_mapping);
    tcase_add_test(tc, codes_are_classified);
    tcase_add_test(tc, move_leaves_the_source_empty);
    tcase_add_test(tc, public_detail_accessors);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(ddb_error_suite)
