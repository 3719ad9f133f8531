package ddbxo

/*
#include <stdlib.h>
#include "ddbxo.h"
#include "ddbxo/sys/binding.h"
*/
import "C"

import (
	"encoding/json"
	"unsafe"
)

// This file is what the binding reads from the C library instead of
// copying it (include/ddbxo/sys/binding.h): named constants, the
// throttling class of AWS error types, the rules for Options' mode and
// transform fields, and the TransactItems shape of a write.

// Constant returns the value of one of the C library's named constants,
// e.g. "DDBXO_MAX_WRITES" or "DDBXO_E_LIMIT" (the table of
// include/ddbxo/sys/binding.h); ok is false for a name it does not know.
func Constant(name string) (value int64, ok bool) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var v C.longlong
	if C.ddbxo_constant_value(cs, &v) != 0 {
		return 0, false
	}
	return int64(v), true
}

// libConstant is one row of the library's table of constants.
type libConstant struct {
	Group string
	Value int64
}

// libConstants returns the library's whole table: name -> group, value.
func libConstants() map[string]libConstant {
	var n C.size_t
	t := unsafe.Slice(C.ddbxo_constants(&n), int(n))
	out := make(map[string]libConstant, len(t))
	for _, c := range t {
		out[C.GoString(c.name)] = libConstant{C.GoString(c.group), int64(c.value)}
	}
	return out
}

// Throttling reports whether e is the service asking the caller to slow
// down: CodeAWS with an AWSType the C library's retry policy classes as
// throttling (e.g. "ProvisionedThroughputExceededException").
func (e *Error) Throttling() bool {
	if e == nil {
		return false
	}
	var ce C.ddbxo_error
	ce.code = C.int(e.Code)
	n := min(len(e.AWSType), len(ce.aws_type)-1)
	for i := 0; i < n; i++ {
		ce.aws_type[i] = C.char(e.AWSType[i])
	}
	return C.ddbxo_error_is_throttle(&ce) != 0
}

// optionNames are Options' field names in ddbxo_mode_options order (mode,
// ledger table, transform, aggregate), in C memory for the whole process:
// the library's refusals name the field the caller set.
var optionNames = func() **C.char {
	names := []string{"Mode", "LedgerTable", "Transform/TransformSpec", "Aggregate"}
	p := (**C.char)(C.malloc(C.size_t(len(names)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	slots := unsafe.Slice(p, len(names))
	for i, name := range names {
		slots[i] = C.CString(name)
	}
	return p
}()

// checkModeOptions applies the library's rules for Mode, LedgerTable and
// the transform fields (ddbxo_mode_options_check): the same rules the CLI,
// the Lambda bootstrap and the Python binding apply.
func checkModeOptions(opt Options) error {
	var mo C.ddbxo_mode_options
	mo.mode = C.int(opt.Mode)
	if opt.LedgerTable != "" {
		lt := C.CString(opt.LedgerTable)
		defer C.free(unsafe.Pointer(lt))
		mo.ledger_table = lt
	}
	if opt.Transform != nil {
		mo.transforms++
	}
	if opt.TransformSpec != "" {
		mo.transforms++
	}
	if opt.Aggregate != "" {
		mo.aggregate = 1
	}
	mo.names = optionNames
	var cerr C.ddbxo_error
	if C.ddbxo_mode_options_check(&mo, &cerr) == 0 {
		return cError(&cerr)
	}
	return nil
}

// writeParts holds actions as the library's ddbxo_write_parts, in C
// memory; free releases it.
type writeParts struct {
	p   *C.ddbxo_write_parts
	n   int
	mem []unsafe.Pointer
}

// kind is the action's ddbxo_write_kind, or 0 when not exactly one of
// Put, Update and Delete is set (the library refuses that).
func (a Action) kind() C.int {
	kind, set := C.int(0), 0
	if a.Put != nil {
		kind, set = C.DDBXO_WRITE_PUT, set+1
	}
	if a.Update != nil {
		kind, set = C.DDBXO_WRITE_UPDATE, set+1
	}
	if a.Delete != nil {
		kind, set = C.DDBXO_WRITE_DELETE, set+1
	}
	if set != 1 {
		return 0
	}
	return kind
}

func newWriteParts(actions []Action) (*writeParts, error) {
	w := &writeParts{n: len(actions)}
	if len(actions) == 0 {
		return w, nil
	}
	w.p = (*C.ddbxo_write_parts)(C.calloc(C.size_t(len(actions)), C.size_t(unsafe.Sizeof(C.ddbxo_write_parts{}))))
	w.mem = append(w.mem, unsafe.Pointer(w.p))
	parts := unsafe.Slice(w.p, len(actions))
	for i, a := range actions {
		p := &parts[i]
		p.kind = a.kind()
		if a.Table != "" {
			p.table = (*C.char)(w.text([]byte(a.Table)))
		}
		var image Image
		switch p.kind {
		case C.DDBXO_WRITE_PUT:
			image = a.Put
		case C.DDBXO_WRITE_DELETE:
			image = a.Delete
		case C.DDBXO_WRITE_UPDATE:
			u := a.Update
			image = nonNilImage(u.Key)
			p.update_expression = (*C.char)(w.text([]byte(u.Expression)))
			if u.Names != nil {
				if err := w.json(u.Names, &p.names_json, &p.names_len); err != nil {
					w.free()
					return nil, err
				}
			}
			if u.Values != nil {
				if err := w.json(u.Values, &p.values_json, &p.values_len); err != nil {
					w.free()
					return nil, err
				}
			}
		}
		if image != nil {
			if err := w.json(image, &p.image_json, &p.image_len); err != nil {
				w.free()
				return nil, err
			}
		}
	}
	return w, nil
}

// text copies b into C memory that w frees.
func (w *writeParts) text(b []byte) unsafe.Pointer {
	p := cBytes(b)
	w.mem = append(w.mem, p)
	return p
}

// json sets *ptr, *n to v's JSON in C memory that w frees.
func (w *writeParts) json(v any, ptr **C.char, n *C.size_t) error {
	js, err := json.Marshal(v)
	if err != nil {
		return err
	}
	*ptr = (*C.char)(w.text(js))
	*n = C.size_t(len(js))
	return nil
}

func (w *writeParts) free() {
	for _, p := range w.mem {
		C.free(p)
	}
	w.mem = nil
}

// awsTypeIsThrottle is ddbxo_aws_type_is_throttle (for the tests).
func awsTypeIsThrottle(awsType string) bool {
	cs := C.CString(awsType)
	defer C.free(unsafe.Pointer(cs))
	return C.ddbxo_aws_type_is_throttle(cs) != 0
}

// ParseMode returns the mode called name ("replicate", "ledger" or
// "tracker", as Mode.String spells it).  The error, an *Error with Code
// CodeConfig and Path "Mode", is the C library's.
func ParseMode(name string) (Mode, error) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	if m := C.ddbxo_mode_from_name(cs); m != 0 {
		return Mode(m), nil
	}
	// Refused: let the library's rules say why, in the field's name.
	var mo C.ddbxo_mode_options
	mo.mode_name = cs
	mo.names = optionNames
	var cerr C.ddbxo_error
	C.ddbxo_mode_options_check(&mo, &cerr)
	return 0, cError(&cerr)
}
