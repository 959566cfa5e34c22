// Package layout is the vocabulary that the pruner, the sparse formats and the inference engine
// share, one type and one validation each: the N:M pattern (Pattern), the order in which a conv
// filter's weights are flattened before they are cut into groups of M (Order), and the geometry
// of a convolution (Conv). It imports nothing, so every package can use it.
package layout
