package ddbxo

/*
#include "ddbxo.h"
*/
import "C"

import (
	"fmt"
	"strings"
)

// Code classifies an [Error] (the C library's ddbxo_code).
type Code int

// The codes.  Their numbers are the C library's and never change.
const (
	CodeOK        Code = C.DDBXO_OK
	CodeInvalid   Code = C.DDBXO_E_INVALID   // bad input: JSON, a field, a value, an option
	CodeNoMem     Code = C.DDBXO_E_NOMEM     // allocation failed
	CodeLimit     Code = C.DDBXO_E_LIMIT     // a named limit was exceeded
	CodeIO        Code = C.DDBXO_E_IO        // file or socket I/O
	CodeConfig    Code = C.DDBXO_E_CONFIG    // missing or invalid configuration or credentials
	CodeHTTP      Code = C.DDBXO_E_HTTP      // transport failure
	CodeAWS       Code = C.DDBXO_E_AWS       // the service answered with an error
	CodeCondition Code = C.DDBXO_E_CONDITION // a ConditionExpression refused the write
	CodeCancelled Code = C.DDBXO_E_CANCELLED // TransactWriteItems was cancelled
	CodeTimeout   Code = C.DDBXO_E_TIMEOUT   // the deadline passed
	CodeInternal  Code = C.DDBXO_E_INTERNAL  // a bug in libddbxo
)

// String returns the code's name, e.g. "invalid".
func (c Code) String() string { return C.GoString(C.ddbxo_code_name(C.int(c))) }

// Error is an error reported by the C library.  It never holds credentials
// or item contents.
type Error struct {
	Code       Code
	Retryable  bool   // retrying the same call may succeed
	Ambiguous  bool   // the request may have been applied
	HTTPStatus int    // 0 when no HTTP response was received
	AWSType    string // AWS error type, e.g. "ResourceNotFoundException"
	RequestID  string // x-amzn-RequestId
	Path       string // JSON path of bad input, e.g. "Records[3].dynamodb.Keys"
	Message    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("ddbxo: ")
	b.WriteString(e.Code.String())
	if e.AWSType != "" {
		fmt.Fprintf(&b, " (%s)", e.AWSType)
	}
	if e.Path != "" && !strings.HasPrefix(e.Message, e.Path) {
		fmt.Fprintf(&b, " at %s", e.Path)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// goError copies a C error; nil when it holds no error.
func goError(e *C.ddbxo_error) *Error {
	if e == nil || e.code == C.DDBXO_OK {
		return nil
	}
	return &Error{
		Code:       Code(e.code),
		Retryable:  e.retryable != 0,
		Ambiguous:  e.ambiguous != 0,
		HTTPStatus: int(e.http_status),
		AWSType:    C.GoString(&e.aws_type[0]),
		RequestID:  C.GoString(&e.request_id[0]),
		Path:       C.GoString(&e.path[0]),
		Message:    C.GoString(&e.message[0]),
	}
}

// cError returns the error a failed C call left in e (never nil).
func cError(e *C.ddbxo_error) error {
	if ge := goError(e); ge != nil {
		return ge
	}
	return &Error{Code: CodeInternal, Message: "call failed without an error"}
}
