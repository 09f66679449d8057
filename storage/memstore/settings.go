package memstore

import (
	"context"
	"maps"
	"slices"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type settings struct{ s *Store }

func (g settings) Get(ctx context.Context, label string) (string, error) {
	var out string
	err := g.s.do(func(st *state) error {
		v, ok := st.settings[label]
		if !ok {
			return notFound("setting " + label)
		}
		out = v
		return nil
	})
	return out, err
}

func (g settings) Set(ctx context.Context, label, value string) error {
	return g.s.do(func(st *state) error { st.settings[label] = value; return nil })
}

func (g settings) Delete(ctx context.Context, label string) error {
	return g.s.do(func(st *state) error {
		if _, ok := st.settings[label]; !ok {
			return notFound("setting " + label)
		}
		delete(st.settings, label)
		return nil
	})
}

func (g settings) All(ctx context.Context) ([]anythingllm.Setting, error) {
	var out []anythingllm.Setting
	err := g.s.do(func(st *state) error {
		for _, k := range slices.Sorted(maps.Keys(st.settings)) {
			out = append(out, anythingllm.Setting{Label: k, Value: st.settings[k]})
		}
		return nil
	})
	return out, err
}
