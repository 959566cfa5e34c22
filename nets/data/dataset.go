package data

import "fmt"

// Split selects the training or the test part of a dataset.
type Split int

// The splits every dataset has.
const (
	Train Split = iota
	Test
)

// String returns "train" or "test".
func (s Split) String() string {
	switch s {
	case Train:
		return "train"
	case Test:
		return "test"
	}
	return fmt.Sprintf("Split(%d)", int(s))
}

// ParseSplit converts "train" or "test" to a Split.
func ParseSplit(s string) (Split, error) {
	switch s {
	case "train":
		return Train, nil
	case "test":
		return Test, nil
	}
	return 0, fmt.Errorf("data: unknown split %q (want \"train\" or \"test\")", s)
}

// Dataset is a labelled image set held in memory.
//
// Images holds N images in NCHW order: pixel (n, c, h, w) is
// Images[((n*C+c)*H+h)*W+w]. Labels[n] is the class of image n, in [0, NumClasses).
type Dataset struct {
	// Name is the dataset name ("mnist", "cifar10", "cifar100", "svhn"); it selects the
	// normalisation constants and augmentation rules of a Batcher.
	Name string
	// Split is the part of the dataset the images come from.
	Split Split
	// Images is the N*C*H*W pixel values in NCHW order.
	Images []uint8
	// Labels is the N class indices.
	Labels []int32
	// N, C, H and W are the number of images, channels, rows and columns.
	N, C, H, W int
	// NumClasses is the number of classes; every label is in [0, NumClasses).
	NumClasses int
	// ClassNames names the classes, indexed by label.
	ClassNames []string
}

// ImageSize is the number of values in one image: C*H*W.
func (d *Dataset) ImageSize() int { return d.C * d.H * d.W }

// Image returns the C*H*W pixels of image i (a slice of Images, not a copy).
func (d *Dataset) Image(i int) []uint8 {
	sz := d.ImageSize()
	return d.Images[i*sz : (i+1)*sz]
}

// Subset returns a dataset holding the first n examples of d (all of them when n <= 0 or
// n >= N), for quick modes. The pixel and label slices are shared with d, not copied.
func (d *Dataset) Subset(n int) *Dataset {
	if n <= 0 || n >= d.N {
		n = d.N
	}
	s := *d
	s.N = n
	s.Images = d.Images[: n*d.ImageSize() : n*d.ImageSize()]
	s.Labels = d.Labels[:n:n]
	return &s
}

// ClassCounts returns the number of examples of each class.
func (d *Dataset) ClassCounts() []int {
	counts := make([]int, d.NumClasses)
	for _, l := range d.Labels {
		if int(l) >= 0 && int(l) < d.NumClasses {
			counts[l]++
		}
	}
	return counts
}

// Validate checks that the sizes of Images and Labels agree with N, C, H, W and that every label
// is in [0, NumClasses).
func (d *Dataset) Validate() error {
	if d.N < 0 || d.C <= 0 || d.H <= 0 || d.W <= 0 {
		return fmt.Errorf("data: %s: invalid shape N=%d C=%d H=%d W=%d", d.Name, d.N, d.C, d.H, d.W)
	}
	if len(d.Images) != d.N*d.ImageSize() {
		return fmt.Errorf("data: %s: %d pixel values, expected N*C*H*W = %d", d.Name, len(d.Images), d.N*d.ImageSize())
	}
	if len(d.Labels) != d.N {
		return fmt.Errorf("data: %s: %d labels, expected N = %d", d.Name, len(d.Labels), d.N)
	}
	if i, l, ok := firstLabelOutOfRange(d.Labels, d.NumClasses); !ok {
		return fmt.Errorf("data: %s: label %d of example %d is out of range [0, %d)", d.Name, l, i, d.NumClasses)
	}
	return nil
}

// firstLabelOutOfRange returns the index and value of the first label outside [0, numClasses),
// and ok=false when there is one.
func firstLabelOutOfRange(labels []int32, numClasses int) (int, int32, bool) {
	for i, l := range labels {
		if l < 0 || int(l) >= numClasses {
			return i, l, false
		}
	}
	return 0, 0, true
}
