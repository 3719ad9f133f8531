package ddbxo

/*
#include <stdlib.h>
#include "ddbxo.h"
*/
import "C"

import (
	"errors"
	"time"
	"unsafe"
)

// Record is one DynamoDB stream record, copied out of the parsed event.
type Record struct {
	EventID        string
	EventName      string // "INSERT", "MODIFY" or "REMOVE"
	EventSourceARN string // "" when absent (GetRecords records)
	AWSRegion      string
	SequenceNumber string // 1..40 decimal digits, as sent
	SizeBytes      int64  // -1 when absent
	StreamViewType string // "NEW_IMAGE", ...; "" when absent
	// ApproximateCreationDateTime is the zero Time when absent.
	ApproximateCreationDateTime time.Time
	Keys                        Image // never nil
	NewImage                    Image // nil when the record has none
	OldImage                    Image // nil when the record has none
	// TTLDelete is true for a REMOVE made by DynamoDB's TTL.
	TTLDelete bool
	// DedupKey is the record's dedup key v1 (64 hex digits): the key of
	// its exactly-once bookkeeping.  "" when no source table is known.
	DedupKey string
}

// ParseEvent parses a Lambda DynamoDB event ({"Records":[...]}), a
// GetRecords response, or one bare record.  Dedup keys take the source
// table from each record's eventSourceARN.
//
// It returns the records that parsed, in stream order.  If some did not,
// err joins one *Error per bad record (Path names it, e.g. "Records[2]...")
// and the good records are still returned.  A document that is not an
// event at all gives no records and an *Error.
func ParseEvent(data []byte) ([]Record, error) {
	return ParseEventSource(data, "")
}

// ParseEventSource is ParseEvent with the source table's name for dedup
// keys given ("" = from eventSourceARN), as records read with GetRecords
// need.
func ParseEventSource(data []byte, sourceTable string) ([]Record, error) {
	ev, buf, err := parseEvent(data)
	if err != nil {
		return nil, err
	}
	defer C.free(buf)
	defer C.ddbxo_event_free(ev)
	var table *C.char
	if sourceTable != "" {
		table = C.CString(sourceTable)
		defer C.free(unsafe.Pointer(table))
	}
	n := int(C.ddbxo_event_count(ev))
	recs := make([]Record, 0, n)
	var errs []error
	for i := 0; i < n; i++ {
		rec := C.ddbxo_event_record(ev, C.size_t(i))
		if rec == nil {
			errs = append(errs, cError(C.ddbxo_event_error(ev, C.size_t(i))))
			continue
		}
		r, err := recordFromC(rec, table)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recs = append(recs, r)
	}
	return recs, errors.Join(errs...)
}

// parseEvent parses data with the C library.  The caller frees ev and buf
// (ev may point into buf).
func parseEvent(data []byte) (*C.ddbxo_event, unsafe.Pointer, error) {
	var cerr C.ddbxo_error
	buf := cBytes(data)
	// In place: buf lives until after the event is freed (see callers).
	ev := C.ddbxo_parse_stream_event_inplace((*C.char)(buf), C.size_t(len(data)), &cerr)
	if ev == nil {
		C.free(buf)
		return nil, nil, cError(&cerr)
	}
	return ev, buf, nil
}

// recordFromC copies a record; table is the source table for the dedup
// key (NULL = from eventSourceARN).
func recordFromC(rec *C.ddbxo_record, table *C.char) (Record, error) {
	r := Record{
		EventID:        goStr(C.ddbxo_record_event_id(rec)),
		EventName:      goStr(C.ddbxo_record_event_name_str(rec)),
		EventSourceARN: goStr(C.ddbxo_record_event_source_arn(rec)),
		AWSRegion:      goStr(C.ddbxo_record_aws_region(rec)),
		SequenceNumber: goStr(C.ddbxo_record_sequence_number(rec)),
		SizeBytes:      int64(C.ddbxo_record_size_bytes(rec)),
		StreamViewType: goStr(C.ddbxo_record_stream_view_type(rec)),
		TTLDelete:      C.ddbxo_record_ttl_delete(rec) == 1,
	}
	if ms := int64(C.ddbxo_record_approx_creation_ms(rec)); ms >= 0 {
		r.ApproximateCreationDateTime = time.UnixMilli(ms).UTC()
	}
	var err error
	if r.Keys, err = imageFromC(C.ddbxo_record_keys(rec)); err != nil {
		return Record{}, err
	}
	if r.Keys == nil {
		r.Keys = Image{}
	}
	if r.NewImage, err = imageFromC(C.ddbxo_record_new_image(rec)); err != nil {
		return Record{}, err
	}
	if r.OldImage, err = imageFromC(C.ddbxo_record_old_image(rec)); err != nil {
		return Record{}, err
	}
	var key [C.DDBXO_DEDUP_KEY_BUFSIZE]C.char
	var cerr C.ddbxo_error
	if C.ddbxo_dedup_key(rec, table, &key[0], &cerr) == 0 {
		r.DedupKey = C.GoString(&key[0])
	}
	return r, nil
}

func goStr(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

// ClientRequestToken returns the 36-character ClientRequestToken the
// library derives from the dedup keys of the records in one transaction
// (in the order given).
func ClientRequestToken(dedupKeys ...string) (string, error) {
	if len(dedupKeys) == 0 {
		return "", &Error{Code: CodeInvalid, Message: "no dedup keys"}
	}
	ptrs := C.malloc(C.size_t(len(dedupKeys)) * C.size_t(unsafe.Sizeof(uintptr(0))))
	defer C.free(ptrs)
	arr := unsafe.Slice((**C.char)(ptrs), len(dedupKeys))
	for i, k := range dedupKeys {
		arr[i] = C.CString(k)
	}
	defer func() {
		for _, p := range arr {
			C.free(unsafe.Pointer(p))
		}
	}()
	var out [C.DDBXO_TOKEN_BUFSIZE]C.char
	var cerr C.ddbxo_error
	if C.ddbxo_client_request_token((**C.char)(ptrs), C.size_t(len(dedupKeys)), &out[0], &cerr) != 0 {
		return "", cError(&cerr)
	}
	return C.GoString(&out[0]), nil
}
