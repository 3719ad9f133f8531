// Package peer is the DynamoDB work of the Go peers of `make bench`:
// what a handler written with aws-lambda-go and aws-sdk-go-v2 does for
// each stream record to get the requests ddbxo sends.
package peer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DedupKey hashes what ddbxo's dedup key v1 covers -- source table, keys,
// padded sequence number -- in a simple stable encoding (sorted key
// names), as a hand-written handler would.
func DedupKey(table string, r *events.DynamoDBEventRecord) string {
	h := sha256.New()
	h.Write([]byte(table))
	h.Write([]byte{0})
	names := make([]string, 0, len(r.Change.Keys))
	for k := range r.Change.Keys {
		names = append(names, k)
	}
	if len(names) > 1 {
		sortStrings(names)
	}
	for _, k := range names {
		v := r.Change.Keys[k]
		h.Write([]byte(k))
		h.Write([]byte{0})
		switch v.DataType() {
		case events.DataTypeString:
			h.Write([]byte("S" + v.String()))
		case events.DataTypeNumber:
			h.Write([]byte("N" + v.Number()))
		case events.DataTypeBinary:
			h.Write(append([]byte("B"), v.Binary()...))
		}
		h.Write([]byte{0})
	}
	fmt.Fprintf(h, "%040s", r.Change.SequenceNumber)
	return hex.EncodeToString(h.Sum(nil))
}

func sortStrings(a []string) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func TableOf(arn string) string {
	if i := strings.Index(arn, ":table/"); i >= 0 {
		t := arn[i+7:]
		if j := strings.IndexByte(t, '/'); j >= 0 {
			return t[:j]
		}
		return t
	}
	return arn
}

// Image converts a stream image to the SDK's attribute values, as a
// handler that writes the image through aws-sdk-go-v2 must.
func Image(m map[string]events.DynamoDBAttributeValue) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(m)+2)
	for k, v := range m {
		out[k] = Attr(v)
	}
	return out
}

func Attr(v events.DynamoDBAttributeValue) types.AttributeValue {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}
	case events.DataTypeList:
		l := v.List()
		out := make([]types.AttributeValue, len(l))
		for i, e := range l {
			out[i] = Attr(e)
		}
		return &types.AttributeValueMemberL{Value: out}
	case events.DataTypeMap:
		return &types.AttributeValueMemberM{Value: Image(v.Map())}
	}
	return &types.AttributeValueMemberNULL{Value: true}
}

func padSeq(s string) string { return strings.Repeat("0", 40-len(s)) + s }

// Replicate is the conditional put ddbxo's replicate mode sends.
func Replicate(ctx context.Context, c *dynamodb.Client, r *events.DynamoDBEventRecord) error {
	seq := padSeq(r.Change.SequenceNumber)
	item := Image(r.Change.NewImage)
	item["_ddbxo_seq"] = &types.AttributeValueMemberS{Value: seq}
	item["_ddbxo_src"] = &types.AttributeValueMemberS{Value: DedupKey(TableOf(r.EventSourceArn), r)}
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String("BenchTarget"),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(#ddbxo_seq) OR #ddbxo_seq < :ddbxo_seq"),
		ExpressionAttributeNames:            map[string]string{"#ddbxo_seq": "_ddbxo_seq"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":ddbxo_seq": &types.AttributeValueMemberS{Value: seq}},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return err
}

// Ledger is ddbxo's ledger mode with the region:total aggregate: a ledger
// item guarded by attribute_not_exists plus the aggregate's ADD.
func Ledger(ctx context.Context, c *dynamodb.Client, r *events.DynamoDBEventRecord) error {
	key := DedupKey(TableOf(r.EventSourceArn), r)
	img := r.Change.NewImage
	dc, dt := "1", img["total"].Number()
	if old, ok := r.Change.OldImage["total"]; ok {
		o, _ := strconv.ParseFloat(old.Number(), 64)
		n, _ := strconv.ParseFloat(dt, 64)
		dc, dt = "0", strconv.FormatFloat(n-o, 'f', 2, 64)
	}
	exp := strconv.FormatInt(r.Change.ApproximateCreationDateTime.Unix()+7*24*3600, 10)
	tok := key[:36]
	_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		ClientRequestToken: &tok,
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{
				TableName: aws.String("BenchLedger"),
				Item: map[string]types.AttributeValue{
					"pk":  &types.AttributeValueMemberS{Value: "ddbxo#v1#" + key},
					"exp": &types.AttributeValueMemberN{Value: exp},
				},
				ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
				ExpressionAttributeNames: map[string]string{"#pk": "pk"},
			}},
			{Update: &types.Update{
				TableName:                aws.String("BenchTarget"),
				Key:                      map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: img["region"].String()}},
				UpdateExpression:         aws.String("ADD #c :dc, #t :dt"),
				ExpressionAttributeNames: map[string]string{"#c": "item_count", "#t": "total"},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":dc": &types.AttributeValueMemberN{Value: dc},
					":dt": &types.AttributeValueMemberN{Value: dt},
				},
			}},
		},
	})
	return err
}
