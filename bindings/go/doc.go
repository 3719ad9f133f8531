// Package ddbxo applies DynamoDB stream records to another DynamoDB table
// with an exactly-once effect.  It is a thin cgo binding of libddbxo: the
// parsing, dedup keys, conditional writes and batch engine are the C
// library's; this package converts between its types and Go's.
//
// A Lambda handler is three calls:
//
//	client, err := ddbxo.NewClient(ddbxo.Config{})
//	...
//	func handler(ctx context.Context, event json.RawMessage) (events.DynamoDBEventResponse, error) {
//		resp, _, err := client.ProcessBatch(ctx, event, ddbxo.Options{TargetTable: "Replica"})
//		return resp, err
//	}
//
// Images are [Image] values that convert to and from the attribute values
// of aws-lambda-go ([Image.Lambda], [ImageFromLambda]) and of
// aws-sdk-go-v2 ([Image.SDK], [ImageFromSDK]).
//
// Errors from the library are [*Error] values; use [errors.As].
//
// Building: by default the package links the installed library through
// pkg-config (package "ddbxo").  With -tags ddbxo_intree it links
// build/libddbxo.a of the source tree it sits in instead.  See docs/go.md.
package ddbxo

/*
#include "ddbxo.h"
*/
import "C"

// Version is the version of the C library the package is linked with.
func Version() string { return C.GoString(C.ddbxo_version()) }
