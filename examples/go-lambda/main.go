// Command go-lambda is an AWS Lambda function (runtime provided.al2023)
// that applies the DynamoDB stream records it is invoked with to another
// table with an exactly-once effect, through the libddbxo Go binding, and
// answers with the partial batch response (ReportBatchItemFailures).
//
// Configuration, from the function's environment:
//
//	DDBXO_TARGET_TABLE        the table to write (required)
//	DDBXO_MODE                replicate (default), ledger or tracker
//	DDBXO_LEDGER_TABLE        ledger/tracker items (ledger and tracker mode)
//	DDBXO_DROP_ATTRS          comma-separated attributes not to copy (a Go
//	                          transform); empty = copy items as they are
//	DDBXO_AGGREGATE           GROUP:SUM instead (ledger or tracker mode)
//	DDBXO_SOURCE_VERSION_ATTR source check attribute
//	DDBXO_PARK_QUEUE_URL      SQS queue for records that can never succeed
//	DDBXO_MARGIN_MS           new work stops this long before the
//	                          invocation's deadline [1000]
//
// The names and meanings are those of the C bootstrap (docs/lambda.md).
//
// Region, credentials and endpoints come from the standard AWS
// environment that Lambda sets.  See docs/go.md for building and
// deploying.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	ddbxo "github.com/ddbxo/ddbxo/bindings/go"
)

type function struct {
	client *ddbxo.Client
	opt    ddbxo.Options
	// margin is the part of the invocation's time kept for answering:
	// the batch stops starting work this long before Lambda's deadline,
	// so unfinished records are reported as failures instead of the
	// whole invocation timing out.
	margin time.Duration
}

func main() {
	f, err := newFunction()
	if err != nil {
		log.Fatal(err) // an init error: Lambda reports it and retries
	}
	lambda.Start(f.handle)
}

func newFunction() (*function, error) {
	opt := ddbxo.Options{
		TargetTable:  os.Getenv("DDBXO_TARGET_TABLE"),
		LedgerTable:  os.Getenv("DDBXO_LEDGER_TABLE"),
		ParkQueueURL: os.Getenv("DDBXO_PARK_QUEUE_URL"),
		Aggregate:    os.Getenv("DDBXO_AGGREGATE"),

		SourceVersionAttr: os.Getenv("DDBXO_SOURCE_VERSION_ATTR"),
	}
	margin := time.Second
	if ms := os.Getenv("DDBXO_MARGIN_MS"); ms != "" {
		n, err := strconv.Atoi(ms)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("DDBXO_MARGIN_MS %q: want milliseconds", ms)
		}
		margin = time.Duration(n) * time.Millisecond
	}
	if m := os.Getenv("DDBXO_MODE"); m != "" {
		mode, err := ddbxo.ParseMode(m)
		if err != nil {
			return nil, fmt.Errorf("DDBXO_MODE: %w", err)
		}
		opt.Mode = mode
	}
	if drop := os.Getenv("DDBXO_DROP_ATTRS"); drop != "" {
		opt.Transform = dropAttrs(strings.Split(drop, ","))
	}
	client, err := ddbxo.NewClient(ddbxo.Config{})
	if err != nil {
		return nil, err
	}
	return &function{client: client, opt: opt, margin: margin}, nil
}

// dropAttrs is a Go transform: it copies the new image without the named
// attributes, and deletes the target item when the source item goes.
func dropAttrs(names []string) ddbxo.TransformFunc {
	return func(r ddbxo.Record) (ddbxo.Write, error) {
		if r.EventName == "REMOVE" {
			return ddbxo.DeleteItem(r.Keys), nil
		}
		if r.NewImage == nil {
			return ddbxo.Skip, fmt.Errorf("record %s has no NewImage: the stream needs NEW_IMAGE or NEW_AND_OLD_IMAGES", r.EventID)
		}
		item := make(ddbxo.Image, len(r.NewImage))
		for k, v := range r.NewImage {
			item[k] = v
		}
		for _, n := range names {
			delete(item, strings.TrimSpace(n))
		}
		return ddbxo.PutItem(item), nil
	}
}

// handle takes the event as raw JSON rather than events.DynamoDBEvent: the
// library then sees every record exactly as sent, and one malformed
// record fails alone instead of the whole decode.
func (f *function) handle(ctx context.Context, event json.RawMessage) (events.DynamoDBEventResponse, error) {
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-f.margin))
		defer cancel()
	}
	resp, sum, err := f.client.ProcessBatch(ctx, event, f.opt)
	if err != nil {
		return resp, err // the whole batch is retried
	}
	log.Printf("records=%d applied=%d duplicate=%d stale=%d filtered=%d parked=%d failed=%d",
		sum.Records, sum.Applied, sum.Duplicate, sum.Stale, sum.Filtered, sum.Parked, sum.Failed)
	return resp, nil
}
