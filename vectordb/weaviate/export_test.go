package weaviate

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

// PrefixForTest returns the store's ClassPrefix.
func (s *Store) PrefixForTest() string { return s.prefix }

// ClassesForTest lists the classes of the store's prefix.
func (s *Store) ClassesForTest(ctx context.Context, tb testing.TB) []string {
	var sch struct {
		Classes []classInfo `json:"classes"`
	}
	if err := s.do(ctx, http.MethodGet, "/v1/schema", nil, &sch); err != nil {
		tb.Error(err)
		return nil
	}
	var out []string
	for _, c := range sch.Classes {
		if ownsClass(s.prefix, c.Class) {
			out = append(out, c.Class)
		}
	}
	return out
}

// DropClassForTest deletes a class.
func (s *Store) DropClassForTest(ctx context.Context, class string) error {
	return s.do(ctx, http.MethodDelete, "/v1/schema/"+url.PathEscape(class), nil, nil)
}
