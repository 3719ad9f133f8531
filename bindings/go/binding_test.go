package ddbxo

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The binding's view of the C library's decisions is the library's:
// every enum value, error class, option rule and write shape comes from
// libddbxo (include/ddbxo/sys/binding.h).  No network.

// group returns the library's constants of one group: value -> name.
func group(t *testing.T, name string) map[int64]string {
	t.Helper()
	out := map[int64]string{}
	for n, c := range libConstants() {
		if c.Group == name {
			out[c.Value] = n
		}
	}
	if len(out) == 0 {
		t.Fatalf("the library has no group %q", name)
	}
	return out
}

func TestCodesAreTheLibrarys(t *testing.T) {
	ours := map[Code]string{
		CodeOK: "DDBXO_OK", CodeInvalid: "DDBXO_E_INVALID", CodeNoMem: "DDBXO_E_NOMEM",
		CodeLimit: "DDBXO_E_LIMIT", CodeIO: "DDBXO_E_IO", CodeConfig: "DDBXO_E_CONFIG",
		CodeHTTP: "DDBXO_E_HTTP", CodeAWS: "DDBXO_E_AWS", CodeCondition: "DDBXO_E_CONDITION",
		CodeCancelled: "DDBXO_E_CANCELLED", CodeTimeout: "DDBXO_E_TIMEOUT",
		CodeInternal: "DDBXO_E_INTERNAL",
	}
	lib := group(t, "ddbxo_code")
	if len(lib) != len(ours) {
		t.Fatalf("the library has %d codes, the binding %d", len(lib), len(ours))
	}
	for c, name := range ours {
		if lib[int64(c)] != name {
			t.Errorf("Code %d: library calls it %q, want %q", c, lib[int64(c)], name)
		}
		if v, ok := Constant(name); !ok || v != int64(c) {
			t.Errorf("Constant(%q) = %d, %v; want %d", name, v, ok, c)
		}
		if c.String() == "unknown" {
			t.Errorf("Code %d has no name", c)
		}
	}
}

func TestOutcomesAndModesAreTheLibrarys(t *testing.T) {
	outcomes := []Outcome{Applied, Duplicate, Stale, Superseded, Coalesced, Filtered,
		Parked, FailedRetryable, FailedPermanent}
	lib := group(t, "ddbxo_outcome")
	if len(lib) != len(outcomes) {
		t.Fatalf("the library has %d outcomes, the binding %d", len(lib), len(outcomes))
	}
	for _, o := range outcomes {
		if lib[int64(o)] != "DDBXO_"+o.String() {
			t.Errorf("Outcome %d (%s): library calls it %q", o, o, lib[int64(o)])
		}
	}
	modes := map[Mode]string{Replicate: "replicate", Ledger: "ledger", Tracker: "tracker"}
	libModes := group(t, "ddbxo_mode")
	if len(libModes) != len(modes) {
		t.Fatalf("the library has %d modes, the binding %d", len(libModes), len(modes))
	}
	for m, name := range modes {
		if libModes[int64(m)] != "DDBXO_MODE_"+strings.ToUpper(name) || m.String() != name {
			t.Errorf("Mode %d: library %q, String %q", m, libModes[int64(m)], m.String())
		}
	}
	if v, ok := Constant("DDBXO_MAX_WRITES"); !ok || v != 99 {
		t.Errorf("DDBXO_MAX_WRITES = %d, %v", v, ok)
	}
	if _, ok := Constant("DDBXO_NO_SUCH"); ok {
		t.Error("an unknown constant was found")
	}
}

func TestThrottlingIsTheLibrarys(t *testing.T) {
	for _, typ := range []string{"ProvisionedThroughputExceededException", "ThrottlingException",
		"TransactionInProgressException", "ResourceNotFoundException", "ValidationException",
		"InternalServerError", ""} {
		want := awsTypeIsThrottle(typ)
		if got := (&Error{Code: CodeAWS, AWSType: typ}).Throttling(); got != want {
			t.Errorf("%q: Throttling() = %v, library %v", typ, got, want)
		}
		if (&Error{Code: CodeHTTP, AWSType: typ}).Throttling() {
			t.Errorf("%q: a transport error is never throttling", typ)
		}
	}
	if !awsTypeIsThrottle("ProvisionedThroughputExceededException") || awsTypeIsThrottle("ValidationException") {
		t.Error("the library's throttling class is not the retry policy's")
	}
	var nilErr *Error
	if nilErr.Throttling() {
		t.Error("nil is not throttling")
	}
}

func TestModeRulesAreTheLibrarys(t *testing.T) {
	cl, err := NewClient(Config{Region: "us-east-1", EndpointDynamoDB: "http://127.0.0.1:9",
		EndpointStreams: "http://127.0.0.1:9", EndpointSQS: "http://127.0.0.1:9",
		Credentials: &Credentials{AccessKeyID: "k", SecretAccessKey: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	noop := func(Record) (Write, error) { return Skip, nil }
	cases := []struct {
		opt  Options
		code Code
		path string
		msg  string
	}{
		{Options{Mode: 7}, CodeConfig, "Mode", "Mode 7 is not replicate, ledger or tracker"},
		{Options{Mode: Ledger}, CodeConfig, "LedgerTable", "Mode ledger needs LedgerTable"},
		{Options{Aggregate: "g:s"}, CodeConfig, "Aggregate", "Aggregate needs Mode ledger or tracker"},
		{Options{Mode: Ledger, LedgerTable: "l", Aggregate: "g:s", TransformSpec: "{}"},
			CodeInvalid, "Aggregate", "Aggregate and Transform/TransformSpec exclude each other"},
		{Options{Transform: noop, TransformSpec: "{}"}, CodeInvalid, "Transform/TransformSpec",
			"give one Transform/TransformSpec, not 2"},
	}
	for _, c := range cases {
		c.opt.TargetTable = "dst"
		_, _, err := cl.ProcessBatch(context.Background(), []byte(`{"Records":[]}`), c.opt)
		var de *Error
		if !errors.As(err, &de) || de.Code != c.code || de.Path != c.path ||
			!strings.HasPrefix(de.Message, c.msg) {
			t.Errorf("%+v: got %v, want %s at %s: %s", c.opt, err, c.code, c.path, c.msg)
		}
	}
}

func TestActionJSONIsTheLibrarys(t *testing.T) {
	w := UpdateItem(Image{"pk": S("a")}, "ADD #n :one", map[string]string{"#n": "n"},
		Image{":one": N("1")})
	w.Actions[0].Table = "other"
	js, err := json.Marshal(w.Actions[0])
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	_ = json.Unmarshal(js, &got)
	_ = json.Unmarshal([]byte(`{"Update":{"TableName":"other","Key":{"pk":{"S":"a"}},
		"UpdateExpression":"ADD #n :one","ExpressionAttributeNames":{"#n":"n"},
		"ExpressionAttributeValues":{":one":{"N":"1"}}}}`), &want)
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Errorf("got  %s\nwant %s", gj, wj)
	}
	js, err = json.Marshal([]Action{PutItem(Image{"pk": S("a")}).Actions[0],
		DeleteItem(Image{"pk": S("b")}).Actions[0]})
	if err != nil || string(js) != `[{"Put":{"Item":{"pk":{"S":"a"}}}},{"Delete":{"Key":{"pk":{"S":"b"}}}}]` {
		t.Errorf("Put, Delete: %s, %v", js, err)
	}
	// Not exactly one of Put, Update, Delete; a number DynamoDB refuses.
	for _, a := range []Action{{}, {Put: Image{"pk": S("a")}, Delete: Image{"pk": S("a")}},
		{Put: Image{"pk": S("a"), "n": N("1e999")}}} {
		var de *Error
		if _, err := json.Marshal(a); !errors.As(err, &de) || de.Code != CodeInvalid {
			t.Errorf("%+v: got %v, want an invalid-input error", a, err)
		}
	}
}

func TestParseModeIsTheLibrarys(t *testing.T) {
	for _, m := range []Mode{Replicate, Ledger, Tracker} {
		if got, err := ParseMode(m.String()); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	var de *Error
	if _, err := ParseMode("sideways"); !errors.As(err, &de) || de.Code != CodeConfig ||
		de.Path != "Mode" || !strings.Contains(de.Message, "sideways") {
		t.Errorf("ParseMode(sideways): %v", err)
	}
}

func TestTypesAreTheLibrarys(t *testing.T) {
	types := []Type{TypeS, TypeN, TypeB, TypeSS, TypeNS, TypeBS, TypeM, TypeL, TypeNULL, TypeBOOL}
	lib := group(t, "ddbxo_type")
	if len(lib) != len(types)+1 { // and DDBXO_TYPE_NONE
		t.Fatalf("the library has %d types, the binding %d (+ none)", len(lib), len(types))
	}
	for _, ty := range types {
		if lib[int64(ty)] != "DDBXO_TYPE_"+ty.String() {
			t.Errorf("Type %d: library calls it %q, String %q", ty, lib[int64(ty)], ty.String())
		}
	}
}
