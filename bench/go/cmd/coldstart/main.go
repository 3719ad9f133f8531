// Command coldstart measures a Lambda custom-runtime bootstrap's cold
// start for `make bench`: it serves a minimal local Lambda Runtime API,
// execs the bootstrap REPS times (after one warm-up that fills the page
// cache) and measures for each run
//
//   - cold_ms: from exec until the bootstrap's first GET .../invocation/next
//     (its init is then done),
//   - init_rss_mb: its peak RSS at that moment (VmHWM),
//   - invoke_ms: the first invocation, EVENT (a DynamoDB stream event),
//     from handing it over until the response is posted,
//   - peak_rss_mb: peak RSS over init plus that invocation (the
//     process's maxrss when it is killed at its next /next),
//   - cpu_ms: the process's CPU time (user+sys, all threads) over init
//     plus that invocation: the figure a busy machine disturbs least.
//
// usage: coldstart REPS EVENT BOOTSTRAP [ENV=VALUE...]
//
// It prints one JSON object with the samples.  The environment it gives
// the bootstrap is what Lambda sets (function name, memory, region,
// credentials, task root) plus the ENV=VALUE arguments.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

type run struct {
	start     time.Time
	pid       int
	firstNext chan struct{}
	handed    time.Time
	responded chan time.Time
	secondNxt chan struct{}
	initRSS   float64
	fail      chan string
}

type server struct {
	mu    sync.Mutex
	cur   *run
	nexts int
	event []byte
}

// hwmMB reads a process's peak resident set (VmHWM) in MB.
func hwmMB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return float64(kb) / 1024
		}
	}
	return -1
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	io.Copy(io.Discard, r.Body)
	p := r.URL.Path
	switch {
	case r.Method == "GET" && p == "/2018-06-01/runtime/invocation/next":
		s.mu.Lock()
		s.nexts++
		n := s.nexts
		s.mu.Unlock()
		if n == 1 {
			cur.initRSS = hwmMB(cur.pid)
			close(cur.firstNext)
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", "bench-request-1")
			h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(5*time.Minute).UnixMilli(), 10))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
			h.Set("Content-Type", "application/json")
			cur.handed = time.Now()
			w.Write(s.event)
			return
		}
		close(cur.secondNxt)
		<-r.Context().Done() // held until the bootstrap is killed
	case strings.HasSuffix(p, "/response"):
		cur.responded <- time.Now()
		w.WriteHeader(http.StatusAccepted)
	case strings.HasSuffix(p, "/error"):
		w.WriteHeader(http.StatusAccepted)
		cur.fail <- "the bootstrap reported an error at " + p
	default:
		http.NotFound(w, r)
	}
}

type sample struct {
	ColdMS    float64 `json:"cold_ms"`
	InitRSS   float64 `json:"init_rss_mb"`
	InvokeMS  float64 `json:"invoke_ms"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	CPUMS     float64 `json:"cpu_ms"`
}

func once(s *server, addr, boot string, env []string) (sample, error) {
	cur := &run{firstNext: make(chan struct{}), responded: make(chan time.Time, 1),
		secondNxt: make(chan struct{}), fail: make(chan string, 4)}
	s.mu.Lock()
	s.cur, s.nexts = cur, 0
	s.mu.Unlock()
	cmd := exec.Command(boot)
	cmd.Env = append([]string{"AWS_LAMBDA_RUNTIME_API=" + addr,
		"LAMBDA_TASK_ROOT=" + filepath.Dir(boot)}, env...)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	cur.start = time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	cur.pid = cmd.Process.Pid
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var out sample
	timeout := time.After(30 * time.Second)
	var err error
	select {
	case <-cur.firstNext:
		out.ColdMS = float64(time.Since(cur.start).Microseconds()) / 1e3
		out.InitRSS = cur.initRSS
		select {
		case t := <-cur.responded:
			out.InvokeMS = float64(t.Sub(cur.handed).Microseconds()) / 1e3
			select {
			case <-cur.secondNxt:
			case <-timeout:
				err = fmt.Errorf("no second /next")
			}
		case m := <-cur.fail:
			err = fmt.Errorf("%s", m)
		case e := <-exited:
			return out, fmt.Errorf("exited during the invocation: %v", e)
		case <-timeout:
			err = fmt.Errorf("no response")
		}
	case m := <-cur.fail:
		err = fmt.Errorf("%s", m)
	case e := <-exited:
		return out, fmt.Errorf("exited before its first /next: %v", e)
	case <-timeout:
		err = fmt.Errorf("no /next within 30 s")
	}
	cmd.Process.Kill()
	<-exited
	if ru, ok := cmd.ProcessState.SysUsage().(*syscallRusage); ok {
		out.PeakRSSMB = float64(ru.Maxrss) / 1024
		out.CPUMS = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
	}
	return out, err
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: coldstart REPS EVENT BOOTSTRAP [ENV=VALUE...]")
		os.Exit(2)
	}
	reps, _ := strconv.Atoi(os.Args[1])
	event, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
	boot, _ := filepath.Abs(os.Args[3])
	env := append([]string{
		"AWS_LAMBDA_FUNCTION_NAME=bench", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/bench",
		"AWS_LAMBDA_LOG_STREAM_NAME=bench", "_HANDLER=bootstrap",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDBENCH", "AWS_SECRET_ACCESS_KEY=benchsecret",
		"AWS_SESSION_TOKEN=benchtoken", "TZ=:UTC", "PATH=/usr/bin:/bin",
	}, os.Args[4:]...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
	s := &server{event: event}
	go http.Serve(ln, s)
	var samples []sample
	for i := -1; i < reps; i++ {
		x, err := once(s, ln.Addr().String(), boot, env)
		if err != nil {
			fmt.Fprintf(os.Stderr, "coldstart: %s: %v\n", boot, err)
			os.Exit(1)
		}
		if i >= 0 {
			samples = append(samples, x)
		}
	}
	b, _ := json.Marshal(map[string]any{"name": "coldstart", "bootstrap": boot, "samples": samples})
	fmt.Println(string(b))
}
