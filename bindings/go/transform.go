package ddbxo

/*
#include <stdint.h>
#include <stdlib.h>
#include "ddbxo.h"
#include "ddbxo/sys/binding.h"
#include "callback.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime/cgo"
	"unsafe"
)

// A TransformFunc turns a record into the writes to apply for it.  It is
// called once per record and attempt, on the goroutine that called
// ProcessBatch.  An empty Write skips the record (outcome Filtered); an
// error fails it for good (outcome FailedPermanent, or Parked with a park
// queue), so it comes back in the batch response.
type TransformFunc func(Record) (Write, error)

// Write is what a transform makes of one record: the actions to apply,
// all or none, together with the record's exactly-once bookkeeping.
// Replicate mode takes exactly one Put or Delete of the target table;
// ledger and tracker modes take up to 99 actions of any kind.
type Write struct {
	Actions []Action
}

// Action is one write.  Exactly one of Put, Update and Delete is set.
type Action struct {
	Table  string  // "" = the target table
	Put    Image   // the item to put
	Update *Update // the update to make
	Delete Image   // the key of the item to delete
}

// Update is an UpdateItem-style write.
type Update struct {
	Key        Image
	Expression string            // UpdateExpression, e.g. "ADD #n :one"
	Names      map[string]string // ExpressionAttributeNames, or nil
	Values     Image             // ExpressionAttributeValues, or nil
}

// Skip is the Write that applies nothing (outcome Filtered).
var Skip = Write{}

// PutItem returns a Write that puts item into the target table.
func PutItem(item Image) Write { return Write{Actions: []Action{{Put: item}}} }

// DeleteItem returns a Write that deletes the item with key from the
// target table (a tombstone in replicate mode; see docs/exactly-once.md).
func DeleteItem(key Image) Write { return Write{Actions: []Action{{Delete: key}}} }

// UpdateItem returns a Write that updates the target table's item with
// key.
func UpdateItem(key Image, expression string, names map[string]string, values Image) Write {
	return Write{Actions: []Action{{Update: &Update{Key: key, Expression: expression, Names: names, Values: values}}}}
}

// MarshalJSON writes the action in the TransactItems shape the C library
// reads (ddbxo_writes_add_json).  The library builds and checks it
// (ddbxo_write_parts_json), so an action it would refuse fails here.
func (a Action) MarshalJSON() ([]byte, error) {
	w, err := newWriteParts([]Action{a})
	if err != nil {
		return nil, err
	}
	defer w.free()
	var n C.size_t
	var cerr C.ddbxo_error
	js := C.ddbxo_write_parts_json(w.p, 1, &n, &cerr)
	if js == nil {
		return nil, cError(&cerr)
	}
	defer C.ddbxo_free(unsafe.Pointer(js))
	var one []json.RawMessage
	if err := json.Unmarshal(C.GoBytes(unsafe.Pointer(js), C.int(n)), &one); err != nil || len(one) != 1 {
		return nil, &Error{Code: CodeInternal, Message: "unreadable write from the library"}
	}
	return one[0], nil
}

func nonNilImage(img Image) Image {
	if img == nil {
		return Image{}
	}
	return img
}

// transformState is what a cgo.Handle carries into the C callback.
type transformState struct {
	fn          TransformFunc
	sourceTable *C.char // for Record.DedupKey; NULL = from the ARN
}

// newGoTransform wraps fn as a C transform.  Free both with the returned
// function once no batch uses the transform any more.
func newGoTransform(fn TransformFunc, sourceTable *C.char) (*C.ddbxo_transform, func(), error) {
	h := cgo.NewHandle(&transformState{fn: fn, sourceTable: sourceTable})
	var cerr C.ddbxo_error
	t := C.ddbxo_go_transform_new(C.uintptr_t(h), &cerr)
	if t == nil {
		h.Delete()
		return nil, nil, cError(&cerr)
	}
	return t, func() { C.ddbxo_transform_free(t); h.Delete() }, nil
}

//export ddbxoGoTransform
func ddbxoGoTransform(h C.uintptr_t, rec *C.ddbxo_record, out *C.ddbxo_writes, cerr *C.ddbxo_error) C.int {
	st := cgo.Handle(h).Value().(*transformState)
	r, err := recordFromC(rec, st.sourceTable)
	if err != nil {
		return failTransform(cerr, err)
	}
	w, err := st.call(r)
	if err != nil {
		return failTransform(cerr, err)
	}
	if len(w.Actions) == 0 {
		return 0
	}
	parts, err := newWriteParts(w.Actions)
	if err != nil {
		return failTransform(cerr, err)
	}
	defer parts.free()
	if C.ddbxo_writes_add_parts(out, parts.p, C.size_t(parts.n), cerr) != 0 {
		return -1
	}
	return 0
}

// call runs the user's function; a panic must not unwind through C.
func (st *transformState) call(r Record) (w Write, err error) {
	defer func() {
		if p := recover(); p != nil {
			w, err = Write{}, fmt.Errorf("transform panicked: %v", p)
		}
	}()
	return st.fn(r)
}

func failTransform(cerr *C.ddbxo_error, err error) C.int {
	code := CodeInvalid
	var de *Error
	if errors.As(err, &de) && de.Code != CodeOK {
		code = de.Code
	}
	msg := C.CString("transform: " + err.Error())
	defer C.free(unsafe.Pointer(msg))
	C.ddbxo_go_set_error(cerr, C.int(code), 0, msg)
	return -1
}
