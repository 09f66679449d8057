// Package vectordb holds the vector index implementations of
// anythingllm.VectorStore: flatvec (the default: a SIMD flat scan over
// contiguous rows), memvec (a plain reference) and the conformance suite
// vectortest that every implementation passes.
package vectordb
