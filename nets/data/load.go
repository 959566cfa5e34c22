package data

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// AllowDownload is the default of Loader.AllowDownload: when true (the default) missing files are
// downloaded, unless the environment variable HYBRIDPRUNE_OFFLINE is "1".
var AllowDownload = true

// Loader finds, verifies, downloads and decodes dataset files. Use NewLoader for the defaults.
type Loader struct {
	// Dir is the root data directory; dataset name lives in Dir/name/.
	Dir string
	// AllowDownload permits fetching missing files from their Remote.
	AllowDownload bool
	// BaseURL, when not empty, replaces the BaseURL of every Remote (a mirror, or a test server).
	BaseURL string
	// Client performs downloads; nil means http.DefaultClient.
	Client *http.Client
	// Registry lists the datasets' files; nil means the package Registry.
	Registry map[string]Entry
	// Log receives one line per download; nil means silence.
	Log io.Writer
}

// NewLoader returns a Loader reading from DataDir(dir), downloading when the package variable
// AllowDownload is true and HYBRIDPRUNE_OFFLINE is not "1", and logging downloads to stderr.
func NewLoader(dir string) *Loader {
	return &Loader{
		Dir:           DataDir(dir),
		AllowDownload: AllowDownload && os.Getenv(EnvOffline) != "1",
		Log:           os.Stderr,
	}
}

// Load reads a split of dataset name (one of Names: a key of Registry) from
// DataDir(dir)/name/, downloading missing files unless downloads are disabled (see NewLoader).
// Images are 32x32 NCHW uint8 (MNIST digits zero-padded from 28x28 by 2 pixels per side).
func Load(name string, split Split, dir string) (*Dataset, error) {
	return NewLoader(dir).Load(name, split)
}

// registry returns the registry in use.
func (l *Loader) registry() map[string]Entry {
	if l.Registry != nil {
		return l.Registry
	}
	return Registry
}

// DatasetDir returns the directory of dataset name: Dir/name.
func (l *Loader) DatasetDir(name string) string { return filepath.Join(l.Dir, name) }

// Load reads a split of dataset name, verifying every file's content md5 (where known) and record
// count, and downloading missing files when AllowDownload is set.
func (l *Loader) Load(name string, split Split) (*Dataset, error) {
	entry, err := lookup(l.registry(), name)
	if err != nil {
		return nil, err
	}
	files := entry.Files(split)
	paths, err := l.ensure(name, entry, files)
	if err != nil {
		return nil, err
	}
	contents := make([][]byte, len(files))
	for i, f := range files {
		b, sum, err := readContent(paths[i])
		if err != nil {
			return nil, err
		}
		if err := checkMD5(paths[i], "its content", f.MD5, sum); err != nil {
			return nil, err
		}
		contents[i] = b
	}
	ds, err := decode(name, entry, files, paths, contents)
	if err != nil {
		return nil, err
	}
	ds.Split = split
	if err := ds.Validate(); err != nil {
		return nil, err
	}
	return ds, nil
}

// Fetch makes sure every file of both splits of dataset name is present, downloading the missing
// ones (when allowed), without decoding them.
func (l *Loader) Fetch(name string) error {
	entry, err := lookup(l.registry(), name)
	if err != nil {
		return err
	}
	_, err = l.ensure(name, entry, append(append([]File(nil), entry.Train...), entry.Test...))
	return err
}

// decode turns the contents of a split's files into a Dataset with the entry's decoder.
func decode(name string, e Entry, files []File, paths []string, contents [][]byte) (*Dataset, error) {
	if e.Decode == nil {
		return nil, fmt.Errorf("data: no decoder for dataset %q (Entry.Decode is nil)", name)
	}
	return e.Decode(files, paths, contents)
}

// checkCount compares a file's decoded record count with the registry's.
func checkCount(f File, path string, n int) error {
	if f.Records > 0 && n != f.Records {
		return fmt.Errorf("data: %s: record count mismatch: %d records, expected %d", path, n, f.Records)
	}
	return nil
}

// decodeMNISTSplit decodes the images and labels files of an MNIST split.
func decodeMNISTSplit(files []File, paths []string, contents [][]byte) (*Dataset, error) {
	if len(files) != 2 {
		return nil, fmt.Errorf("data: mnist: registry lists %d files for a split, expected 2 (images, labels)", len(files))
	}
	ds, err := decodeMNIST(contents[0], paths[0], contents[1], paths[1])
	if err != nil {
		return nil, err
	}
	for i := range files {
		if err := checkCount(files[i], paths[i], ds.N); err != nil {
			return nil, err
		}
	}
	return ds, nil
}

// decodeCIFARSplit decodes the batch files of a CIFAR-10 or CIFAR-100 split.
func decodeCIFARSplit(f cifarFormat) func(files []File, paths []string, contents [][]byte) (*Dataset, error) {
	return func(files []File, paths []string, contents [][]byte) (*Dataset, error) {
		total := 0
		for _, c := range contents {
			total += len(c) / (f.labelBytes + cifarPixels)
		}
		images := make([]uint8, 0, total*cifarPixels)
		labels := make([]int32, 0, total)
		var err error
		for i := range files {
			if images, labels, err = decodeCIFAR(contents[i], paths[i], f, files[i].Records, images, labels); err != nil {
				return nil, err
			}
			contents[i] = nil
		}
		return newCIFARDataset(f, images, labels), nil
	}
}

// decodeSVHNSplit decodes the .mat file of an SVHN split.
func decodeSVHNSplit(files []File, paths []string, contents [][]byte) (*Dataset, error) {
	if len(files) != 1 {
		return nil, fmt.Errorf("data: svhn: registry lists %d files for a split, expected 1", len(files))
	}
	ds, err := decodeSVHN(contents[0], paths[0])
	if err != nil {
		return nil, err
	}
	if err := checkCount(files[0], paths[0], ds.N); err != nil {
		return nil, err
	}
	return ds, nil
}

// candidates returns the names a file is accepted under: its canonical name first, then its
// gzip-compressed (X -> X.gz) or decompressed (X.gz -> X) variant.
func candidates(name string) []string {
	if base, ok := strings.CutSuffix(name, ".gz"); ok {
		return []string{name, base}
	}
	return []string{name, name + ".gz"}
}

// locate returns the path of the first variant of f present in dir, or "".
func locate(dir string, f File) string {
	for _, c := range candidates(f.Name) {
		p := filepath.Join(dir, c)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// ensure returns the paths of files, downloading the missing ones (and any other missing file of
// the entry that comes from the same remote) when allowed.
func (l *Loader) ensure(name string, entry Entry, files []File) ([]string, error) {
	dir := l.DatasetDir(name)
	var missing []File
	for _, f := range files {
		if locate(dir, f) == "" {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		if !l.AllowDownload {
			return nil, fmt.Errorf("data: %s: %s not found in %s and downloads are disabled (%s=1 or AllowDownload=false); %s",
				name, missingNames(missing), dir, EnvOffline, l.instructions(dir, missing))
		}
		if err := l.download(dir, entry, missing); err != nil {
			return nil, fmt.Errorf("data: %s: %s not found in %s and the download failed: %w; %s",
				name, missingNames(missing), dir, err, l.instructions(dir, missing))
		}
	}
	paths := make([]string, len(files))
	for i, f := range files {
		if paths[i] = locate(dir, f); paths[i] == "" {
			return nil, fmt.Errorf("data: %s: %s still missing from %s after download; %s", name, f.Name, dir, l.instructions(dir, []File{f}))
		}
	}
	return paths, nil
}

// missingNames lists files as "a (or a.gz), b (or b.gz)".
func missingNames(files []File) string {
	parts := make([]string, len(files))
	for i, f := range files {
		c := candidates(f.Name)
		parts[i] = fmt.Sprintf("%s (or %s)", c[0], c[1])
	}
	return strings.Join(parts, ", ")
}

// instructions tells how to install files by hand.
func (l *Loader) instructions(dir string, files []File) string {
	var parts []string
	seen := map[string]bool{}
	for _, f := range files {
		r := l.remote(f.Remote)
		if f.Member == "" {
			parts = append(parts, fmt.Sprintf("download %s (md5 %s) into %s", r.URL(), r.MD5, filepath.Join(dir, f.Name)))
			continue
		}
		if !seen[r.URL()] {
			seen[r.URL()] = true
			parts = append(parts, fmt.Sprintf("download %s (md5 %s)", r.URL(), r.MD5))
		}
		parts = append(parts, fmt.Sprintf("extract %s into %s", f.Member, filepath.Join(dir, f.Name)))
	}
	return "to install by hand: " + strings.Join(parts, "; ")
}
