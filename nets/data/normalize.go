package data

import "fmt"

// Stats are the per-channel mean and standard deviation of a dataset's pixels scaled to [0, 1];
// a pixel v of channel c is normalised to (v/255 - Mean[c]) / Std[c].
type Stats struct {
	Mean, Std []float32
}

// StatsFor returns the normalisation constants of dataset name (Registry[name].Stats).
func StatsFor(name string) (Stats, error) {
	e, ok := Registry[name]
	if !ok || len(e.Stats.Mean) == 0 {
		return Stats{}, fmt.Errorf("data: no normalisation constants for dataset %q", name)
	}
	return e.Stats, nil
}

// FlipAllowed reports whether random horizontal flips are a valid augmentation for dataset name
// (Registry[name].Flip): false for the digit datasets (MNIST, SVHN), where a mirrored digit is not
// the same digit, and for unknown names.
func FlipAllowed(name string) bool { return Registry[name].Flip }

// lut precomputes the normalised value of every byte for each channel: lut[c][v].
func (s Stats) lut(channels int) ([][256]float32, error) {
	if len(s.Mean) != channels || len(s.Std) != channels {
		return nil, fmt.Errorf("data: normalisation constants have %d means and %d stds, expected %d (one per channel)",
			len(s.Mean), len(s.Std), channels)
	}
	t := make([][256]float32, channels)
	for c := range t {
		if s.Std[c] <= 0 {
			return nil, fmt.Errorf("data: normalisation std of channel %d is %v, expected > 0", c, s.Std[c])
		}
		for v := range 256 {
			t[c][v] = (float32(v)/255 - s.Mean[c]) / s.Std[c]
		}
	}
	return t, nil
}

// Normalize returns the normalised float32 NCHW values of all images of d.
func Normalize(d *Dataset, s Stats) ([]float32, error) {
	t, err := s.lut(d.C)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(d.Images))
	plane := d.H * d.W
	for i, v := range d.Images {
		out[i] = t[(i/plane)%d.C][v]
	}
	return out, nil
}
