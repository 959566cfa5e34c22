package pruner

import (
	"fmt"
	"math"

	"github.com/hybridprune/hybridprune/nets"
)

// InputL1 is the paper's input L1-norm metric (eq. 2, Li et al.): the L1 norm of each filter divided
// by its size c*s*s, i.e. the mean absolute weight of the filter. w is [out, in, kh, kw] (or
// [out, in]).
func InputL1(w *nets.Tensor) ([]float64, error) {
	f, err := newFilterLayout(w, OrderWidth)
	if err != nil {
		return nil, fmt.Errorf("input L1: %w", err)
	}
	out := make([]float64, f.rows)
	for o := range out {
		s := 0.0
		for _, v := range w.Data[o*f.rowLen : (o+1)*f.rowLen] {
			s += math.Abs(float64(v))
		}
		out[o] = s / float64(f.rowLen)
	}
	return out, nil
}

// OutputL1 is the paper's output L1-norm metric (eq. 3, Chen et al.): for channel i of a layer with
// `channels` filters, the mean absolute value of the consumer's weights reading channel i. next is
// the next conv [o2, channels, kh, kw] (the slices F[:, i, :, :]) or the dense layer after flatten
// [o2, channels*H*W] (the H*W columns owned by channel i); both read as [o2, channels, rest] and the
// sum is divided by o2*rest (c_{l+2} * s_{l+1}^2 in eq. 3).
func OutputL1(next *nets.Tensor, channels int) ([]float64, error) {
	sum, err := outputL1Sum(next, channels)
	if err != nil {
		return nil, err
	}
	rest, _ := consumerRest(next, channels)
	n := float64(next.Shape[0] * rest)
	for i := range sum {
		sum[i] /= n
	}
	return sum, nil
}

// OutputL1Sum is OutputL1 without the averaging: the plain L1 norm of the consumer weights reading
// each channel (Chen et al.'s original form).
func OutputL1Sum(next *nets.Tensor, channels int) ([]float64, error) {
	return outputL1Sum(next, channels)
}

func outputL1Sum(next *nets.Tensor, channels int) ([]float64, error) {
	if next == nil {
		return nil, fmt.Errorf("output L1: no consumer weight (the next conv, or the dense layer after flatten for the last conv)")
	}
	if channels <= 0 {
		return nil, fmt.Errorf("output L1: %d channels", channels)
	}
	rest, err := consumerRest(next, channels)
	if err != nil {
		return nil, fmt.Errorf("output L1: %w", err)
	}
	out := make([]float64, channels)
	row := channels * rest
	for k := 0; k < next.Shape[0]; k++ {
		for i := 0; i < channels; i++ {
			s := 0.0
			for _, v := range next.Data[k*row+i*rest : k*row+(i+1)*rest] {
				s += math.Abs(float64(v))
			}
			out[i] += s
		}
	}
	return out, nil
}

// LpNorm is the generic magnitude criterion ||F||_p = (sum |w|^p)^(1/p) of each filter (not
// averaged; p = 1 gives the plain L1 norm, p = 2 the Euclidean norm).
func LpNorm(w *nets.Tensor, p float64) ([]float64, error) {
	if !(p > 0) || math.IsInf(p, 0) {
		return nil, fmt.Errorf("lp norm: p=%g must be positive and finite", p)
	}
	f, err := newFilterLayout(w, OrderWidth)
	if err != nil {
		return nil, fmt.Errorf("lp norm: %w", err)
	}
	out := make([]float64, f.rows)
	for o := range out {
		s := 0.0
		for _, v := range w.Data[o*f.rowLen : (o+1)*f.rowLen] {
			s += math.Pow(math.Abs(float64(v)), p)
		}
		out[o] = math.Pow(s, 1/p)
	}
	return out, nil
}
