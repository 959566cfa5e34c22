package gemm

// SetIndexChunkTiles sets the indexed driver's row chunk (in tiles) and returns the previous one,
// so that tests reach the chunked path on small shapes.
func SetIndexChunkTiles(n int) int {
	prev := indexChunkTiles
	indexChunkTiles = n
	return prev
}
