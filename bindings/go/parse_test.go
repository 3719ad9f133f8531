package ddbxo_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	ddbxo "github.com/ddbxo/ddbxo/bindings/go"
)

// Every shared event aws-lambda-go decodes, ddbxo.ParseEvent decodes to
// the same records: fields, keys and images (through Image.Lambda and
// ImageFromLambda both ways).
func TestParseEventParityWithLambdaGo(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdata(t), "events", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no shared events under %s (DDBXO_TESTDATA overrides): %v", testdata(t), err)
	}
	compared := 0
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var le events.DynamoDBEvent
			if err := json.Unmarshal(data, &le); err != nil || len(le.Records) == 0 {
				// Not a Lambda event for aws-lambda-go (botocore's API
				// examples): nothing to compare with.
				t.Logf("aws-lambda-go: %d records, err %v", len(le.Records), err)
				return
			}
			recs, err := ddbxo.ParseEvent(data)
			if err != nil {
				t.Fatalf("ParseEvent: %v", err)
			}
			if len(recs) != len(le.Records) {
				t.Fatalf("%d records, aws-lambda-go has %d", len(recs), len(le.Records))
			}
			for i, r := range recs {
				compareRecord(t, i, r, le.Records[i])
			}
			compared++
		})
	}
	if compared < 6 {
		t.Fatalf("only %d shared events compared; expected the 7 Lambda events", compared)
	}
}

func compareRecord(t *testing.T, i int, r ddbxo.Record, l events.DynamoDBEventRecord) {
	t.Helper()
	eq := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("record %d %s: got %#v, aws-lambda-go %#v", i, what, got, want)
		}
	}
	eq("EventID", r.EventID, l.EventID)
	eq("EventName", r.EventName, l.EventName)
	eq("EventSourceARN", r.EventSourceARN, l.EventSourceArn)
	eq("AWSRegion", r.AWSRegion, l.AWSRegion)
	eq("SequenceNumber", r.SequenceNumber, l.Change.SequenceNumber)
	eq("StreamViewType", r.StreamViewType, l.Change.StreamViewType)
	size := r.SizeBytes
	if size < 0 {
		size = 0 // absent; aws-lambda-go leaves 0
	}
	eq("SizeBytes", size, l.Change.SizeBytes)
	eq("ApproximateCreationDateTime (s)", r.ApproximateCreationDateTime.IsZero(), l.Change.ApproximateCreationDateTime.IsZero())
	if !r.ApproximateCreationDateTime.IsZero() {
		eq("ApproximateCreationDateTime", r.ApproximateCreationDateTime.Unix(), l.Change.ApproximateCreationDateTime.Unix())
	}
	ui := l.UserIdentity
	// A TTL delete is a REMOVE by the service (an INSERT of
	// lambda-go__dynamodb-event.json carries the same userIdentity).
	eq("TTLDelete", r.TTLDelete, l.EventName == "REMOVE" && ui != nil && ui.Type == "Service" && ui.PrincipalID == "dynamodb.amazonaws.com")
	for _, im := range []struct {
		name string
		ours ddbxo.Image
		them map[string]events.DynamoDBAttributeValue
	}{{"Keys", r.Keys, l.Change.Keys}, {"NewImage", r.NewImage, l.Change.NewImage}, {"OldImage", r.OldImage, l.Change.OldImage}} {
		if im.name == "Keys" && im.them == nil {
			im.them = map[string]events.DynamoDBAttributeValue{} // ours is never nil
		}
		eq(im.name+" as events", im.ours.Lambda(), im.them)
		back, err := ddbxo.ImageFromLambda(im.them)
		if err != nil {
			t.Errorf("record %d %s: ImageFromLambda: %v", i, im.name, err)
		}
		eq(im.name+" from events", back, im.ours)
		// aws-sdk-go-v2 and DynamoDB JSON round trips lose nothing.
		fromSDK, err := ddbxo.ImageFromSDK(im.ours.SDK())
		if err != nil {
			t.Errorf("record %d %s: ImageFromSDK: %v", i, im.name, err)
		}
		eq(im.name+" via SDK", fromSDK, im.ours)
		if im.ours != nil {
			js, err := json.Marshal(im.ours)
			if err != nil {
				t.Fatalf("record %d %s: Marshal: %v", i, im.name, err)
			}
			var again ddbxo.Image
			if err := json.Unmarshal(js, &again); err != nil {
				t.Fatalf("record %d %s: Unmarshal(%s): %v", i, im.name, js, err)
			}
			eq(im.name+" via JSON", again, im.ours)
		}
	}
}

// The shared event with every attribute type decodes to these values.
func TestParseEventValues(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testdata(t), "events", "lambda-go__dynamodb-event.json"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ddbxo.ParseEvent(data)
	if err != nil || len(recs) == 0 {
		t.Fatalf("ParseEvent: %d records, %v", len(recs), err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	img := recs[1].NewImage
	want := ddbxo.Image{
		"b2":             ddbxo.B([]byte{0xb5, 0xeb, 0x2d}), // "test" is valid base64
		"EmptyStringSet": ddbxo.SS(),                        // as streams carry it
		"NumberSet":      ddbxo.NS("1234", "567.8"),
		"FloatNumber":    ddbxo.N("123.45"),
		"Null":           ddbxo.Null(),
		"Boolean":        ddbxo.Bool(true),
		"List":           ddbxo.L(ddbxo.S("Cookies"), ddbxo.S("Coffee"), ddbxo.N("3.14159")),
		"Map":            ddbxo.M(ddbxo.Image{"Name": ddbxo.S("Joe"), "Age": ddbxo.N("35")}),
		"BinarySet":      ddbxo.BS([]byte{0, 1, 42, 65}, []byte{0, 1, 42, 65}),
	}
	for k, w := range want {
		if got, ok := img[k]; !ok || !reflect.DeepEqual(got, w) {
			t.Errorf("%s: got %#v, want %#v", k, got, w)
		}
	}
	if got := img["EmptyStringSet"].SS; got == nil {
		t.Error("empty SS decodes to a nil slice; want an empty set")
	}
	if got := recs[0].DedupKey; len(got) != 64 {
		t.Errorf("DedupKey %q, want 64 hex digits", got)
	}
}

func TestParseEventErrors(t *testing.T) {
	_, err := ddbxo.ParseEvent([]byte(`{"Records": 7}`))
	var de *ddbxo.Error
	if !errors.As(err, &de) || de.Code != ddbxo.CodeInvalid {
		t.Fatalf("not an event: err %v, want *ddbxo.Error invalid", err)
	}
	// One bad record among good ones: the good ones come back, the bad
	// one is named.
	ev := `{"Records":[` + record("INSERT", "a", "100", `{"pk":{"S":"a"}}`) + `,
	   {"eventID":"x","eventName":"INSERT","dynamodb":{"Keys":{"pk":{"Q":"?"}},"SequenceNumber":"101"}},` +
		record("INSERT", "b", "102", `{"pk":{"S":"b"}}`) + `]}`
	recs, err := ddbxo.ParseEvent([]byte(ev))
	if len(recs) != 2 || recs[0].SequenceNumber != "100" || recs[1].SequenceNumber != "102" {
		t.Fatalf("good records: %+v", recs)
	}
	if !errors.As(err, &de) || !strings.Contains(de.Path, "Records[1]") {
		t.Fatalf("bad record: err %v, want an *Error naming Records[1]", err)
	}
}

// The dedup key v1 known-answer vectors of tests/vectors/dedup-v1.json.
func TestDedupVectors(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "tests", "vectors", "dedup-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Vectors []struct {
			Name        string
			SourceTable *string         `json:"source_table"`
			Record      json.RawMessage `json:"record"`
			DedupKey    string          `json:"dedup_key"`
		}
		Tokens []struct {
			Name      string
			DedupKeys []string `json:"dedup_keys"`
			Token     string
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Vectors) == 0 || len(doc.Tokens) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range doc.Vectors {
		table := ""
		if v.SourceTable != nil {
			table = *v.SourceTable
		}
		recs, err := ddbxo.ParseEventSource(v.Record, table)
		if err != nil || len(recs) != 1 {
			t.Errorf("%s: %d records, %v", v.Name, len(recs), err)
			continue
		}
		if recs[0].DedupKey != v.DedupKey {
			t.Errorf("%s: dedup key %s, want %s", v.Name, recs[0].DedupKey, v.DedupKey)
		}
	}
	for _, tk := range doc.Tokens {
		got, err := ddbxo.ClientRequestToken(tk.DedupKeys...)
		if err != nil || got != tk.Token {
			t.Errorf("%s: token %q (%v), want %q", tk.Name, got, err, tk.Token)
		}
	}
}
