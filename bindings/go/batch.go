package ddbxo

/*
#include <stdlib.h>
#include "ddbxo.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
	"unsafe"

	"github.com/aws/aws-lambda-go/events"
)

// Mode says how records reach the target (docs/exactly-once.md).
type Mode int

// The modes.
const (
	Replicate Mode = C.DDBXO_MODE_REPLICATE // conditional put guarded by the sequence number
	Ledger    Mode = C.DDBXO_MODE_LEDGER    // transaction with a ledger item per record
	Tracker   Mode = C.DDBXO_MODE_TRACKER   // transaction with a per-shard tracker item
)

// String returns "replicate", "ledger" or "tracker".
func (m Mode) String() string {
	if m == 0 {
		m = Replicate
	}
	return C.GoString(C.ddbxo_mode_name(C.int(m)))
}

// Outcome is what happened to one record.  The numbers are the C
// library's and never change.
type Outcome int

// The outcomes.
const (
	Applied         Outcome = C.DDBXO_APPLIED          // written now
	Duplicate       Outcome = C.DDBXO_DUPLICATE        // applied before
	Stale           Outcome = C.DDBXO_STALE            // replicate: a newer version is stored
	Superseded      Outcome = C.DDBXO_SUPERSEDED       // source check: a newer source write exists
	Coalesced       Outcome = C.DDBXO_COALESCED        // covered by a later record of the item
	Filtered        Outcome = C.DDBXO_FILTERED         // the transform skipped it
	Parked          Outcome = C.DDBXO_PARKED           // failed for good; sent to the park queue
	FailedRetryable Outcome = C.DDBXO_FAILED_RETRYABLE // not applied; a retry may succeed
	FailedPermanent Outcome = C.DDBXO_FAILED_PERMANENT // not applied; a retry will fail again
)

// String returns "APPLIED", "DUPLICATE", ...
func (o Outcome) String() string { return C.GoString(C.ddbxo_outcome_name(C.int(o))) }

// Failed reports whether the record must be delivered again (it is in
// the response's BatchItemFailures).
func (o Outcome) Failed() bool { return C.ddbxo_outcome_failed(C.int(o)) != 0 }

// Options say how to apply a batch.  TargetTable is required; the rest
// has working defaults (replicate mode, identity transform).
type Options struct {
	Mode        Mode   // [Replicate]
	TargetTable string // required
	// LedgerTable holds ledger or tracker items (partition key pk S, TTL
	// attribute exp); required in Ledger and Tracker mode.
	LedgerTable string
	// SourceTable names the source table in dedup keys; "" = from each
	// record's eventSourceARN.
	SourceTable string
	// SourceVersionAttr turns on the source check on this attribute.
	SourceVersionAttr string
	// VersionAttr guards replicate mode by this numeric attribute instead
	// of the sequence number.
	VersionAttr string

	// The transform: at most one of Transform, TransformSpec (the JSON
	// spec of docs/transform.md) and Aggregate ("GROUP:SUM", ledger or
	// tracker mode).  None = identity (needs NewImage in the stream).
	Transform     TransformFunc
	TransformSpec string
	Aggregate     string

	HardDelete   bool          // replicate: REMOVE deletes instead of a tombstone
	NoCoalesce   bool          // replicate: apply every record of an item
	TTLAttr      string        // tombstone expiry attribute [_ddbxo_exp]
	TombstoneTTL time.Duration // [48h]
	LedgerTTL    time.Duration // [7 days]
	// ParkQueueURL is an SQS queue for records that fail for good; ""
	// reports them as failures instead.
	ParkQueueURL string
	MaxInflight  int // items applied at once [the client's MaxConnections]
	ShardID      string
}

// Summary is what happened to a batch.
type Summary struct {
	Records    int // records in the event, good and bad
	Applied    int
	Duplicate  int
	Stale      int
	Superseded int
	Coalesced  int
	Filtered   int
	Parked     int
	Failed     int      // FailedRetryable + FailedPermanent
	Results    []Result // one per record, in stream order
}

// Result is what happened to one record.
type Result struct {
	SequenceNumber string // "" for a record that did not parse
	Outcome        Outcome
	Err            error // why it failed or parked (an *Error), else nil
}

// ProcessEvent is ProcessBatch for an event aws-lambda-go has decoded.
// ProcessBatch on the raw bytes is preferable: it sees every record as
// sent, and a malformed record fails alone instead of the whole decode.
func (cl *Client) ProcessEvent(ctx context.Context, event events.DynamoDBEvent, opt Options) (events.DynamoDBEventResponse, Summary, error) {
	data, err := marshalEvent(event)
	if err != nil {
		return events.DynamoDBEventResponse{}, Summary{}, err
	}
	return cl.ProcessBatch(ctx, data, opt)
}

// lambdaRecord is events.DynamoDBEventRecord as a stream sends it: absent
// fields stay absent (aws-lambda-go writes "" and a year-1 time for them,
// which are not valid values).
type lambdaRecord struct {
	AWSRegion      string                       `json:"awsRegion,omitempty"`
	Change         lambdaChange                 `json:"dynamodb"`
	EventID        string                       `json:"eventID,omitempty"`
	EventName      string                       `json:"eventName,omitempty"`
	EventSource    string                       `json:"eventSource,omitempty"`
	EventVersion   string                       `json:"eventVersion,omitempty"`
	EventSourceArn string                       `json:"eventSourceARN,omitempty"`
	UserIdentity   *events.DynamoDBUserIdentity `json:"userIdentity,omitempty"`
}

type lambdaChange struct {
	ApproximateCreationDateTime *json.Number                             `json:"ApproximateCreationDateTime,omitempty"`
	Keys                        map[string]events.DynamoDBAttributeValue `json:"Keys,omitempty"`
	NewImage                    map[string]events.DynamoDBAttributeValue `json:"NewImage,omitempty"`
	OldImage                    map[string]events.DynamoDBAttributeValue `json:"OldImage,omitempty"`
	SequenceNumber              string                                   `json:"SequenceNumber"`
	SizeBytes                   int64                                    `json:"SizeBytes,omitempty"`
	StreamViewType              string                                   `json:"StreamViewType,omitempty"`
}

func marshalEvent(ev events.DynamoDBEvent) ([]byte, error) {
	recs := make([]lambdaRecord, len(ev.Records))
	for i, r := range ev.Records {
		c := r.Change
		recs[i] = lambdaRecord{r.AWSRegion, lambdaChange{nil, c.Keys, c.NewImage, c.OldImage,
			c.SequenceNumber, c.SizeBytes, c.StreamViewType}, r.EventID, r.EventName,
			r.EventSource, r.EventVersion, r.EventSourceArn, r.UserIdentity}
		if t := c.ApproximateCreationDateTime; !t.IsZero() {
			n := json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64))
			recs[i].Change.ApproximateCreationDateTime = &n
		}
	}
	return json.Marshal(map[string]any{"Records": recs})
}

// ProcessBatch applies every record of event (a Lambda DynamoDB event's
// JSON) to the target with an exactly-once effect and returns the
// Lambda partial batch response naming the records that must come again.
//
// Records of one item are applied in order, items concurrently.  The
// context's deadline is the batch's: no new work starts after it, and
// what did not finish is reported failed.  A context that is already
// done applies nothing and reports every record failed.  (Cancelling the
// context while the batch runs has no effect before the deadline: give
// the context a deadline, as Lambda's has.)
//
// The error is non-nil only when the batch could not run at all: an
// event document that is not an event, invalid Options, a closed client.
// Records that failed, for whatever reason, are in the response and the
// Summary instead.
func (cl *Client) ProcessBatch(ctx context.Context, event []byte, opt Options) (events.DynamoDBEventResponse, Summary, error) {
	var none events.DynamoDBEventResponse
	c, err := cl.acquire()
	if err != nil {
		return none, Summary{}, err
	}
	defer cl.mu.RUnlock()

	if err := checkModeOptions(opt); err != nil {
		return none, Summary{}, err
	}
	ev, buf, err := parseEvent(event)
	if err != nil {
		return none, Summary{}, err
	}
	defer C.free(buf)
	defer C.ddbxo_event_free(ev)

	var strs cStrings
	defer strs.free()
	cfg := applyConfig(opt, &strs)

	t, freeT, err := newTransform(opt, cfg.source_table)
	if err != nil {
		return none, Summary{}, err
	}
	defer freeT()
	cfg.transform = t

	var cerr C.ddbxo_error
	a := C.ddbxo_applier_new(c, &cfg, &cerr)
	if a == nil {
		return none, Summary{}, cError(&cerr)
	}
	defer C.ddbxo_applier_free(a)

	var ao C.ddbxo_apply_options
	ao.shard_id = strs.get(opt.ShardID)
	if d, ok := ctx.Deadline(); ok {
		ao.deadline_ms = C.int64_t(max(d.UnixMilli(), 1))
	}
	if ctx.Err() != nil {
		ao.deadline_ms = 1 // long past: nothing starts, every record fails
	}
	res := C.ddbxo_process_batch(a, ev, &ao, &cerr)
	if res == nil {
		return none, Summary{}, cError(&cerr)
	}
	defer C.ddbxo_batch_result_free(res)
	return batchResult(res, ev)
}

// cStrings are C copies of Go strings that live until free.
type cStrings []*C.char

// get returns a C copy of s that lives until free; NULL for "".
func (cs *cStrings) get(s string) *C.char {
	if s == "" {
		return nil
	}
	p := C.CString(s)
	*cs = append(*cs, p)
	return p
}

func (cs *cStrings) free() {
	for _, p := range *cs {
		C.free(unsafe.Pointer(p))
	}
	*cs = nil
}

// applyConfig is opt as a ddbxo_apply_config, without its transform; its
// strings live in strs.
func applyConfig(opt Options, strs *cStrings) C.ddbxo_apply_config {
	var cfg C.ddbxo_apply_config
	cfg.mode = C.int(opt.Mode)
	cfg.target_table = strs.get(opt.TargetTable)
	cfg.ledger_table = strs.get(opt.LedgerTable)
	cfg.source_table = strs.get(opt.SourceTable)
	cfg.source_version_attr = strs.get(opt.SourceVersionAttr)
	cfg.version_attr = strs.get(opt.VersionAttr)
	cfg.ttl_attr = strs.get(opt.TTLAttr)
	cfg.park_queue_url = strs.get(opt.ParkQueueURL)
	cfg.tombstone_ttl_s = C.int64_t(opt.TombstoneTTL / time.Second)
	cfg.ledger_ttl_s = C.int64_t(opt.LedgerTTL / time.Second)
	cfg.max_inflight = C.int(opt.MaxInflight)
	if opt.HardDelete {
		cfg.hard_delete = 1
	}
	if opt.NoCoalesce {
		cfg.no_coalesce = 1
	}
	return cfg
}

// newTransform makes the C transform opt asks for (NULL = identity) and
// the function that frees it; checkModeOptions has refused two at once.
func newTransform(opt Options, sourceTable *C.char) (*C.ddbxo_transform, func(), error) {
	var cerr C.ddbxo_error
	var t *C.ddbxo_transform
	switch {
	case opt.Transform != nil:
		return newGoTransform(opt.Transform, sourceTable)
	case opt.TransformSpec != "":
		p := cBytes([]byte(opt.TransformSpec))
		t = C.ddbxo_transform_spec((*C.char)(p), C.size_t(len(opt.TransformSpec)), &cerr)
		C.free(p)
	case opt.Aggregate != "":
		p := C.CString(opt.Aggregate)
		t = C.ddbxo_transform_aggregate(p, &cerr)
		C.free(unsafe.Pointer(p))
	default:
		return nil, func() {}, nil
	}
	if t == nil {
		return nil, nil, cError(&cerr)
	}
	return t, func() { C.ddbxo_transform_free(t) }, nil
}

// batchResult copies a C batch result.
func batchResult(res *C.ddbxo_batch_result, ev *C.ddbxo_event) (events.DynamoDBEventResponse, Summary, error) {
	var resp events.DynamoDBEventResponse
	var n C.size_t
	js := C.ddbxo_batch_result_response(res, &n)
	if err := json.Unmarshal(C.GoBytes(unsafe.Pointer(js), C.int(n)), &resp); err != nil {
		return resp, Summary{}, &Error{Code: CodeInternal, Message: "unreadable batch response: " + err.Error()}
	}
	if resp.BatchItemFailures == nil {
		resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{}
	}
	tally := func(o Outcome) int { return int(C.ddbxo_batch_result_tally(res, C.int(o))) }
	count := int(C.ddbxo_batch_result_count(res))
	s := Summary{
		Records:    count,
		Applied:    tally(Applied),
		Duplicate:  tally(Duplicate),
		Stale:      tally(Stale),
		Superseded: tally(Superseded),
		Coalesced:  tally(Coalesced),
		Filtered:   tally(Filtered),
		Parked:     tally(Parked),
		Failed:     int(C.ddbxo_batch_result_failed(res)),
		Results:    make([]Result, count),
	}
	for i := range s.Results {
		r := &s.Results[i]
		r.Outcome = Outcome(C.ddbxo_batch_result_outcome(res, C.size_t(i)))
		if rec := C.ddbxo_event_record(ev, C.size_t(i)); rec != nil {
			r.SequenceNumber = goStr(C.ddbxo_record_sequence_number(rec))
		}
		if e := goError(C.ddbxo_batch_result_error(res, C.size_t(i))); e != nil {
			r.Err = e
		}
	}
	return resp, s, nil
}
