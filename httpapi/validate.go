package httpapi

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/go-playground/validator/v10"
)

// Request structs declare their rules with validator/v10 tags; decode
// checks them, so handlers receive valid requests. Messages name the field
// by its JSON name (messages[0].role), e.g. "name is required"; a field's
// `msg` tag replaces the message when upstream's wording differs.
//
// The tags in use: required, oneof, max (items of a list), gte, and
// between=LO:HI (a number, when present, in [LO, HI]).

var requestValidator = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	if err := v.RegisterValidation("between", func(fl validator.FieldLevel) bool {
		lo, hi, err := betweenBounds(fl.Param())
		if err != nil {
			return false
		}
		f := fl.Field()
		var x float64
		switch {
		case f.CanFloat():
			x = f.Float()
		case f.CanInt():
			x = float64(f.Int())
		default:
			return false
		}
		return x >= lo && x <= hi
	}); err != nil {
		panic(err) // a programming error: the tag is registered once, here
	}
	return v
})

func betweenBounds(param string) (lo, hi float64, err error) {
	l, h, _ := strings.Cut(param, ":")
	if lo, err = strconv.ParseFloat(l, 64); err != nil {
		return 0, 0, err
	}
	hi, err = strconv.ParseFloat(h, 64)
	return lo, hi, err
}

// validateRequest checks v's tags (v is a struct, or a pointer to one;
// other types have none). The first failure is an InvalidArgument error.
func validateRequest(v any) error {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	err := requestValidator().Struct(v)
	var fields validator.ValidationErrors
	if !errors.As(err, &fields) || len(fields) == 0 {
		return err
	}
	return anythingllm.Errorf(anythingllm.InvalidArgument, "%s", fieldMessage(t, fields[0]))
}

// fieldMessage words a failed rule.
func fieldMessage(root reflect.Type, fe validator.FieldError) string {
	// The namespace starts with the struct's Go name: drop it.
	_, name, _ := strings.Cut(fe.Namespace(), ".")
	if msg := structTag(root, fe.StructNamespace(), "msg"); msg != "" {
		return strings.ReplaceAll(msg, "{field}", name)
	}
	switch fe.Tag() {
	case "required":
		return name + " is required"
	case "oneof":
		return name + " must be " + orList(strings.Fields(fe.Param()))
	case "between":
		lo, hi, _ := betweenBounds(fe.Param())
		return fmt.Sprintf("%s must be between %g and %g", name, lo, hi)
	case "gte":
		if fe.Param() == "0" {
			return name + " must be positive"
		}
		return name + " must be at least " + fe.Param()
	case "max":
		return name + " accepts at most " + fe.Param()
	}
	return name + " is invalid"
}

// orList writes "a", "a or b", "a, b or c".
func orList(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// structTag finds the tag of the field at a validator struct namespace
// ("generateRequest.Messages[0].Role") starting from root.
func structTag(root reflect.Type, namespace, key string) string {
	parts := strings.Split(namespace, ".")
	t := root
	var field reflect.StructField
	for _, p := range parts[1:] {
		p, _, _ = strings.Cut(p, "[")
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return ""
		}
		f, ok := t.FieldByName(p)
		if !ok {
			return ""
		}
		field, t = f, f.Type
	}
	return field.Tag.Get(key)
}
