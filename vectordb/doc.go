// Package vectordb holds the vector index implementations of
// anythingllm.VectorStore: flatvec (the default: a SIMD flat scan over
// contiguous rows), chromemvec, memvec (a plain reference) and the
// conformance suite vectortest that every implementation passes; follow
// wraps any of them to keep it in step with the database's vector change
// log across processes.
package vectordb
