package ddbxo_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// motoEndpoint is the moto server every integration test talks to.
var motoEndpoint string

// moto's CLI serves requests on threads without a lock, so conditional
// writes are not linearisable there; run its app single-threaded, as
// tests/harness/moto.c does.
const motoSingleThread = `import sys, signal
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
signal.signal(signal.SIGTERM, lambda s, f: sys.exit(0))
app = DomainDispatcherApplication(create_backend_app)
run_simple(sys.argv[1], int(sys.argv[2]), app, threaded=False)
`

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	stop, err := startMoto()
	if err != nil {
		fmt.Fprintln(os.Stderr, "moto:", err)
		return 1
	}
	defer stop()
	return m.Run()
}

// venv finds the project's test venv: $VENV, else build/env.mk.
func venv() (string, error) {
	if v := os.Getenv("VENV"); v != "" {
		return v, nil
	}
	f, err := os.Open(filepath.Join("..", "..", "build", "env.mk"))
	if err != nil {
		return "", fmt.Errorf("VENV unset and no build/env.mk (run make setup): %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VENV := "); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("no VENV in build/env.mk")
}

func startMoto() (func(), error) {
	dir, err := venv()
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(filepath.Join(dir, "bin", "python"), "-c", motoSingleThread, "127.0.0.1", fmt.Sprint(port))
	logf, err := os.CreateTemp("", "ddbxo-go-moto-*.log")
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logf.Close()
		os.Remove(logf.Name())
	}
	motoEndpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Post(motoEndpoint+"/moto-api/reset", "text/plain", nil)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return stop, nil
			}
		}
	}
	stop()
	return nil, fmt.Errorf("no 200 from POST /moto-api/reset at %s", motoEndpoint)
}

// sdk is an independent client (aws-sdk-go-v2) to set up and inspect
// tables on moto.
func sdk() *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(motoEndpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"}, nil
		}),
	})
}

// createTable makes a table with partition key pk (S) named after the test.
func createTable(t *testing.T, suffix string) string {
	t.Helper()
	name := strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()) + "-" + suffix
	_, err := sdk().CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	// Now and then the SDK finds moto's answer cut short ("response did
	// not match expected checksum") after moto made the table, and tries
	// again: the second try meets the table the first one made.  Names are
	// unique per test, so an existing table is that one.
	var inUse *types.ResourceInUseException
	if errors.As(err, &inUse) {
		err = nil
	}
	if err != nil {
		t.Fatalf("CreateTable %s: %v", name, err)
	}
	return name
}

// scan returns every item of a table by its pk.
func scan(t *testing.T, table string) map[string]map[string]types.AttributeValue {
	t.Helper()
	out, err := sdk().Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatalf("Scan %s: %v", table, err)
	}
	items := map[string]map[string]types.AttributeValue{}
	for _, it := range out.Items {
		items[it["pk"].(*types.AttributeValueMemberS).Value] = it
	}
	return items
}

// testdata is the repository's tests/data directory (go test runs in
// bindings/go); DDBXO_TESTDATA overrides it.
func testdata(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("DDBXO_TESTDATA"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "tests", "data")
}
