package ddbxo

/*
#include <stdlib.h>
#include "ddbxo.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
	"fmt"
	"unsafe"
)

// Type is the type of an AttributeValue.  The numbers are the C library's
// (and the type tags of the canonical encoding) and never change.
type Type int

// The AttributeValue types.
const (
	TypeNone Type = C.DDBXO_TYPE_NONE // not a value: the zero Value
	TypeS    Type = C.DDBXO_TYPE_S
	TypeN    Type = C.DDBXO_TYPE_N
	TypeB    Type = C.DDBXO_TYPE_B
	TypeSS   Type = C.DDBXO_TYPE_SS
	TypeNS   Type = C.DDBXO_TYPE_NS
	TypeBS   Type = C.DDBXO_TYPE_BS
	TypeM    Type = C.DDBXO_TYPE_M
	TypeL    Type = C.DDBXO_TYPE_L
	TypeNULL Type = C.DDBXO_TYPE_NULL
	TypeBOOL Type = C.DDBXO_TYPE_BOOL
)

// String returns the type's DynamoDB JSON key, e.g. "NS", or "?".
func (t Type) String() string { return C.GoString(C.ddbxo_type_name(C.ddbxo_type(t))) }

// Value is one DynamoDB AttributeValue.  Type says which field holds it;
// the others are unused.  Numbers are kept as text, exactly as stored.
// The JSON form (MarshalJSON, UnmarshalJSON) is DynamoDB JSON, e.g.
// {"N":"1.5"}.
type Value struct {
	Type Type
	S    string           // TypeS
	N    string           // TypeN: the number text
	B    []byte           // TypeB
	SS   []string         // TypeSS
	NS   []string         // TypeNS: number texts
	BS   [][]byte         // TypeBS
	M    map[string]Value // TypeM
	L    []Value          // TypeL
	Bool bool             // TypeBOOL
}

// Image is an attribute map: an item, a key, or a record's image.
type Image map[string]Value

// S returns a string value.
func S(s string) Value { return Value{Type: TypeS, S: s} }

// N returns a number value from its text, e.g. N("1.5").
func N(text string) Value { return Value{Type: TypeN, N: text} }

// B returns a binary value.
func B(b []byte) Value { return Value{Type: TypeB, B: nonNil(b)} }

// Bool returns a boolean value.
func Bool(b bool) Value { return Value{Type: TypeBOOL, Bool: b} }

// Null returns the NULL value.
func Null() Value { return Value{Type: TypeNULL} }

// M returns a map value.
func M(m map[string]Value) Value {
	if m == nil {
		m = map[string]Value{}
	}
	return Value{Type: TypeM, M: m}
}

// L returns a list value.
func L(l ...Value) Value { return Value{Type: TypeL, L: nonNil(l)} }

// SS returns a string set.
func SS(s ...string) Value { return Value{Type: TypeSS, SS: nonNil(s)} }

// NS returns a number set from number texts.
func NS(n ...string) Value { return Value{Type: TypeNS, NS: nonNil(n)} }

// BS returns a binary set.
func BS(b ...[]byte) Value { return Value{Type: TypeBS, BS: nonNil(b)} }

// MarshalJSON writes v as DynamoDB JSON.  It checks only that v has a
// type; DynamoDB's rules are checked by the C library where values are
// written.
func (v Value) MarshalJSON() ([]byte, error) {
	var body any
	switch v.Type {
	case TypeS:
		body = v.S
	case TypeN:
		body = v.N
	case TypeB:
		body = nonNil(v.B)
	case TypeSS:
		body = nonNil(v.SS)
	case TypeNS:
		body = nonNil(v.NS)
	case TypeBS:
		body = nonNil(v.BS)
	case TypeM:
		if v.M == nil {
			body = map[string]Value{}
		} else {
			body = v.M
		}
	case TypeL:
		body = nonNil(v.L)
	case TypeNULL:
		body = true
	case TypeBOOL:
		body = v.Bool
	default:
		return nil, fmt.Errorf("ddbxo: value of type %d", int(v.Type))
	}
	return json.Marshal(map[string]any{v.Type.String(): body})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// UnmarshalJSON reads one DynamoDB JSON value, as lenient as a stream
// image (empty sets and duplicate set members are accepted).
func (v *Value) UnmarshalJSON(data []byte) error {
	var cerr C.ddbxo_error
	p := cBytes(data)
	defer C.free(p)
	h := C.ddbxo_value_parse((*C.char)(p), C.size_t(len(data)), C.DDBXO_VALUE_LENIENT, &cerr)
	if h == nil {
		return cError(&cerr)
	}
	defer C.ddbxo_value_free(h)
	out, err := valueFromC(h)
	if err != nil {
		return err
	}
	*v = out
	return nil
}

// UnmarshalJSON reads a DynamoDB JSON attribute map, e.g. an item.
func (img *Image) UnmarshalJSON(data []byte) error {
	var cerr C.ddbxo_error
	p := cBytes(data)
	defer C.free(p)
	h := C.ddbxo_item_parse((*C.char)(p), C.size_t(len(data)), C.DDBXO_VALUE_LENIENT, &cerr)
	if h == nil {
		return cError(&cerr)
	}
	defer C.ddbxo_value_free(h)
	out, err := imageFromC(h)
	if err != nil {
		return err
	}
	*img = out
	return nil
}

// cBytes copies b into C memory (never NULL; free with C.free), so that
// the C library may keep pointers into it for as long as it likes.
func cBytes(b []byte) unsafe.Pointer {
	p := C.malloc(C.size_t(len(b) + 1))
	if p == nil {
		panic("ddbxo: out of memory")
	}
	if len(b) > 0 {
		copy(unsafe.Slice((*byte)(p), len(b)), b)
	}
	*(*byte)(unsafe.Add(p, len(b))) = 0
	return p
}

var errNotValue = errors.New("ddbxo: malformed value handle")

// imageFromC copies an attribute map handle (NULL gives a nil Image).
func imageFromC(h *C.ddbxo_value) (Image, error) {
	if h == nil {
		return nil, nil
	}
	v, err := valueFromC(h)
	if err != nil {
		return nil, err
	}
	return Image(v.M), nil
}

// valueFromC copies a value handle into Go memory.  Collections are never
// nil, so an empty set stays an empty set.
func valueFromC(h *C.ddbxo_value) (Value, error) {
	var cerr C.ddbxo_error
	t := Type(C.ddbxo_value_type(h))
	v := Value{Type: t}
	switch t {
	case TypeS:
		var n C.size_t
		s := C.ddbxo_value_s(h, &n)
		v.S = C.GoStringN(s, C.int(n))
	case TypeN:
		var n C.size_t
		s := C.ddbxo_value_n(h, &n)
		v.N = C.GoStringN(s, C.int(n))
	case TypeB:
		b, err := bytesFromC(h)
		if err != nil {
			return Value{}, err
		}
		v.B = b
	case TypeBOOL:
		v.Bool = C.ddbxo_value_bool(h) == 1
	case TypeNULL:
	case TypeSS, TypeNS, TypeBS, TypeL:
		n := int(C.ddbxo_value_count(h))
		switch t {
		case TypeSS:
			v.SS = make([]string, 0, n)
		case TypeNS:
			v.NS = make([]string, 0, n)
		case TypeBS:
			v.BS = make([][]byte, 0, n)
		case TypeL:
			v.L = make([]Value, 0, n)
		}
		for i := 0; i < n; i++ {
			eh := C.ddbxo_value_at(h, C.size_t(i), &cerr)
			if eh == nil {
				return Value{}, cError(&cerr)
			}
			e, err := valueFromC(eh)
			C.ddbxo_value_free(eh)
			if err != nil {
				return Value{}, err
			}
			switch t {
			case TypeSS:
				v.SS = append(v.SS, e.S)
			case TypeNS:
				v.NS = append(v.NS, e.N)
			case TypeBS:
				v.BS = append(v.BS, e.B)
			case TypeL:
				v.L = append(v.L, e)
			}
		}
	case TypeM:
		n := int(C.ddbxo_value_count(h))
		v.M = make(map[string]Value, n)
		for i := 0; i < n; i++ {
			var name *C.char
			var namelen C.size_t
			eh := C.ddbxo_value_entry(h, C.size_t(i), &name, &namelen, &cerr)
			if eh == nil {
				return Value{}, cError(&cerr)
			}
			key := C.GoStringN(name, C.int(namelen))
			e, err := valueFromC(eh)
			C.ddbxo_value_free(eh)
			if err != nil {
				return Value{}, err
			}
			v.M[key] = e
		}
	default:
		return Value{}, errNotValue
	}
	return v, nil
}

func bytesFromC(h *C.ddbxo_value) ([]byte, error) {
	var cerr C.ddbxo_error
	var out *C.uchar
	var n C.size_t
	if C.ddbxo_value_b(h, &out, &n, &cerr) != 0 {
		return nil, cError(&cerr)
	}
	defer C.ddbxo_free(unsafe.Pointer(out))
	b := make([]byte, int(n))
	if n > 0 {
		copy(b, unsafe.Slice((*byte)(unsafe.Pointer(out)), int(n)))
	}
	return b, nil
}
