package ddbxo_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	ddbxo "github.com/ddbxo/ddbxo/bindings/go"
)

const srcARN = "arn:aws:dynamodb:us-east-1:123456789012:table/Src/stream/2024-01-01T00:00:00.000"

// record is one Lambda stream record of item pk=id as JSON; newImage ""
// leaves NewImage out (a REMOVE).
func record(name, id, seq, newImage string) string {
	img := ""
	if newImage != "" {
		img = `,"NewImage":` + newImage
	}
	return fmt.Sprintf(`{"eventID":"e%s","eventName":%q,"eventVersion":"1.1","eventSource":"aws:dynamodb",
	  "awsRegion":"us-east-1","eventSourceARN":%q,
	  "dynamodb":{"ApproximateCreationDateTime":1700000000,"Keys":{"pk":{"S":%q}}%s,
	  "SequenceNumber":%q,"SizeBytes":64,"StreamViewType":"NEW_AND_OLD_IMAGES"}}`, seq, name, srcARN, id, img, seq)
}

func event(records ...string) []byte {
	return []byte(`{"Records":[` + strings.Join(records, ",") + `]}`)
}

func newClient(t *testing.T) *ddbxo.Client {
	t.Helper()
	cl, err := ddbxo.NewClient(ddbxo.Config{
		Region:           "us-east-1",
		EndpointDynamoDB: motoEndpoint,
		EndpointStreams:  motoEndpoint,
		Credentials:      &ddbxo.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"},
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

func failures(resp events.DynamoDBEventResponse) []string {
	ids := []string{}
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

func attrN(t *testing.T, item map[string]types.AttributeValue, name string) string {
	t.Helper()
	n, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("attribute %s: %#v, want an N", name, item[name])
	}
	return n.Value
}

// Replicate mode with the identity transform: a replayed batch changes
// nothing and reports every record done.
func TestProcessBatchReplicateReplay(t *testing.T) {
	cl := newClient(t)
	target := createTable(t, "target")
	ev := event(
		record("INSERT", "a", "100", `{"pk":{"S":"a"},"v":{"N":"1"}}`),
		record("INSERT", "b", "101", `{"pk":{"S":"b"},"v":{"N":"7"}}`),
		record("MODIFY", "a", "102", `{"pk":{"S":"a"},"v":{"N":"2"}}`),
	)
	opt := ddbxo.Options{TargetTable: target}
	resp, sum, err := cl.ProcessBatch(context.Background(), ev, opt)
	if err != nil {
		t.Fatalf("ProcessBatch: %v", err)
	}
	if len(resp.BatchItemFailures) != 0 || sum.Records != 3 || sum.Applied != 2 || sum.Coalesced != 1 || sum.Failed != 0 {
		t.Fatalf("first delivery: failures %v, summary %+v", failures(resp), sum)
	}
	if got := sum.Results[2]; got.SequenceNumber != "102" || got.Outcome != ddbxo.Applied || got.Err != nil {
		t.Errorf("record 2: %+v", got)
	}
	first := scan(t, target)
	if len(first) != 2 || attrN(t, first["a"], "v") != "2" || attrN(t, first["b"], "v") != "7" {
		t.Fatalf("target after first delivery: %v", first)
	}

	for i := 0; i < 2; i++ { // the ESM delivers it again, twice
		resp, sum, err = cl.ProcessBatch(context.Background(), ev, opt)
		if err != nil {
			t.Fatalf("replay: %v", err)
		}
		// a's first record may be reported COALESCED again or DUPLICATE:
		// both mean done.
		if len(resp.BatchItemFailures) != 0 || sum.Applied != 0 || sum.Failed != 0 ||
			sum.Duplicate < 2 || sum.Duplicate+sum.Coalesced != 3 {
			t.Fatalf("replay %d: failures %v, summary %+v", i, failures(resp), sum)
		}
	}
	if again := scan(t, target); !reflect.DeepEqual(again, first) {
		t.Fatalf("replay changed the target:\n%v\nwas\n%v", again, first)
	}

	// An older record of a stored item arrives late: refused as STALE.
	_, sum, err = cl.ProcessBatch(context.Background(),
		event(record("MODIFY", "a", "99", `{"pk":{"S":"a"},"v":{"N":"0"}}`)), opt)
	if err != nil || sum.Stale != 1 || sum.Failed != 0 {
		t.Fatalf("stale record: %+v, %v", sum, err)
	}
	if got := attrN(t, scan(t, target)["a"], "v"); got != "2" {
		t.Fatalf("stale record overwrote a: v=%s", got)
	}
}

// Ledger mode with a Go transform that counts (ADD, not idempotent):
// every record is counted exactly once however often it comes.
func TestProcessBatchLedgerGoTransformExactlyOnce(t *testing.T) {
	cl := newClient(t)
	target := createTable(t, "target")
	ledger := createTable(t, "ledger")
	var calls atomic.Int64
	var seen atomic.Value
	count := func(r ddbxo.Record) (ddbxo.Write, error) {
		calls.Add(1)
		seen.Store(r)
		amount := r.NewImage["amount"]
		return ddbxo.UpdateItem(ddbxo.Image{"pk": ddbxo.S("totals")},
			"ADD #n :one, #s :amt", map[string]string{"#n": "n", "#s": "sum"},
			ddbxo.Image{":one": ddbxo.N("1"), ":amt": amount}), nil
	}
	opt := ddbxo.Options{Mode: ddbxo.Ledger, TargetTable: target, LedgerTable: ledger, Transform: count}
	batch1 := []string{
		record("INSERT", "o1", "200", `{"pk":{"S":"o1"},"amount":{"N":"10"}}`),
		record("INSERT", "o2", "201", `{"pk":{"S":"o2"},"amount":{"N":"2.5"}}`),
	}
	o3 := record("INSERT", "o3", "202", `{"pk":{"S":"o3"},"amount":{"N":"100"}}`)

	_, sum, err := cl.ProcessBatch(context.Background(), event(batch1...), opt)
	if err != nil || sum.Applied != 2 || sum.Failed != 0 {
		t.Fatalf("first delivery: %+v, %v", sum, err)
	}
	r := seen.Load().(ddbxo.Record)
	if len(r.DedupKey) != 64 || r.EventSourceARN != srcARN || r.NewImage["amount"].Type != ddbxo.TypeN {
		t.Errorf("transform saw %+v", r)
	}
	// Redelivered, and then with a new record appended (the ESM resumes
	// from the first failure and sends the rest again).
	_, sum, err = cl.ProcessBatch(context.Background(), event(batch1...), opt)
	if err != nil || sum.Applied != 0 || sum.Duplicate != 2 || sum.Failed != 0 {
		t.Fatalf("replay: %+v, %v", sum, err)
	}
	_, sum, err = cl.ProcessBatch(context.Background(), event(append(batch1, o3)...), opt)
	if err != nil || sum.Applied != 1 || sum.Duplicate != 2 || sum.Failed != 0 {
		t.Fatalf("replay plus one: %+v, %v", sum, err)
	}
	tot := scan(t, target)["totals"]
	if attrN(t, tot, "n") != "3" || attrN(t, tot, "sum") != "112.5" {
		t.Fatalf("totals %v: want n=3 sum=112.5 (each record once)", tot)
	}
	if got := len(scan(t, ledger)); got != 3 {
		t.Errorf("ledger has %d items, want 3", got)
	}
	if calls.Load() < 3 {
		t.Errorf("transform called %d times", calls.Load())
	}
}

// What a Go transform returns decides each record's outcome; its errors
// and panics fail only their record.
func TestProcessBatchTransformOutcomes(t *testing.T) {
	cl := newClient(t)
	target := createTable(t, "target")
	tf := func(r ddbxo.Record) (ddbxo.Write, error) {
		switch r.Keys["pk"].S {
		case "err":
			return ddbxo.Skip, errors.New("no rule for this item")
		case "panic":
			panic("transform bug")
		case "skip":
			return ddbxo.Skip, nil
		case "bad":
			return ddbxo.PutItem(ddbxo.Image{"pk": ddbxo.S("bad"), "n": ddbxo.N("not-a-number")}), nil
		}
		return ddbxo.PutItem(ddbxo.Image{"pk": r.Keys["pk"], "copy": ddbxo.Bool(true), "seq": ddbxo.S(r.SequenceNumber)}), nil
	}
	ev := event(
		record("INSERT", "ok", "300", `{"pk":{"S":"ok"}}`),
		record("INSERT", "err", "301", `{"pk":{"S":"err"}}`),
		record("INSERT", "panic", "302", `{"pk":{"S":"panic"}}`),
		record("INSERT", "skip", "303", `{"pk":{"S":"skip"}}`),
		record("INSERT", "bad", "304", `{"pk":{"S":"bad"}}`),
	)
	resp, sum, err := cl.ProcessBatch(context.Background(), ev, ddbxo.Options{TargetTable: target, Transform: tf})
	if err != nil {
		t.Fatalf("ProcessBatch: %v", err)
	}
	want := []ddbxo.Outcome{ddbxo.Applied, ddbxo.FailedPermanent, ddbxo.FailedPermanent, ddbxo.Filtered, ddbxo.FailedPermanent}
	for i, w := range want {
		if got := sum.Results[i].Outcome; got != w {
			t.Errorf("record %d: %v, want %v (err %v)", i, got, w, sum.Results[i].Err)
		}
	}
	if got := failures(resp); !reflect.DeepEqual(got, []string{"301", "302", "304"}) {
		t.Errorf("batchItemFailures %v, want [301 302 304]", got)
	}
	for i, sub := range map[int]string{1: "no rule for this item", 2: "panicked: transform bug", 4: "n"} {
		var de *ddbxo.Error
		if !errors.As(sum.Results[i].Err, &de) || de.Retryable || !strings.Contains(de.Error(), sub) {
			t.Errorf("record %d: err %v, want a permanent *ddbxo.Error mentioning %q", i, sum.Results[i].Err, sub)
		}
	}
	items := scan(t, target)
	if len(items) != 1 || items["ok"]["seq"].(*types.AttributeValueMemberS).Value != "300" {
		t.Errorf("target: %v, want only the ok item", items)
	}
}

// A done context applies nothing and reports every record failed.
func TestProcessBatchContextDone(t *testing.T) {
	cl := newClient(t)
	target := createTable(t, "target")
	ev := event(
		record("INSERT", "a", "400", `{"pk":{"S":"a"}}`),
		record("INSERT", "b", "401", `{"pk":{"S":"b"}}`),
	)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	for name, ctx := range map[string]context.Context{"cancelled": cancelled, "expired": expired} {
		resp, sum, err := cl.ProcessBatch(ctx, ev, ddbxo.Options{TargetTable: target})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := failures(resp); !reflect.DeepEqual(got, []string{"400", "401"}) || sum.Failed != 2 {
			t.Errorf("%s: failures %v, summary %+v", name, got, sum)
		}
		var de *ddbxo.Error
		if !errors.As(sum.Results[0].Err, &de) || de.Code != ddbxo.CodeTimeout || !de.Retryable {
			t.Errorf("%s: record error %v, want a retryable timeout", name, sum.Results[0].Err)
		}
	}
	if items := scan(t, target); len(items) != 0 {
		t.Errorf("a done context wrote %v", items)
	}
}

// A deadline that passes while DynamoDB does not answer ends the batch
// with the records failed instead of hanging until the attempt timeout.
func TestProcessBatchDeadlineWhileStalled(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() { // accept and never answer
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	cl, err := ddbxo.NewClient(ddbxo.Config{
		Region:           "us-east-1",
		EndpointDynamoDB: "http://" + l.Addr().String(),
		Credentials:      &ddbxo.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"},
		AttemptTimeout:   time.Minute, // only the deadline can end it in time
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan struct{})
	var resp events.DynamoDBEventResponse
	var sum ddbxo.Summary
	go func() {
		defer close(done)
		resp, sum, err = cl.ProcessBatch(ctx, event(record("INSERT", "a", "500", `{"pk":{"S":"a"}}`)), ddbxo.Options{TargetTable: "T"})
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // far beyond the deadline: a hang
		t.Fatal("ProcessBatch did not return after its deadline")
	}
	if err != nil || !reflect.DeepEqual(failures(resp), []string{"500"}) || sum.Results[0].Outcome != ddbxo.FailedRetryable {
		t.Fatalf("failures %v, summary %+v, err %v", failures(resp), sum, err)
	}
}

func TestProcessBatchErrors(t *testing.T) {
	cl := newClient(t)
	ev := event(record("INSERT", "a", "600", `{"pk":{"S":"a"}}`))
	var de *ddbxo.Error
	if _, _, err := cl.ProcessBatch(context.Background(), ev, ddbxo.Options{}); !errors.As(err, &de) || de.Code != ddbxo.CodeConfig {
		t.Errorf("no target table: %v, want a config *Error", err)
	}
	if _, _, err := cl.ProcessBatch(context.Background(), ev, ddbxo.Options{TargetTable: "T", Mode: ddbxo.Ledger}); !errors.As(err, &de) || de.Code != ddbxo.CodeConfig {
		t.Errorf("ledger mode without ledger table: %v, want a config *Error", err)
	}
	if _, _, err := cl.ProcessBatch(context.Background(), []byte("[1,2"), ddbxo.Options{TargetTable: "T"}); !errors.As(err, &de) || de.Code != ddbxo.CodeInvalid {
		t.Errorf("broken JSON: %v, want an invalid *Error", err)
	}
	// A table that does not exist: the record fails, the batch runs.
	resp, sum, err := cl.ProcessBatch(context.Background(), ev, ddbxo.Options{TargetTable: "no-such-table"})
	if err != nil || len(resp.BatchItemFailures) != 1 || sum.Failed != 1 {
		t.Errorf("missing table: failures %v, %+v, %v", failures(resp), sum, err)
	} else if !errors.As(sum.Results[0].Err, &de) || de.Code != ddbxo.CodeAWS || de.AWSType != "ResourceNotFoundException" {
		t.Errorf("missing table: record error %#v", sum.Results[0].Err)
	}
	cl.Close()
	if _, _, err := cl.ProcessBatch(context.Background(), ev, ddbxo.Options{TargetTable: "T"}); err == nil {
		t.Error("ProcessBatch on a closed client succeeded")
	}
}

// The zero Config takes region, endpoint and credentials from the
// standard AWS environment.
func TestNewClientFromEnvironment(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", motoEndpoint)
	t.Setenv("AWS_PROFILE", "")
	cl, err := ddbxo.NewClient(ddbxo.Config{})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer cl.Close()
	if got := cl.Region(); got != "eu-west-1" {
		t.Errorf("Region %q, want eu-west-1", got)
	}
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	var de *ddbxo.Error
	if _, err := ddbxo.NewClient(ddbxo.Config{}); !errors.As(err, &de) || de.Code != ddbxo.CodeConfig {
		t.Errorf("no region: %v, want a config *Error", err)
	}
}

// ProcessEvent takes what aws-lambda-go decoded.
func TestProcessEvent(t *testing.T) {
	cl := newClient(t)
	target := createTable(t, "target")
	// The second record has no ApproximateCreationDateTime (as in
	// powertools-ts__sampleDynamoDBStreamsEvent.json).
	raw := event(record("INSERT", "a", "700", `{"pk":{"S":"a"},"b":{"B":"AAE="}}`),
		`{"eventID":"x","eventName":"INSERT","eventSourceARN":"`+srcARN+`",
		  "dynamodb":{"Keys":{"pk":{"S":"c"}},"NewImage":{"pk":{"S":"c"}},"SequenceNumber":"701"}}`)
	var le events.DynamoDBEvent
	if err := json.Unmarshal(raw, &le); err != nil {
		t.Fatal(err)
	}
	resp, sum, err := cl.ProcessEvent(context.Background(), le, ddbxo.Options{TargetTable: target})
	if err != nil || len(resp.BatchItemFailures) != 0 || sum.Applied != 2 {
		t.Fatalf("ProcessEvent: %v %+v %v", failures(resp), sum, err)
	}
	if b := scan(t, target)["a"]["b"].(*types.AttributeValueMemberB).Value; !reflect.DeepEqual(b, []byte{0, 1}) {
		t.Errorf("b = %v", b)
	}
}

// The target side in another region: the records land in eu-west-1 and
// the namesake table in the source's region (us-east-1) stays empty.
func TestTargetInAnotherRegion(t *testing.T) {
	own := createTable(t, "target") // us-east-1
	eu := dynamodb.New(dynamodb.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(motoEndpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"}, nil
		}),
	})
	_, err := eu.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(own),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable in eu-west-1: %v", err)
	}
	cl, err := ddbxo.NewClient(ddbxo.Config{
		Region:           "eu-west-1",
		EndpointDynamoDB: motoEndpoint,
		EndpointStreams:  motoEndpoint,
		Credentials:      &ddbxo.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"},
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer cl.Close()
	if cl.Region() != "eu-west-1" {
		t.Fatalf("region %q", cl.Region())
	}
	ev := event(
		record("INSERT", "a", "100", `{"pk":{"S":"a"},"v":{"N":"1"}}`),
		record("INSERT", "b", "101", `{"pk":{"S":"b"},"v":{"N":"7"}}`),
	)
	_, sum, err := cl.ProcessBatch(context.Background(), ev, ddbxo.Options{TargetTable: own})
	if err != nil || sum.Failed != 0 || sum.Applied != 2 {
		t.Fatalf("ProcessBatch: %+v, %v", sum, err)
	}
	out, err := eu.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(own)})
	if err != nil || len(out.Items) != 2 {
		t.Fatalf("eu-west-1 target: %v, %v", out, err)
	}
	if left := scan(t, own); len(left) != 0 {
		t.Fatalf("written to the source region's table: %v", left)
	}
}

// assumeOnMoto calls moto's STS AssumeRole and returns the role's
// credentials, for setting up tables in the role's account.  moto's checks
// are off: the Authorization header only tells it the service (it sends
// unsigned requests to S3).
func assumeOnMoto(t *testing.T, role string) aws.Credentials {
	t.Helper()
	form := url.Values{
		"Action": {"AssumeRole"}, "Version": {"2011-06-15"},
		"RoleArn": {role}, "RoleSessionName": {"setup"},
	}
	req, err := http.NewRequest("POST", motoEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Creds struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			SessionToken    string `xml:"SessionToken"`
		} `xml:"AssumeRoleResult>Credentials"`
	}
	if err := xml.NewDecoder(resp.Body).Decode(&out); err != nil || out.Creds.AccessKeyID == "" {
		t.Fatalf("AssumeRole answer: %v", err)
	}
	return aws.Credentials{AccessKeyID: out.Creds.AccessKeyID,
		SecretAccessKey: out.Creds.SecretAccessKey, SessionToken: out.Creds.SessionToken}
}

// The target side in another account: RoleARN is assumed through moto's
// STS (AWS_ENDPOINT_URL_STS) and the records land in that account's
// table; the caller's own namesake stays empty.
func TestTargetInAnotherAccount(t *testing.T) {
	const role = "arn:aws:iam::222222222222:role/ddbxo-target"
	t.Setenv("AWS_ENDPOINT_URL_STS", motoEndpoint)
	own := createTable(t, "target")
	rc := assumeOnMoto(t, role)
	other := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(motoEndpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return rc, nil
		}),
	})
	if _, err := other.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(own),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatalf("CreateTable in account 222222222222: %v", err)
	}
	cl, err := ddbxo.NewClient(ddbxo.Config{
		Region:           "us-east-1",
		EndpointDynamoDB: motoEndpoint,
		EndpointStreams:  motoEndpoint,
		Credentials:      &ddbxo.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"},
		RoleARN:          role,
		ExternalID:       "ext-1",
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer cl.Close()
	_, sum, err := cl.ProcessBatch(context.Background(),
		event(record("INSERT", "a", "100", `{"pk":{"S":"a"},"v":{"N":"1"}}`)),
		ddbxo.Options{TargetTable: own})
	if err != nil || sum.Failed != 0 || sum.Applied != 1 {
		t.Fatalf("ProcessBatch: %+v, %v", sum, err)
	}
	out, err := other.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(own)})
	if err != nil || len(out.Items) != 1 {
		t.Fatalf("account 222222222222's table: %v, %v", out, err)
	}
	if left := scan(t, own); len(left) != 0 {
		t.Fatalf("written with the caller's own identity: %v", left)
	}
}

// RoleARN without a reachable STS fails when the credentials are first
// needed, naming STS: the role is really assumed, never skipped.
func TestRoleARNIsAssumed(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1")
	cl, err := ddbxo.NewClient(ddbxo.Config{
		Region:           "us-east-1",
		EndpointDynamoDB: motoEndpoint,
		EndpointStreams:  motoEndpoint,
		Credentials:      &ddbxo.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"},
		RoleARN:          "arn:aws:iam::222222222222:role/ddbxo-target",
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer cl.Close()
	target := createTable(t, "target")
	_, sum, err := cl.ProcessBatch(context.Background(),
		event(record("INSERT", "a", "100", `{"pk":{"S":"a"},"v":{"N":"1"}}`)),
		ddbxo.Options{TargetTable: target})
	if err == nil && sum.Failed == 0 {
		t.Fatalf("applied without assuming the role: %+v", sum)
	}
	if len(scan(t, target)) != 0 {
		t.Fatalf("written with the caller's own identity")
	}
}
