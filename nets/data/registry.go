package data

import (
	"fmt"
	"sort"
	"strings"
)

// Remote is a downloadable artefact: a data file itself, or a .tar.gz archive holding data files.
type Remote struct {
	// BaseURL is the directory URL; the artefact is fetched from BaseURL + "/" + Name.
	BaseURL string
	// Name is the artefact's file name.
	Name string
	// MD5 is the md5 (hex) of the artefact as downloaded.
	MD5 string
}

// URL returns BaseURL + "/" + Name.
func (r Remote) URL() string { return strings.TrimSuffix(r.BaseURL, "/") + "/" + r.Name }

// File is a data file a dataset needs in its directory <dir>/<dataset>/.
//
// Load accepts the file under its canonical Name, or compressed/decompressed: a plain name X is
// also found as X.gz, and a name X.gz also as plain X. Whatever the variant, MD5 is the md5 of
// the decompressed content (the bytes the decoder reads), so the canonical gzip files, a
// re-compressed copy (gzip -9 -n) and a gunzipped copy all verify.
type File struct {
	// Name is the canonical file name.
	Name string
	// MD5 is the md5 (hex) of the decompressed content; empty when not known (then not checked).
	MD5 string
	// Records is the number of examples the file holds (0 = not checked).
	Records int
	// Remote is where the file comes from.
	Remote Remote
	// Member is the file's path inside Remote when Remote is a .tar.gz archive; empty when Remote
	// is the file itself (saved as Name).
	Member string
}

// Entry is everything the package knows of one dataset: adding a dataset is one entry (and the
// decoder's own file).
type Entry struct {
	// Train and Test are the files of each split, in the order the decoder takes them (MNIST:
	// images then labels; CIFAR-10: the batches in order).
	Train, Test []File
	// Decode turns the contents of a split's files (paths name them in errors) into a Dataset.
	Decode func(files []File, paths []string, contents [][]byte) (*Dataset, error)
	// Stats are the normalisation constants (training split).
	Stats Stats
	// Flip says whether random horizontal flips are a valid augmentation (not for digits).
	Flip bool
}

// Files returns the files of a split.
func (e Entry) Files(s Split) []File {
	if s == Test {
		return e.Test
	}
	return e.Train
}

// Canonical download locations.
const (
	mnistBaseURL   = "https://ossci-datasets.s3.amazonaws.com/mnist"
	cifarBaseURL   = "https://www.cs.toronto.edu/~kriz"
	svhnBaseURL    = "http://ufldl.stanford.edu/housenumbers"
	cifar10TarName = "cifar-10-binary.tar.gz"
	cifar100Tar    = "cifar-100-binary.tar.gz"
)

// Registry maps a dataset name to its canonical files.
//
// MD5 policy: each File.MD5 is the md5 of the decompressed content, so it does not depend on how
// the file is compressed on disk; each Remote.MD5 is the md5 of the artefact as published (the
// MNIST .gz files, the CIFAR .tar.gz archives, the SVHN .mat files) and is checked on download.
// The MNIST content md5s are those of the canonical .gz files' content. The CIFAR-100 members'
// md5s are not known, so a downloaded CIFAR-100 is verified through its archive's md5 only.
var Registry = map[string]Entry{
	"mnist": {
		Train: []File{
			mnistFile("train-images-idx3-ubyte.gz", "6bbc9ace898e44ae57da46a324031adb", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 60000),
			mnistFile("train-labels-idx1-ubyte.gz", "a25bea736e30d166cdddb491f175f624", "d53e105ee54ea40749a09fcbcd1e9432", 60000),
		},
		Test: []File{
			mnistFile("t10k-images-idx3-ubyte.gz", "2646ac647ad5339dbf082846283269ea", "9fb629c4189551a2d022fa330f9573f3", 10000),
			mnistFile("t10k-labels-idx1-ubyte.gz", "27ae3e4e09519cfbb04c329615203637", "ec29112dd5afa0611ce80d1b7f02629c", 10000),
		},
		Decode: decodeMNISTSplit,
		// The usual 0.1307/0.3081, computed on the 28x28 digits; on the padded 32x32 images the true
		// statistics are slightly lower, but the standard constants are kept for comparability.
		Stats: Stats{Mean: []float32{0.1307}, Std: []float32{0.3081}},
	},
	"cifar10": {
		Train: []File{
			cifar10File("data_batch_1.bin", "5dd7e06a14cb22eb9f671a540d1b7c25"),
			cifar10File("data_batch_2.bin", "5ea93a67294ea407fff1d09f752e9692"),
			cifar10File("data_batch_3.bin", "942cd6a4bcdd0dd3c604fbe906cb4421"),
			cifar10File("data_batch_4.bin", "ae636b3ba5c66a11e91e8cb52e771fcb"),
			cifar10File("data_batch_5.bin", "53f37980c15c3d472c316c40844f3f0d"),
		},
		Test:   []File{cifar10File("test_batch.bin", "803d5f7f4d78ea53de84dbe85f74fb6d")},
		Decode: decodeCIFARSplit(cifar10Format),
		Stats:  Stats{Mean: []float32{0.4914, 0.4822, 0.4465}, Std: []float32{0.2470, 0.2435, 0.2616}},
		Flip:   true,
	},
	"cifar100": {
		Train:  []File{cifar100File("train.bin", 50000)},
		Test:   []File{cifar100File("test.bin", 10000)},
		Decode: decodeCIFARSplit(cifar100Format),
		Stats:  Stats{Mean: []float32{0.5071, 0.4865, 0.4409}, Std: []float32{0.2673, 0.2564, 0.2762}},
		Flip:   true,
	},
	"svhn": {
		Train:  []File{svhnFile("train_32x32.mat", "e26dedcc434d2e4c54c9b2d4a06d8373", 73257)},
		Test:   []File{svhnFile("test_32x32.mat", "eb5a983be6a315427106f1b164d9cef3", 26032)},
		Decode: decodeSVHNSplit,
		Stats:  Stats{Mean: []float32{0.4377, 0.4438, 0.4728}, Std: []float32{0.1980, 0.2010, 0.1970}},
	},
}

func mnistFile(name, contentMD5, gzMD5 string, records int) File {
	return File{Name: name, MD5: contentMD5, Records: records, Remote: Remote{BaseURL: mnistBaseURL, Name: name, MD5: gzMD5}}
}

func cifar10File(name, md5 string) File {
	return File{Name: name, MD5: md5, Records: 10000, Member: "cifar-10-batches-bin/" + name,
		Remote: Remote{BaseURL: cifarBaseURL, Name: cifar10TarName, MD5: "c32a1d4ab5d03f1284b67883e8d87530"}}
}

func cifar100File(name string, records int) File {
	return File{Name: name, Records: records, Member: "cifar-100-binary/" + name,
		Remote: Remote{BaseURL: cifarBaseURL, Name: cifar100Tar, MD5: "03b5dce01913d631647c71ecec9e9cb8"}}
}

func svhnFile(name, md5 string, records int) File {
	return File{Name: name, MD5: md5, Records: records, Remote: Remote{BaseURL: svhnBaseURL, Name: name, MD5: md5}}
}

// Names returns the dataset names Load accepts, sorted.
func Names() []string {
	names := make([]string, 0, len(Registry))
	for n := range Registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// lookup returns the registry entry of a dataset.
func lookup(registry map[string]Entry, name string) (Entry, error) {
	e, ok := registry[name]
	if !ok {
		names := make([]string, 0, len(registry))
		for n := range registry {
			names = append(names, n)
		}
		sort.Strings(names)
		return Entry{}, fmt.Errorf("data: unknown dataset %q (known: %s)", name, strings.Join(names, ", "))
	}
	return e, nil
}
