package ddbxo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	ddbxo "github.com/ddbxo/ddbxo/bindings/go"
)

// sqsCall is one SQS call (JSON protocol) to moto, which does not check
// signatures: the Authorization header only names the service.
func sqsCall(t *testing.T, op string, in any) map[string]any {
	t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", motoEndpoint+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS."+op)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("SQS %s: %v", op, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("SQS %s: HTTP %d: %s", op, resp.StatusCode, data)
	}
	out := map[string]any{}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("SQS %s answer: %v", op, err)
		}
	}
	return out
}

// makeQueue makes a queue named after the test with VisibilityTimeout 0:
// a message the redrive leaves in the queue is visible again at once.
func makeQueue(t *testing.T, suffix string) string {
	t.Helper()
	name := strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()) + "-" + suffix
	out := sqsCall(t, "CreateQueue", map[string]any{
		"QueueName": name, "Attributes": map[string]string{"VisibilityTimeout": "0"}})
	return out["QueueUrl"].(string)
}

// queueBodies returns the bodies in the queue now, leaving them there.
func queueBodies(t *testing.T, url string) []string {
	t.Helper()
	out := sqsCall(t, "ReceiveMessage", map[string]any{
		"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 0})
	bodies := []string{}
	msgs, _ := out["Messages"].([]any)
	for _, m := range msgs {
		bodies = append(bodies, m.(map[string]any)["Body"].(string))
	}
	return bodies
}

func sendBody(t *testing.T, url, body string) {
	t.Helper()
	sqsCall(t, "SendMessage", map[string]any{"QueueUrl": url, "MessageBody": body})
}

// newSQSClient is newClient with SQS on moto too.
func newSQSClient(t *testing.T) *ddbxo.Client {
	t.Helper()
	cl, err := ddbxo.NewClient(ddbxo.Config{
		Region:           "us-east-1",
		EndpointDynamoDB: motoEndpoint,
		EndpointStreams:  motoEndpoint,
		EndpointSQS:      motoEndpoint,
		Credentials:      &ddbxo.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"},
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// A record parked by a transform bug is redriven with the fixed
// transform: written once, its message deleted; the same message sent
// again applies nothing (Duplicate) and is deleted too.
func TestRedriveParkedRecordOnce(t *testing.T) {
	cl := newSQSClient(t)
	target := createTable(t, "target")
	park := makeQueue(t, "park")
	broken := func(ddbxo.Record) (ddbxo.Write, error) { return ddbxo.Skip, errors.New("transform bug") }

	_, sum, err := cl.ProcessBatch(context.Background(),
		event(record("INSERT", "a", "100", `{"pk":{"S":"a"},"v":{"N":"7"}}`)),
		ddbxo.Options{TargetTable: target, Transform: broken, ParkQueueURL: park})
	if err != nil || sum.Parked != 1 || sum.Failed != 0 {
		t.Fatalf("ProcessBatch: %+v, %v", sum, err)
	}
	parked := queueBodies(t, park)
	if len(parked) != 1 || !strings.Contains(parked[0], `"ddbxo_park":1`) {
		t.Fatalf("park queue: %q", parked)
	}
	if n := len(scan(t, target)); n != 0 {
		t.Fatalf("%d items written before the redrive", n)
	}

	cfg := ddbxo.RedriveConfig{QueueURL: park, Apply: ddbxo.Options{TargetTable: target}, WaitTime: -1}
	res, err := cl.Redrive(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Redrive: %v", err)
	}
	if res.Messages != 1 || res.Deleted != 1 || res.Kept != 0 || res.Records != 1 || res.Applied != 1 ||
		res.Failed != 0 || len(res.LostRanges) != 0 || len(res.BatchItemFailures) != 0 || len(res.Warnings) != 0 {
		t.Fatalf("Redrive: %+v", res)
	}
	items := scan(t, target)
	if len(items) != 1 || attrN(t, items["a"], "v") != "7" {
		t.Fatalf("target: %v", items)
	}
	if left := queueBodies(t, park); len(left) != 0 {
		t.Fatalf("left in the queue: %q", left)
	}

	// An empty queue is no error.
	if res, err := cl.Redrive(context.Background(), cfg); err != nil || res.Messages != 0 || res.Records != 0 {
		t.Fatalf("Redrive of an empty queue: %+v, %v", res, err)
	}

	// A replay: Duplicate, nothing written, deleted.
	sendBody(t, park, parked[0])
	res, err = cl.Redrive(context.Background(), cfg)
	if err != nil || res.Messages != 1 || res.Deleted != 1 || res.Duplicate != 1 || res.Applied != 0 {
		t.Fatalf("replayed Redrive: %+v, %v", res, err)
	}
	if again := scan(t, target); len(again) != 1 || attrN(t, again["a"], "v") != "7" {
		t.Fatalf("target after the replay: %v", again)
	}
	if left := queueBodies(t, park); len(left) != 0 {
		t.Fatalf("left in the queue: %q", left)
	}
}

// A Go transform in ledger mode: the counter's ADD is not idempotent, so
// 1 after a replay shows the record took effect once.  A separate Source
// client is given (park messages carry their record, so it reads nothing
// here; TestRedriveRefused covers a closed one).
func TestRedriveLedgerGoTransformOnce(t *testing.T) {
	cl := newSQSClient(t)
	src := newSQSClient(t)
	totals := createTable(t, "totals")
	ledger := createTable(t, "ledger")
	q := makeQueue(t, "park")
	rec := record("INSERT", "a", "100", `{"pk":{"S":"a"},"v":{"N":"5"}}`)
	var parked map[string]json.RawMessage
	if err := json.Unmarshal([]byte(`{"ddbxo_park":1,"reason":{"code":"invalid","message":"test"},"source_table":"Src"}`), &parked); err != nil {
		t.Fatal(err)
	}
	parked["record"] = json.RawMessage(rec)
	body, _ := json.Marshal(parked)

	count := func(r ddbxo.Record) (ddbxo.Write, error) {
		return ddbxo.UpdateItem(ddbxo.Image{"pk": ddbxo.S("all")}, "ADD #n :one, #s :v",
			map[string]string{"#n": "n", "#s": "sum"},
			ddbxo.Image{":one": ddbxo.N("1"), ":v": r.NewImage["v"]}), nil
	}
	cfg := ddbxo.RedriveConfig{
		QueueURL: q,
		Apply:    ddbxo.Options{Mode: ddbxo.Ledger, TargetTable: totals, LedgerTable: ledger, Transform: count},
		WaitTime: -1,
		Source:   src,
	}
	for run := 0; run < 2; run++ {
		sendBody(t, q, string(body))
		res, err := cl.Redrive(context.Background(), cfg)
		if err != nil || res.Deleted != 1 || res.Applied != 1-run || res.Duplicate != run {
			t.Fatalf("run %d: %+v, %v", run, res, err)
		}
	}
	all := scan(t, totals)["all"]
	if attrN(t, all, "n") != "1" || attrN(t, all, "sum") != "5" {
		t.Fatalf("totals: %v", all)
	}
}

// A message of no known shape is kept and said; a receive that fails is
// an error with the result so far.
func TestRedriveKeptAndFailedReceive(t *testing.T) {
	cl := newSQSClient(t)
	target := createTable(t, "target")
	q := makeQueue(t, "mixed")
	sendBody(t, q, `{"hello":1}`)
	res, err := cl.Redrive(context.Background(), ddbxo.RedriveConfig{
		QueueURL: q, Apply: ddbxo.Options{TargetTable: target}, WaitTime: -1})
	if err != nil || res.Messages != 1 || res.Kept != 1 || res.Deleted != 0 {
		t.Fatalf("Redrive: %+v, %v", res, err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "unknown shape") {
		t.Fatalf("Warnings: %q", res.Warnings)
	}
	if left := queueBodies(t, q); len(left) != 1 {
		t.Fatalf("queue: %q", left)
	}

	res, err = cl.Redrive(context.Background(), ddbxo.RedriveConfig{
		QueueURL: motoEndpoint + "/123456789012/no-such-queue",
		Apply:    ddbxo.Options{TargetTable: target}, WaitTime: -1})
	var de *ddbxo.Error
	if !errors.As(err, &de) || de.Code != ddbxo.CodeAWS || res.Messages != 0 {
		t.Fatalf("Redrive of a missing queue: %+v, %v", res, err)
	}
}

// What cannot start is refused before anything is received.
func TestRedriveRefused(t *testing.T) {
	cl := newSQSClient(t)
	const q = "http://127.0.0.1:1/123456789012/q"
	apply := ddbxo.Options{TargetTable: "t"}
	cases := []struct {
		name string
		cfg  ddbxo.RedriveConfig
		code ddbxo.Code
		path string
	}{
		{"no queue", ddbxo.RedriveConfig{Apply: apply}, ddbxo.CodeConfig, "queue_url"},
		{"park into itself", ddbxo.RedriveConfig{QueueURL: q, Apply: ddbxo.Options{TargetTable: "t", ParkQueueURL: q}},
			ddbxo.CodeConfig, "apply.park_queue_url"},
		{"tries", ddbxo.RedriveConfig{QueueURL: q, Apply: apply, Tries: 101}, ddbxo.CodeConfig, "tries"},
		{"wait", ddbxo.RedriveConfig{QueueURL: q, Apply: apply, WaitTime: 21e9}, ddbxo.CodeConfig, "wait_s"},
		{"ledger without its table", ddbxo.RedriveConfig{QueueURL: q, Apply: ddbxo.Options{Mode: ddbxo.Ledger, TargetTable: "t"}},
			ddbxo.CodeConfig, "LedgerTable"},
		{"two transforms", ddbxo.RedriveConfig{QueueURL: q, Apply: ddbxo.Options{Mode: ddbxo.Ledger, TargetTable: "t",
			LedgerTable: "l", TransformSpec: `{"key":{"pk":"pk"}}`, Aggregate: "g:v"}}, ddbxo.CodeInvalid, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := cl.Redrive(context.Background(), c.cfg)
			var de *ddbxo.Error
			if !errors.As(err, &de) || de.Code != c.code || (c.path != "" && de.Path != c.path) {
				t.Fatalf("got %+v, %v; want %v at %q", res, err, c.code, c.path)
			}
		})
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := cl.Redrive(ctx, ddbxo.RedriveConfig{QueueURL: q, Apply: apply}); !errors.Is(err, context.Canceled) {
		t.Errorf("done context: %v", err)
	}
	closed := newSQSClient(t)
	closed.Close()
	if _, err := cl.Redrive(context.Background(), ddbxo.RedriveConfig{QueueURL: q, Apply: apply, Source: closed}); err == nil {
		t.Errorf("closed Source: no error")
	}
	if _, err := closed.Redrive(context.Background(), ddbxo.RedriveConfig{QueueURL: q, Apply: apply}); err == nil {
		t.Errorf("closed client: no error")
	}
}
