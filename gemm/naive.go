package gemm

// Naive is the reference triple loop C = A * B (row-major, contiguous; A m x
// k, B k x n, C m x n) accumulated in float64. Tests compare every kernel
// route against it; it is far too slow for real use.
func Naive(m, n, k int, a, b, c []float32) {
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				s += float64(a[i*k+p]) * float64(b[p*n+j])
			}
			c[i*n+j] = float32(s)
		}
	}
}
