package data

import "fmt"

// CIFAR binary geometry: 32x32 RGB images stored as 1024 R, then 1024 G, then 1024 B bytes, each
// plane in row-major order, which is already CHW.
const (
	cifarSize      = 32
	cifarPixels    = 3 * cifarSize * cifarSize
	cifar10Record  = 1 + cifarPixels // label byte + pixels
	cifar100Record = 2 + cifarPixels // coarse label byte + fine label byte + pixels
)

// cifarFormat describes one of the two CIFAR binary layouts.
type cifarFormat struct {
	name       string
	labelBytes int // bytes before the pixels
	labelIndex int // which of them is the label used
	numClasses int
	classNames []string
}

var (
	cifar10Format  = cifarFormat{"cifar10", 1, 0, 10, cifar10Names}
	cifar100Format = cifarFormat{"cifar100", 2, 1, 100, cifar100Names}
)

// decodeCIFAR appends the records of one CIFAR binary file to images and labels. When
// wantRecords > 0 the file must hold exactly that many records.
func decodeCIFAR(b []byte, path string, f cifarFormat, wantRecords int, images []uint8, labels []int32) ([]uint8, []int32, error) {
	rec := f.labelBytes + cifarPixels
	if len(b)%rec != 0 {
		return nil, nil, fmt.Errorf("data: %s: truncated or malformed %s binary file: %d bytes is not a multiple of the %d-byte record (%d label bytes + %d pixels)",
			path, f.name, len(b), rec, f.labelBytes, cifarPixels)
	}
	n := len(b) / rec
	if wantRecords > 0 && n != wantRecords {
		return nil, nil, fmt.Errorf("data: %s: record count mismatch: %d records of %d bytes, expected %d", path, n, rec, wantRecords)
	}
	for i := 0; i < n; i++ {
		r := b[i*rec : (i+1)*rec]
		l := r[f.labelIndex]
		if int(l) >= f.numClasses {
			return nil, nil, fmt.Errorf("data: %s: label %d of record %d is out of range [0, %d)", path, l, i, f.numClasses)
		}
		labels = append(labels, int32(l))
		images = append(images, r[f.labelBytes:]...)
	}
	return images, labels, nil
}

// newCIFARDataset wraps decoded CIFAR records in a Dataset.
func newCIFARDataset(f cifarFormat, images []uint8, labels []int32) *Dataset {
	return &Dataset{
		Name: f.name, Images: images, Labels: labels,
		N: len(labels), C: 3, H: cifarSize, W: cifarSize,
		NumClasses: f.numClasses, ClassNames: append([]string(nil), f.classNames...),
	}
}

// readCIFAR reads and concatenates CIFAR binary files of format f.
func readCIFAR(f cifarFormat, paths []string) (*Dataset, error) {
	var images []uint8
	var labels []int32
	for _, p := range paths {
		b, _, err := readContent(p)
		if err != nil {
			return nil, err
		}
		if images, labels, err = decodeCIFAR(b, p, f, 0, images, labels); err != nil {
			return nil, err
		}
	}
	return newCIFARDataset(f, images, labels), nil
}

// ReadCIFAR10 reads and concatenates CIFAR-10 binary files (data_batch_N.bin, test_batch.bin,
// plain or gzip-compressed): records of 1 label byte (0-9) followed by 3072 pixel bytes (1024 R,
// 1024 G, 1024 B, each 32x32 row-major). It does not check md5 sums or record counts (Load does).
func ReadCIFAR10(paths ...string) (*Dataset, error) { return readCIFAR(cifar10Format, paths) }

// ReadCIFAR100 reads and concatenates CIFAR-100 binary files (train.bin, test.bin, plain or
// gzip-compressed): records of a coarse label byte, a fine label byte and 3072 pixel bytes. The
// dataset uses the fine labels (100 classes). It does not check record counts (Load does).
func ReadCIFAR100(paths ...string) (*Dataset, error) { return readCIFAR(cifar100Format, paths) }
