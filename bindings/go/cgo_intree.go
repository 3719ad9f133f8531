//go:build ddbxo_intree

package ddbxo

// The in-tree build links the static library of the enclosing source tree
// (make build/libddbxo.a): the Go binary then needs only libcurl, jansson
// and libcrypto at run time, the libraries every Lambda image or host has
// or can bundle, and no rpath or LD_LIBRARY_PATH.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: ${SRCDIR}/../../build/libddbxo.a -lpthread
#cgo pkg-config: libcurl jansson libcrypto
*/
import "C"
