// Command fake_ddb is the benchmark's fake DynamoDB: a fast local HTTP
// server that speaks just enough of the DynamoDB JSON protocol for
// `make bench` to measure clients, not a database.  Every PutItem and
// TransactWriteItems succeeds with an empty answer ("{}", with the
// x-amz-crc32 header DynamoDB sends); anything else is a 400
// UnknownOperationException.  It never checks signatures or conditions.
//
// It counts the TCP connections it accepts and the requests per
// operation, so the drivers can report connections opened.  The counters
// are read on a second listener, so reading them opens no counted
// connection:
//
//	GET  /_fake/stats  -> {"connections":N,"requests":{"PutItem":N,...}}
//	POST /_fake/reset  -> zeroes the counters
//
// With -dump DIR it writes the first request body of each operation to
// DIR/<operation>.json (to check that the peers send the same requests).
//
// Usage: fake_ddb [-addr 127.0.0.1:0] [-dump DIR]; it prints the
// address it serves DynamoDB on and then the control address, one line
// each.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

type server struct {
	conns  atomic.Int64
	mu     sync.Mutex
	counts map[string]int64
	dumped map[string]bool
	dump   string
}

var empty = []byte("{}")
var emptyCRC = strconv.FormatUint(uint64(crc32.ChecksumIEEE(empty)), 10)

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_fake/stats":
		s.mu.Lock()
		b, _ := json.Marshal(map[string]any{"connections": s.conns.Load(), "requests": s.counts})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
		return
	case "/_fake/reset":
		s.mu.Lock()
		s.counts = map[string]int64{}
		s.mu.Unlock()
		s.conns.Store(0)
		w.Write(empty)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	s.mu.Lock()
	s.counts[op]++
	first := s.dump != "" && !s.dumped[op]
	if first {
		s.dumped[op] = true
	}
	s.mu.Unlock()
	if first {
		os.WriteFile(filepath.Join(s.dump, op+".json"), body, 0o644)
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amzn-Requestid", "fake")
	switch op {
	case "PutItem", "TransactWriteItems":
		h.Set("X-Amz-Crc32", emptyCRC)
		w.Write(empty)
	default:
		msg := []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#UnknownOperationException","message":"fake_ddb answers PutItem and TransactWriteItems only"}`)
		h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(msg)), 10))
		w.WriteHeader(http.StatusBadRequest)
		w.Write(msg)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	dump := flag.String("dump", "", "directory for the first request body of each operation")
	flag.Parse()
	s := &server{counts: map[string]int64{}, dumped: map[string]bool{}, dump: *dump}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	ctl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ln.Addr().String())
	fmt.Println(ctl.Addr().String())
	go func() { log.Fatal(http.Serve(ctl, s)) }()
	hs := &http.Server{Handler: s, ConnState: func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}}
	log.Fatal(hs.Serve(ln))
}
