// Command lambda_peer is the Go Lambda the bench compares the libddbxo
// bootstrap with (`make bench`, cold start): the usual Go design for
// this job, a lambda.Start handler with an aws-sdk-go-v2 DynamoDB client
// made in init from config.LoadDefaultConfig, applying each record of a
// DynamoDB stream event with ddbxo's conditional put (replicate mode,
// bench/go/internal/peer) and answering with the partial batch response.
//
// Environment: DDBXO_TARGET_TABLE (unused by the fake server but sent),
// plus the standard AWS variables (region, credentials, endpoint URLs).
package main

import (
	"context"
	"log"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ddbxo/ddbxo/bench/go/internal/peer"
)

// concurrency is the number of records applied at once.
const concurrency = 16

type function struct{ db *dynamodb.Client }

func (f *function) handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan int)
	for g := 0; g < concurrency; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				r := &ev.Records[i]
				if err := peer.Replicate(ctx, f.db, r); err != nil {
					mu.Lock()
					resp.BatchItemFailures = append(resp.BatchItemFailures,
						events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
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
	return resp, nil
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	f := &function{db: dynamodb.NewFromConfig(cfg)}
	lambda.Start(f.handle)
}
