package ddbxo

/*
#include <stdlib.h>
#include <string.h>
#include "ddbxo.h"
#include "ddbxo/sys/creds.h"

// Wipes a C copy of a secret before freeing it: a volatile store the
// compiler may not drop as dead.
static void ddbxo_go_wipe_free(char *s)
{
	if (s) {
		volatile char *v = s;
		size_t n = strlen(s);
		while (n--)
			*v++ = 0;
	}
	free(s);
}
*/
import "C"

import (
	"errors"
	"sync"
	"time"
	"unsafe"
)

// Config says how to reach AWS.  The zero Config takes the region,
// credentials and endpoints from the standard AWS environment, as the C
// library and the AWS SDKs do: AWS_REGION / AWS_DEFAULT_REGION / the
// profile's region; AWS_ACCESS_KEY_ID (+ AWS_SESSION_TOKEN), shared files
// with AWS_PROFILE, or the container credentials Lambda provides;
// AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_DYNAMODB_STREAMS /
// AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL.  See docs/configuration.md.
type Config struct {
	Region  string // "" = from the environment or profile
	Profile string // "" = AWS_PROFILE, else "default"

	// Explicit endpoint URLs, each winning over the environment.
	EndpointDynamoDB string
	EndpointStreams  string
	EndpointSQS      string
	// AllowInsecureHTTP permits http:// endpoints on non-loopback hosts
	// (requests then travel in clear).  Loopback http:// is always allowed.
	AllowInsecureHTTP bool

	// Credentials, when set, are used instead of the default chain.
	Credentials *Credentials

	// RoleARN, when set, is assumed with STS AssumeRole (in Region, and
	// refreshed before it expires) using the credentials above as the
	// caller: the target side of a pipeline whose table is in another
	// account.  ExternalID is that role's ExternalId.  A client is one
	// side: give a target in another region its Region.
	RoleARN    string
	ExternalID string

	ConnectTimeout time.Duration // per attempt [2s]
	AttemptTimeout time.Duration // whole attempt [10s]
	// MaxConnections bounds idle keep-alive connections and the
	// concurrency of batch work [32].
	MaxConnections int
	// MaxAttempts is the number of tries of one request, the first
	// included [4]; 1 = no retries.
	MaxAttempts int
}

// Credentials are fixed AWS credentials.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string // "" for long-term credentials
}

// Client holds a connection pool, credentials and signers.  Make one per
// process and share it: its methods may be called from any number of
// goroutines.
type Client struct {
	mu    sync.RWMutex // Close waits for calls in flight
	c     *C.ddbxo_client
	creds *C.ddbxo_credentials_provider
}

var errClosed = &Error{Code: CodeInvalid, Message: "client is closed"}

// NewClient makes a client.  It resolves the region, endpoints and the
// credentials source now (credentials themselves are fetched on first
// use); a missing region or credentials give an *Error with CodeConfig.
func NewClient(cfg Config) (*Client, error) {
	var cc C.ddbxo_client_config
	var strs, secrets []*C.char
	defer func() {
		for _, s := range strs {
			C.free(unsafe.Pointer(s))
		}
		// The library copied the credentials; these copies must not
		// linger in freed C memory.
		for _, s := range secrets {
			C.ddbxo_go_wipe_free(s)
		}
	}()
	str := func(s string) *C.char {
		if s == "" {
			return nil
		}
		p := C.CString(s)
		strs = append(strs, p)
		return p
	}
	cc.region = str(cfg.Region)
	cc.profile = str(cfg.Profile)
	cc.endpoint_dynamodb = str(cfg.EndpointDynamoDB)
	cc.endpoint_streams = str(cfg.EndpointStreams)
	cc.endpoint_sqs = str(cfg.EndpointSQS)
	cc.role_arn = str(cfg.RoleARN)
	cc.external_id = str(cfg.ExternalID)
	if cfg.AllowInsecureHTTP {
		cc.allow_insecure_http = 1
	}
	cc.connect_timeout_ms = C.int64_t(cfg.ConnectTimeout.Milliseconds())
	cc.attempt_timeout_ms = C.int64_t(cfg.AttemptTimeout.Milliseconds())
	cc.max_connections = C.int(cfg.MaxConnections)
	cc.retry.max_attempts = C.int(cfg.MaxAttempts)
	if cfg.ConnectTimeout < 0 || cfg.AttemptTimeout < 0 || cfg.MaxConnections < 0 || cfg.MaxAttempts < 0 {
		return nil, &Error{Code: CodeConfig, Message: "negative timeout, connection or attempt count"}
	}

	cl := &Client{}
	var cerr C.ddbxo_error
	if k := cfg.Credentials; k != nil {
		secret := func(s string) *C.char {
			if s == "" {
				return nil
			}
			p := C.CString(s)
			secrets = append(secrets, p)
			return p
		}
		cl.creds = C.ddbxo_credentials_provider_static(str(k.AccessKeyID),
			secret(k.SecretAccessKey), secret(k.SessionToken), &cerr)
		if cl.creds == nil {
			return nil, cError(&cerr)
		}
		cc.credentials = cl.creds
	}
	cl.c = C.ddbxo_client_new(&cc, &cerr)
	if cl.c == nil {
		C.ddbxo_credentials_provider_free(cl.creds)
		return nil, cError(&cerr)
	}
	return cl, nil
}

// Region returns the client's region.
func (cl *Client) Region() string {
	cl.mu.RLock()
	defer cl.mu.RUnlock()
	if cl.c == nil {
		return ""
	}
	return C.GoString(C.ddbxo_client_region(cl.c))
}

// Close waits for calls in flight, then frees the client's connections and
// wipes its credentials.  Calls after Close fail; Close is idempotent.
func (cl *Client) Close() error {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	C.ddbxo_client_free(cl.c)
	C.ddbxo_credentials_provider_free(cl.creds)
	cl.c, cl.creds = nil, nil
	return nil
}

// acquire locks the client against Close for one call.
func (cl *Client) acquire() (*C.ddbxo_client, error) {
	if cl == nil {
		return nil, errors.New("ddbxo: nil Client")
	}
	cl.mu.RLock()
	if cl.c == nil {
		cl.mu.RUnlock()
		return nil, errClosed
	}
	return cl.c, nil
}
