// NxpTensor: the numeric layer under the models. Buffers are plain row-major float32 memory;
// matrix products go to OpenBLAS, everything else is a small SIMD kernel here.
//
// Shape legend used in comments across NxpTensor and NxpModels:
//   B   sequences in a batch
//   T   tokens of one sequence (Tq queries, Tk keys when they differ, e.g. with a KV cache)
//   R   rows: the tokens of all sequences of a batch in order (B*T when lengths are equal)
//   C   model width (embedding size)
//   H   query heads, Hkv key/value heads (H is a multiple of Hkv), D head size
//   F   MLP hidden size: the neurons
//   V   vocabulary size
// A buffer commented `[R, C]` holds R rows of C floats; `ld` (leading dimension) is the distance
// between row starts when a buffer is a column slice of a wider one.
