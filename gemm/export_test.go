package gemm

// SetIndexChunkTiles sets the indexed driver's row chunk (in tiles) and returns the previous one,
// so that tests reach the chunked path on small shapes.
func SetIndexChunkTiles(n int) int {
	prev := indexChunkTiles
	indexChunkTiles = n
	return prev
}

// GatherNonZeros is gatherNonZeros, for the route tests.
func GatherNonZeros(dst []float32, src []int32, a []float32) int { return gatherNonZeros(dst, src, a) }
