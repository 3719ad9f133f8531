package ddbxo

/*
#include <stdint.h>
#include <stdlib.h>
#include "ddbxo.h"
#include "ddbxo/sys/redrive.h"
#include "callback.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"runtime/cgo"
	"sync"
	"time"
	"unsafe"

	"github.com/aws/aws-lambda-go/events"
)

// RedriveConfig says which SQS queue to redrive and how to apply the
// records its messages carry or name.  QueueURL and Apply.TargetTable are
// required; the rest has working defaults.
type RedriveConfig struct {
	// QueueURL is the queue to take messages from: a park queue
	// (Options.ParkQueueURL of ProcessBatch, the CLI or the Lambda
	// bootstrap) or a Lambda event source mapping's on-failure
	// destination.
	QueueURL string

	// Apply says how records are applied, as for ProcessBatch.
	// Apply.SourceTable "" takes each record's eventSourceARN, else the
	// park message's table.  Apply.ParkQueueURL parks records that still
	// cannot succeed; it must be another queue than QueueURL.  In Tracker
	// mode, Apply.ShardID is the shard of parked records (on-failure
	// records name their own).
	Apply Options

	// MaxMessages is how many messages to take at most; 0 = until a
	// receive finds no new message.
	MaxMessages int
	// WaitTime is each receive's long-poll wait, in whole seconds up to
	// 20s; 0 = 1s (the CLI's default), negative = no wait.
	WaitTime time.Duration
	// Tries is how often a message's records that failed retryably are
	// applied in all before the message is kept [5]; at most 100.
	Tries int

	// Source reads the ranges that Lambda on-failure records name back
	// from the stream, when the stream is on another side than the
	// queue and the target (another region or account); nil = the
	// client Redrive is called on.
	Source *Client
}

// RedriveResult is what a redrive did: the C library's summary, the line
// `ddbxo redrive` prints, plus the reports of what did not settle.
type RedriveResult struct {
	Messages int `json:"messages"` // taken from the queue
	Deleted  int `json:"deleted"`  // deleted: every record of it is done
	Kept     int `json:"kept"`     // left in the queue (see Warnings)
	// LostRanges are the on-failure ranges the stream no longer holds (all
	// of); their messages are kept.
	LostRanges []LostRange `json:"lost_ranges"`

	// The records' outcomes, counted as in Summary.
	Records    int `json:"records"`
	Applied    int `json:"applied"`
	Duplicate  int `json:"duplicate"`
	Stale      int `json:"stale"`
	Superseded int `json:"superseded"`
	Coalesced  int `json:"coalesced"`
	Filtered   int `json:"filtered"`
	Parked     int `json:"parked"`
	Failed     int `json:"failed"`
	// BatchItemFailures name the records that failed.
	BatchItemFailures []events.DynamoDBBatchItemFailure `json:"batchItemFailures"`

	// Warnings are the library's reports, one line per record that did
	// not settle, message kept and range lost (no item data).
	Warnings []string `json:"-"`
}

// LostRange is a range of a shard that a Lambda on-failure record names
// and the stream no longer holds (all of).  FirstAvailableSequenceNumber
// is "" when the shard is gone.
type LostRange struct {
	MessageID                    string `json:"messageId"`
	StreamARN                    string `json:"streamArn"`
	ShardID                      string `json:"shardId"`
	StartSequenceNumber          string `json:"startSequenceNumber"`
	EndSequenceNumber            string `json:"endSequenceNumber"`
	FirstAvailableSequenceNumber string `json:"firstAvailableSequenceNumber"`
	Reason                       string `json:"reason"`
}

// Redrive takes messages from cfg.QueueURL and applies their records with
// an exactly-once effect, as `ddbxo redrive` does (docs/redrive.md).  A
// park message carries its record; a Lambda on-failure record
// (DDBStreamBatchInfo) names a range that is read back from the stream
// while the stream holds it.  A message is deleted once every record of
// it is Applied, Duplicate, Stale, Superseded, Coalesced, Filtered or
// Parked; anything else stays in the queue and is reported in Warnings.
// A record applied before comes back Duplicate (or Stale), never twice.
//
// The client is the target side: it reaches the queue, the target and
// the ledger; cfg.Source, if set, reads the stream.
//
// The error is non-nil when nothing could start (invalid cfg, a closed
// client, a done ctx) and then the result is empty; or when a receive
// failed, and then the result says what was done before it.  Messages
// kept are not an error: check Kept.  ctx is looked at once, before the
// run: a run ends when a receive finds no new message or after
// MaxMessages, so bound it with MaxMessages.
func (cl *Client) Redrive(ctx context.Context, cfg RedriveConfig) (RedriveResult, error) {
	var none RedriveResult
	tc, sc, release, err := acquireSides(cl, cfg.Source)
	if err != nil {
		return none, err
	}
	defer release()
	if err := ctx.Err(); err != nil {
		return none, err
	}
	if err := checkModeOptions(cfg.Apply); err != nil {
		return none, err
	}

	var strs cStrings
	defer strs.free()
	var rc C.ddbxo_redrive_config
	rc.queue_url = strs.get(cfg.QueueURL)
	rc.apply = applyConfig(cfg.Apply, &strs)
	rc.shard_id = strs.get(cfg.Apply.ShardID)
	rc.max_messages = C.longlong(cfg.MaxMessages)
	switch {
	case cfg.WaitTime == 0:
		rc.wait_s = 1
	case cfg.WaitTime > 0:
		// Up to whole seconds; past 20 the library refuses it.
		s := cfg.WaitTime / time.Second
		if cfg.WaitTime%time.Second != 0 {
			s++
		}
		rc.wait_s = C.int(min(s, 21))
	}
	rc.tries = C.int(cfg.Tries)

	t, freeT, err := newTransform(cfg.Apply, rc.apply.source_table)
	if err != nil {
		return none, err
	}
	defer freeT()
	rc.apply.transform = t

	w := &warnings{}
	h := cgo.NewHandle(w)
	defer h.Delete()
	C.ddbxo_go_redrive_log(&rc, C.uintptr_t(h))

	var summary *C.char
	var n C.size_t
	var cerr C.ddbxo_error
	status := C.ddbxo_redrive_run(sc, tc, &rc, &summary, &n, &cerr)
	if status < 0 {
		return none, cError(&cerr)
	}
	defer C.ddbxo_free(unsafe.Pointer(summary))
	var res RedriveResult
	if err := json.Unmarshal(C.GoBytes(unsafe.Pointer(summary), C.int(n)), &res); err != nil {
		return none, &Error{Code: CodeInternal, Message: "unreadable redrive summary: " + err.Error()}
	}
	if res.LostRanges == nil {
		res.LostRanges = []LostRange{}
	}
	if res.BatchItemFailures == nil {
		res.BatchItemFailures = []events.DynamoDBBatchItemFailure{}
	}
	res.Warnings = w.take()
	if e := goError(&cerr); e != nil {
		return res, e // a receive failed
	}
	return res, nil
}

// acquireSides locks the target and source clients against Close, always
// in the same (address) order: two redrives with the sides swapped, each
// with a Close waiting, must not each hold the lock the other needs.
// source nil or target = one client.
func acquireSides(target, source *Client) (tc, sc *C.ddbxo_client, release func(), err error) {
	if source == nil || source == target {
		if tc, err = target.acquire(); err != nil {
			return nil, nil, nil, err
		}
		return tc, tc, target.mu.RUnlock, nil
	}
	first, second := target, source
	if uintptr(unsafe.Pointer(source)) < uintptr(unsafe.Pointer(target)) {
		first, second = source, target
	}
	c1, err := first.acquire()
	if err != nil {
		return nil, nil, nil, err
	}
	c2, err := second.acquire()
	if err != nil {
		first.mu.RUnlock()
		return nil, nil, nil, err
	}
	release = func() { second.mu.RUnlock(); first.mu.RUnlock() }
	if first == target {
		return c1, c2, release, nil
	}
	return c2, c1, release, nil
}

// warnings collects the lines the library logs during a redrive.
type warnings struct {
	mu    sync.Mutex
	lines []string
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.lines == nil {
		return []string{}
	}
	return w.lines
}

//export ddbxoGoLog
func ddbxoGoLog(h C.uintptr_t, level C.int, msg *C.char) {
	w := cgo.Handle(h).Value().(*warnings)
	w.mu.Lock()
	w.lines = append(w.lines, C.GoString(msg))
	w.mu.Unlock()
}
