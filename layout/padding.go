package layout

// Span is a run of output positions [O0, O1) along one axis of a convolution whose windows all
// read the kernel taps [T0, T1) inside the input; the other taps fall into the zero padding.
type Span struct{ O0, O1, T0, T1 int }

// Spans splits the output rows (ys) and columns (xs) of the convolution into maximal runs that
// read the same in-range taps, in order. A region (ys[i], xs[j]) is a rectangle of output
// positions that all read the taps ys[i].T0..T1 x xs[j].T0..T1 inside the input: a product over
// just those taps skips every multiply-add on the padding.
func (c Conv) Spans() (ys, xs []Span) {
	oh, ow := c.OutSize()
	return axisSpans(c.InH, c.Kernel, c.Stride, c.Padding, oh), axisSpans(c.InW, c.Kernel, c.Stride, c.Padding, ow)
}

// axisSpans is Spans along one axis: in inputs, kernel k, stride s, padding p, out outputs.
func axisSpans(in, k, s, p, out int) []Span {
	var r []Span
	for o := range out {
		t0, t1 := max(0, p-o*s), min(k, in+p-o*s)
		if n := len(r); n > 0 && r[n-1].T0 == t0 && r[n-1].T1 == t1 {
			r[n-1].O1 = o + 1
			continue
		}
		r = append(r, Span{o, o + 1, t0, t1})
	}
	return r
}

// PaddingShare returns the share of the im2col product's multiply-adds that fall on the zero
// padding: 1 - (taps read inside the input) / (Kernel² per output position). A 3x3 convolution
// with padding 1 has 4% at 32x32, 16% at 8x8, 31% at 4x4 and 56% at 2x2.
func (c Conv) PaddingShare() float64 {
	oh, ow := c.OutSize()
	inside := func(sp []Span) (taps int) {
		for _, s := range sp {
			taps += (s.O1 - s.O0) * (s.T1 - s.T0)
		}
		return taps
	}
	ys, xs := c.Spans()
	return 1 - float64(inside(ys)*inside(xs))/float64(oh*ow*c.Kernel*c.Kernel)
}
