// Command bench_go is the aws-lambda-go / aws-sdk-go-v2 peer of `make
// bench` (bench/README.md): the same work as bench/c/bench_c.c, written
// the way a Go handler for this job is usually written.
//
//	bench_go parse REPS ITERS FILE      json.Unmarshal into
//	                                    events.DynamoDBEvent + a SHA-256
//	                                    dedup key per record
//	bench_go sigv4 REPS ITERS           v4.Signer.SignHTTP of one PutItem
//	bench_go apply REPS MODE CONC ENDPOINT FILE...
//	                                    conditional PutItem (replicate) or
//	                                    TransactWriteItems (ledger +
//	                                    aggregate update), CONC goroutines
//	bench_go mem FILE                   peak RSS while reading FILE and
//	                                    unmarshalling it once
//
// It prints one JSON object with the client CPU (getrusage user+sys) and
// wall time per unit of each timed repetition, after one warm-up.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ddbxo/ddbxo/bench/go/internal/peer"
)

type sample struct{ cpu, wall float64 }

func cpuUS() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e3
}

func measure(reps int, body func() int) []sample {
	body() // warm-up
	out := make([]sample, reps)
	for r := range out {
		c0, w0 := cpuUS(), time.Now()
		n := float64(body())
		out[r] = sample{(cpuUS() - c0) / n, float64(time.Since(w0).Microseconds()) / n}
	}
	return out
}

func report(name, unit string, s []sample, extra map[string]any) {
	m := map[string]any{"name": name, "unit": unit}
	var cpu, wall []float64
	for _, x := range s {
		cpu = append(cpu, x.cpu)
		wall = append(wall, x.wall)
	}
	m["cpu_us"], m["wall_us"] = cpu, wall
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	fmt.Println(string(b))
}

func fatal(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "bench_go: "+format+"\n", a...)
	os.Exit(1)
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		fatal("%q: not a number", s)
	}
	return n
}

func parseOnce(doc []byte) int {
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(doc, &ev); err != nil {
		fatal("parse: %v", err)
	}
	for i := range ev.Records {
		_ = peer.DedupKey(peer.TableOf(ev.Records[i].EventSourceArn), &ev.Records[i])
	}
	return len(ev.Records)
}

func runParse(reps, iters int, file string) {
	doc, err := os.ReadFile(file)
	if err != nil {
		fatal("%v", err)
	}
	s := measure(reps, func() int {
		n := 0
		for i := 0; i < iters; i++ {
			n += parseOnce(doc)
		}
		return n
	})
	report("parse", "us/record", s, nil)
}

func putItemBody() []byte {
	return []byte(`{"TableName":"BenchOrders","Item":{"pk":{"S":"order#00000001"},"note":{"S":"` +
		strings.Repeat("0", 900) + `"}}}`)
}

func runSigV4(reps, iters int) {
	body := putItemBody()
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	ctx := context.Background()
	s := measure(reps, func() int {
		for i := 0; i < iters; i++ {
			req, _ := http.NewRequest("POST", "https://dynamodb.us-east-1.amazonaws.com/", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			req.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
			// The SDK hashes the payload in a middleware before signing.
			sum := sha256.Sum256(body)
			if err := signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "dynamodb", "us-east-1", time.Now()); err != nil {
				fatal("sign: %v", err)
			}
		}
		return iters
	})
	report("sigv4", "us/request", s, nil)
}

func runApply(reps int, mode string, conc int, endpoint string, files []string) {
	docs := make([][]byte, len(files))
	for i, f := range files {
		var err error
		if docs[i], err = os.ReadFile(f); err != nil {
			fatal("%v", err)
		}
	}
	// The SDK keeps 10 idle connections per host by default; give it one
	// per goroutine, as the other clients get.
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns = conc
		t.MaxIdleConnsPerHost = conc
	})
	c := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDBENCH", "benchsecret", ""),
		HTTPClient:   hc,
	})
	apply := peer.Replicate
	if mode == "ledger" {
		apply = peer.Ledger
	}
	ctx := context.Background()
	s := measure(reps, func() int {
		n := 0
		for _, doc := range docs {
			var ev events.DynamoDBEvent
			if err := json.Unmarshal(doc, &ev); err != nil {
				fatal("parse: %v", err)
			}
			work := make(chan int)
			var wg sync.WaitGroup
			var mu sync.Mutex
			var firstErr error
			for g := 0; g < conc; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range work {
						if err := apply(ctx, c, &ev.Records[i]); err != nil {
							mu.Lock()
							firstErr = err
							mu.Unlock()
						}
					}
				}()
			}
			for i := range ev.Records {
				work <- i
			}
			close(work)
			wg.Wait()
			if firstErr != nil {
				fatal("%s: %v", mode, firstErr)
			}
			n += len(ev.Records)
		}
		return n
	})
	report(mode, "us/record", s, map[string]any{"concurrency": conc})
}

// statusKB is a field of /proc/self/status in kB, or -1.
func statusKB(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return -1
}

// runMem: the peak RSS of reading FILE and unmarshalling it into
// events.DynamoDBEvent once, over the RSS before (VmHWM reset first, as
// bench_c mem does).  The input buffer counts.
func runMem(file string) {
	reset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	base := statusKB("VmRSS")
	doc, err := os.ReadFile(file)
	if err != nil {
		fatal("%v", err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(doc, &ev); err != nil {
		fatal("parse: %v", err)
	}
	hwm := statusKB("VmHWM")
	b, _ := json.Marshal(map[string]any{"name": "mem", "event_bytes": len(doc), "records": len(ev.Records),
		"base_kb": base, "hwm_kb": hwm, "hwm_reset": reset})
	fmt.Println(string(b))
	runtime.KeepAlive(doc)
	runtime.KeepAlive(&ev)
}

func main() {
	a := os.Args
	switch {
	case len(a) >= 5 && a[1] == "parse":
		runParse(atoi(a[2]), atoi(a[3]), a[4])
	case len(a) >= 4 && a[1] == "sigv4":
		runSigV4(atoi(a[2]), atoi(a[3]))
	case len(a) >= 7 && a[1] == "apply":
		runApply(atoi(a[2]), a[3], atoi(a[4]), a[5], a[6:])
	case len(a) >= 3 && a[1] == "mem":
		runMem(a[2])
	default:
		fmt.Fprintln(os.Stderr, "usage: bench_go parse REPS ITERS FILE | sigv4 REPS ITERS | apply REPS MODE CONC ENDPOINT FILE... | mem FILE")
		os.Exit(2)
	}
}
