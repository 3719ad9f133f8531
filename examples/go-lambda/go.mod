module github.com/ddbxo/ddbxo/examples/go-lambda

go 1.24

require (
	github.com/aws/aws-lambda-go v1.54.0
	github.com/ddbxo/ddbxo/bindings/go v0.0.0
)

require (
	github.com/aws/aws-sdk-go-v2/service/dynamodb v1.74.0 // indirect
	github.com/aws/smithy-go v1.28.9 // indirect
)

// The binding is built from this source tree.
replace github.com/ddbxo/ddbxo/bindings/go => ../../bindings/go
