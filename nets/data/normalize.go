package data

import "fmt"

// Stats are the per-channel mean and standard deviation of a dataset's pixels scaled to [0, 1];
// a pixel v of channel c is normalised to (v/255 - Mean[c]) / Std[c].
type Stats struct {
	Mean, Std []float32
}

// DatasetStats holds the standard normalisation constants of each dataset (training split).
// MNIST uses the usual 0.1307/0.3081, computed on the 28x28 digits; on the padded 32x32 images the
// true statistics are slightly lower, but the standard constants are kept for comparability.
var DatasetStats = map[string]Stats{
	"mnist":    {Mean: []float32{0.1307}, Std: []float32{0.3081}},
	"cifar10":  {Mean: []float32{0.4914, 0.4822, 0.4465}, Std: []float32{0.2470, 0.2435, 0.2616}},
	"cifar100": {Mean: []float32{0.5071, 0.4865, 0.4409}, Std: []float32{0.2673, 0.2564, 0.2762}},
	"svhn":     {Mean: []float32{0.4377, 0.4438, 0.4728}, Std: []float32{0.1980, 0.2010, 0.1970}},
}

// StatsFor returns the normalisation constants of dataset name.
func StatsFor(name string) (Stats, error) {
	s, ok := DatasetStats[name]
	if !ok {
		return Stats{}, fmt.Errorf("data: no normalisation constants for dataset %q", name)
	}
	return s, nil
}

// FlipAllowed reports whether random horizontal flips are a valid augmentation for dataset name:
// false for the digit datasets (MNIST, SVHN), where a mirrored digit is not the same digit.
func FlipAllowed(name string) bool {
	return name != "mnist" && name != "svhn"
}

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
