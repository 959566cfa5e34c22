package layout

import (
	"errors"
	"fmt"
	"math"
)

// Conv is the geometry of a square-kernel 2D convolution: InC input channels of InH x InW, a
// Kernel x Kernel filter, Stride and zero Padding. Its filters are rows of K() = InC*Kernel^2
// weights, flattened in an Order.
type Conv struct {
	InC, InH, InW           int
	Kernel, Stride, Padding int
}

// Validate requires positive channels, sizes, kernel and stride, a non-negative padding and a
// kernel that fits the padded input.
func (c Conv) Validate() error {
	if c.InC <= 0 || c.InH <= 0 || c.InW <= 0 || c.Kernel <= 0 || c.Stride <= 0 || c.Padding < 0 {
		return fmt.Errorf("conv geometry %+v: want positive sizes and stride, padding >= 0", c)
	}
	if c.Kernel > c.InH+2*c.Padding || c.Kernel > c.InW+2*c.Padding {
		return fmt.Errorf("conv geometry %+v: kernel larger than the padded input", c)
	}
	if float64(c.InC)*float64(c.Kernel)*float64(c.Kernel) > math.MaxInt32 {
		return errors.New("conv geometry: filter too large")
	}
	return nil
}

// OutSize returns the output height and width.
func (c Conv) OutSize() (h, w int) {
	return (c.InH+2*c.Padding-c.Kernel)/c.Stride + 1, (c.InW+2*c.Padding-c.Kernel)/c.Stride + 1
}

// K returns the length of a filter row, InC*Kernel*Kernel (the GEMM reduction dimension).
func (c Conv) K() int { return c.InC * c.Kernel * c.Kernel }

// Index returns the K position of weight (channel ch, kernel row y, column x) in order o.
func (c Conv) Index(o Order, ch, y, x int) int {
	if o == OrderChannels {
		return (y*c.Kernel+x)*c.InC + ch
	}
	return (ch*c.Kernel+y)*c.Kernel + x
}

// Perm returns perm such that a row in order to is to[j] = from[perm[j]]: column j of the
// reordered matrix is column perm[j] of the original.
func (c Conv) Perm(from, to Order) ([]int, error) {
	if c.InC <= 0 || c.Kernel <= 0 {
		return nil, fmt.Errorf("conv geometry %+v: non-positive channels or kernel", c)
	}
	if err := from.Validate(); err != nil {
		return nil, err
	}
	if err := to.Validate(); err != nil {
		return nil, err
	}
	if float64(c.InC)*float64(c.Kernel)*float64(c.Kernel) > math.MaxInt32 {
		return nil, errors.New("conv geometry: filter too large")
	}
	perm := make([]int, c.K())
	for ch := range c.InC {
		for y := range c.Kernel {
			for x := range c.Kernel {
				perm[c.Index(to, ch, y, x)] = c.Index(from, ch, y, x)
			}
		}
	}
	return perm, nil
}
