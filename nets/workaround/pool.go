package workaround

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// MaxPool takes the maximum over non-overlapping window x window tiles of x laid out [C, H, W, N];
// H and W must be multiples of window. The result is [C, H/window, W/window, N].
func MaxPool(x *graph.Node, window int) *graph.Node {
	d := x.Shape().Dimensions
	if x.Rank() != 4 || window <= 0 || d[1]%window != 0 || d[2]%window != 0 {
		panic(fmt.Sprintf("workaround.MaxPool: window %d must divide H and W of %s ([C, H, W, N])", window, x.Shape()))
	}
	if window == 1 {
		return x
	}
	t := graph.Reshape(x, d[0], d[1]/window, window, d[2]/window, window, d[3])
	return graph.ReduceMax(t, 2, 4)
}
