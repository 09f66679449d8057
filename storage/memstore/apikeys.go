package memstore

import (
	"context"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type apiKeys struct{ s *Store }

func (k apiKeys) Create(ctx context.Context, key *anythingllm.APIKey) error {
	return k.s.do(func(st *state) error {
		for _, o := range st.keys {
			if o.SecretHash == key.SecretHash {
				return exists("api key")
			}
		}
		key.ID = st.nextID()
		st.keys[key.ID] = *key
		return nil
	})
}

func (k apiKeys) GetByHash(ctx context.Context, hash string) (*anythingllm.APIKey, error) {
	var out anythingllm.APIKey
	err := k.s.do(func(st *state) error {
		for _, v := range st.keys {
			if v.SecretHash == hash {
				out = v
				return nil
			}
		}
		return notFound("api key")
	})
	return &out, err
}

func (k apiKeys) List(ctx context.Context) ([]anythingllm.APIKey, error) {
	var out []anythingllm.APIKey
	err := k.s.do(func(st *state) error { out = sortedByID(st.keys, nil); return nil })
	return out, err
}

func (k apiKeys) Delete(ctx context.Context, id int64) error {
	return k.s.do(func(st *state) error {
		if _, ok := st.keys[id]; !ok {
			return notFound("api key")
		}
		delete(st.keys, id)
		return nil
	})
}
