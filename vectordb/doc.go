// Package vectordb holds the implementations of anythingllm.VectorStore and
// the conformance suite vectortest that every one of them passes:
//
//   - in memory, rebuilt from the SQL copy of the vectors at start: flatvec
//     (the default: a SIMD flat scan over contiguous rows), chromemvec
//     (chromem-go) and memvec (a plain reference); follow wraps any of them
//     to keep it in step with the database's vector change log across
//     processes, and to start from a local snapshot;
//   - external engines, shared by every process as they are: pgvector
//     (PostgreSQL with the pgvector extension) and weaviate.
package vectordb
