//go:build !ddbxo_intree

package ddbxo

// The default build links the installed library (make install puts
// ddbxo.pc in $(LIBDIR)/pkgconfig; set PKG_CONFIG_PATH if that is not a
// standard place).  Build with -tags ddbxo_intree to use a source tree.

/*
#cgo pkg-config: ddbxo
*/
import "C"
