package ddbxo

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Lambda returns v as an aws-lambda-go attribute value.
func (v Value) Lambda() events.DynamoDBAttributeValue {
	switch v.Type {
	case TypeS:
		return events.NewStringAttribute(v.S)
	case TypeN:
		return events.NewNumberAttribute(v.N)
	case TypeB:
		return events.NewBinaryAttribute(v.B)
	case TypeSS:
		return events.NewStringSetAttribute(v.SS)
	case TypeNS:
		return events.NewNumberSetAttribute(v.NS)
	case TypeBS:
		return events.NewBinarySetAttribute(v.BS)
	case TypeM:
		return events.NewMapAttribute(Image(v.M).Lambda())
	case TypeL:
		l := make([]events.DynamoDBAttributeValue, len(v.L))
		for i, e := range v.L {
			l[i] = e.Lambda()
		}
		return events.NewListAttribute(l)
	case TypeBOOL:
		return events.NewBooleanAttribute(v.Bool)
	default: // TypeNULL; a Value without a type has no better match
		return events.NewNullAttribute()
	}
}

// Lambda returns img as an aws-lambda-go attribute map (nil for nil).
func (img Image) Lambda() map[string]events.DynamoDBAttributeValue {
	if img == nil {
		return nil
	}
	m := make(map[string]events.DynamoDBAttributeValue, len(img))
	for k, v := range img {
		m[k] = v.Lambda()
	}
	return m
}

// ValueFromLambda converts an aws-lambda-go attribute value.  It fails on
// a zero events.DynamoDBAttributeValue (which has no value at all).
func ValueFromLambda(av events.DynamoDBAttributeValue) (v Value, err error) {
	// aws-lambda-go's accessors panic on a zero or mistyped value.
	defer func() {
		if r := recover(); r != nil {
			v, err = Value{}, fmt.Errorf("ddbxo: unusable events.DynamoDBAttributeValue: %v", r)
		}
	}()
	switch av.DataType() {
	case events.DataTypeString:
		return S(av.String()), nil
	case events.DataTypeNumber:
		return N(av.Number()), nil
	case events.DataTypeBinary:
		return B(av.Binary()), nil
	case events.DataTypeStringSet:
		return SS(nonNil(av.StringSet())...), nil
	case events.DataTypeNumberSet:
		return NS(nonNil(av.NumberSet())...), nil
	case events.DataTypeBinarySet:
		return BS(nonNil(av.BinarySet())...), nil
	case events.DataTypeMap:
		m, err := ImageFromLambda(av.Map())
		if err != nil {
			return Value{}, err
		}
		if m == nil {
			m = Image{}
		}
		return M(m), nil
	case events.DataTypeList:
		src := av.List()
		l := make([]Value, len(src))
		for i, e := range src {
			if l[i], err = ValueFromLambda(e); err != nil {
				return Value{}, err
			}
		}
		return L(l...), nil
	case events.DataTypeBoolean:
		return Bool(av.Boolean()), nil
	case events.DataTypeNull:
		return Null(), nil
	}
	return Value{}, fmt.Errorf("ddbxo: unknown aws-lambda-go data type %d", av.DataType())
}

// ImageFromLambda converts an aws-lambda-go attribute map (nil for nil).
func ImageFromLambda(m map[string]events.DynamoDBAttributeValue) (Image, error) {
	if m == nil {
		return nil, nil
	}
	img := make(Image, len(m))
	for k, av := range m {
		v, err := ValueFromLambda(av)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		img[k] = v
	}
	return img, nil
}

// SDK returns v as an aws-sdk-go-v2 attribute value (nil for a Value
// without a type).
func (v Value) SDK() types.AttributeValue {
	switch v.Type {
	case TypeS:
		return &types.AttributeValueMemberS{Value: v.S}
	case TypeN:
		return &types.AttributeValueMemberN{Value: v.N}
	case TypeB:
		return &types.AttributeValueMemberB{Value: v.B}
	case TypeSS:
		return &types.AttributeValueMemberSS{Value: v.SS}
	case TypeNS:
		return &types.AttributeValueMemberNS{Value: v.NS}
	case TypeBS:
		return &types.AttributeValueMemberBS{Value: v.BS}
	case TypeM:
		m := Image(v.M).SDK()
		if m == nil {
			m = map[string]types.AttributeValue{}
		}
		return &types.AttributeValueMemberM{Value: m}
	case TypeL:
		l := make([]types.AttributeValue, len(v.L))
		for i, e := range v.L {
			l[i] = e.SDK()
		}
		return &types.AttributeValueMemberL{Value: l}
	case TypeBOOL:
		return &types.AttributeValueMemberBOOL{Value: v.Bool}
	case TypeNULL:
		return &types.AttributeValueMemberNULL{Value: true}
	}
	return nil
}

// SDK returns img as an aws-sdk-go-v2 item (nil for nil), ready for
// PutItemInput.Item or attributevalue.UnmarshalMap.
func (img Image) SDK() map[string]types.AttributeValue {
	if img == nil {
		return nil
	}
	m := make(map[string]types.AttributeValue, len(img))
	for k, v := range img {
		m[k] = v.SDK()
	}
	return m
}

// ValueFromSDK converts an aws-sdk-go-v2 attribute value.
func ValueFromSDK(av types.AttributeValue) (Value, error) {
	switch t := av.(type) {
	case *types.AttributeValueMemberS:
		return S(t.Value), nil
	case *types.AttributeValueMemberN:
		return N(t.Value), nil
	case *types.AttributeValueMemberB:
		return B(t.Value), nil
	case *types.AttributeValueMemberSS:
		return SS(nonNil(t.Value)...), nil
	case *types.AttributeValueMemberNS:
		return NS(nonNil(t.Value)...), nil
	case *types.AttributeValueMemberBS:
		return BS(nonNil(t.Value)...), nil
	case *types.AttributeValueMemberM:
		m, err := ImageFromSDK(t.Value)
		if err != nil {
			return Value{}, err
		}
		if m == nil {
			m = Image{}
		}
		return M(m), nil
	case *types.AttributeValueMemberL:
		l := make([]Value, len(t.Value))
		for i, e := range t.Value {
			var err error
			if l[i], err = ValueFromSDK(e); err != nil {
				return Value{}, err
			}
		}
		return L(l...), nil
	case *types.AttributeValueMemberBOOL:
		return Bool(t.Value), nil
	case *types.AttributeValueMemberNULL:
		return Null(), nil
	}
	return Value{}, fmt.Errorf("ddbxo: unsupported types.AttributeValue %T", av)
}

// ImageFromSDK converts an aws-sdk-go-v2 item (nil for nil).
func ImageFromSDK(m map[string]types.AttributeValue) (Image, error) {
	if m == nil {
		return nil, nil
	}
	img := make(Image, len(m))
	for k, av := range m {
		v, err := ValueFromSDK(av)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		img[k] = v
	}
	return img, nil
}
