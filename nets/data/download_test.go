package data

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// fileServer serves files by name and counts requests.
type fileServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[string]int
}

func newFileServer(t *testing.T, files map[string][]byte) *fileServer {
	fs := &fileServer{requests: map[string]int{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		fs.mu.Lock()
		fs.requests[name]++
		fs.mu.Unlock()
		b, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fileServer) count(name string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.requests[name]
}

// dirNames lists the entries of dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// mnistRegistry serves a tiny MNIST: gzip files downloaded as they are.
func mnistRegistry(t *testing.T) (map[string]Entry, map[string][]byte) {
	trainImg, trainLbl := mnistFiles([]uint8{5, 0, 4})
	testImg, testLbl := mnistFiles([]uint8{7})
	served := map[string][]byte{}
	file := func(name string, content []byte, records int) File {
		gz := gzipBytes(t, content)
		served[name] = gz
		return File{Name: name, MD5: md5Hex(content), Records: records, Remote: Remote{BaseURL: "https://invalid.example", Name: name, MD5: md5Hex(gz)}}
	}
	reg := map[string]Entry{"mnist": {
		Train:  []File{file("train-images-idx3-ubyte.gz", trainImg, 3), file("train-labels-idx1-ubyte.gz", trainLbl, 3)},
		Test:   []File{file("t10k-images-idx3-ubyte.gz", testImg, 1), file("t10k-labels-idx1-ubyte.gz", testLbl, 1)},
		Decode: Registry["mnist"].Decode,
	}}
	return reg, served
}

// cifarRegistry serves a tiny CIFAR-10 archive with a train and a test batch.
func cifarRegistry(t *testing.T) (map[string]Entry, map[string][]byte, [][]byte) {
	train := cifarRecords(0, [][]byte{{1}, {2}})
	test := cifarRecords(2, [][]byte{{8}})
	archive := tarGz(t,
		[]string{"cifar-10-batches-bin/readme.html", "cifar-10-batches-bin/data_batch_1.bin", "./cifar-10-batches-bin/test_batch.bin"},
		[][]byte{[]byte("<html>"), train, test})
	remote := Remote{BaseURL: "https://invalid.example", Name: "cifar-10-binary.tar.gz", MD5: md5Hex(archive)}
	reg := map[string]Entry{"cifar10": {
		Train:  []File{{Name: "data_batch_1.bin", MD5: md5Hex(train), Records: 2, Remote: remote, Member: "cifar-10-batches-bin/data_batch_1.bin"}},
		Test:   []File{{Name: "test_batch.bin", MD5: md5Hex(test), Records: 1, Remote: remote, Member: "cifar-10-batches-bin/test_batch.bin"}},
		Decode: Registry["cifar10"].Decode,
	}}
	return reg, map[string][]byte{"cifar-10-binary.tar.gz": archive}, [][]byte{train, test}
}

func TestDownloadSingleFiles(t *testing.T) {
	reg, served := mnistRegistry(t)
	srv := newFileServer(t, served)
	root := t.TempDir()
	l := &Loader{Dir: root, AllowDownload: true, BaseURL: srv.URL, Registry: reg}
	ds, err := l.Load("mnist", Train)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 3 || ds.Labels[0] != 5 || ds.Labels[2] != 4 || ds.Split != Train || ds.H != 32 {
		t.Fatalf("N=%d labels=%v split=%v H=%d", ds.N, ds.Labels, ds.Split, ds.H)
	}
	if got := dirNames(t, filepath.Join(root, "mnist")); strings.Join(got, ",") != "train-images-idx3-ubyte.gz,train-labels-idx1-ubyte.gz" {
		t.Fatalf("dataset dir holds %v", got)
	}
	// Present files are not downloaded again, even offline.
	l.AllowDownload = false
	if _, err := l.Load("mnist", Train); err != nil {
		t.Fatal(err)
	}
	if n := srv.count("train-images-idx3-ubyte.gz"); n != 1 {
		t.Errorf("images downloaded %d times, want 1", n)
	}
	// Offline and missing: the error says which file, where, and from where.
	_, err = l.Load("mnist", Test)
	wantErr(t, err, "t10k-images-idx3-ubyte.gz", filepath.Join(root, "mnist"), srv.URL+"/t10k-images-idx3-ubyte.gz", "disabled")
}

func TestDownloadArchiveMembers(t *testing.T) {
	reg, served, contents := cifarRegistry(t)
	srv := newFileServer(t, served)
	root := t.TempDir()
	l := &Loader{Dir: root, AllowDownload: true, BaseURL: srv.URL, Registry: reg}
	ds, err := l.Load("cifar10", Train)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 2 || ds.Labels[0] != 1 || ds.Labels[1] != 2 || ds.Images[3072+5] != cifarPixel(1, 0, 0, 5) {
		t.Fatalf("N=%d labels=%v", ds.N, ds.Labels)
	}
	// The archive is fetched once; the test member came with it and is byte-identical.
	if got := dirNames(t, filepath.Join(root, "cifar10")); strings.Join(got, ",") != "data_batch_1.bin,test_batch.bin" {
		t.Fatalf("dataset dir holds %v", got)
	}
	b, err := os.ReadFile(filepath.Join(root, "cifar10", "test_batch.bin"))
	if err != nil || string(b) != string(contents[1]) {
		t.Fatalf("extracted test_batch.bin differs (err %v)", err)
	}
	ds, err = l.Load("cifar10", Test)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 1 || ds.Labels[0] != 8 {
		t.Fatalf("test N=%d labels=%v", ds.N, ds.Labels)
	}
	if n := srv.count("cifar-10-binary.tar.gz"); n != 1 {
		t.Errorf("archive downloaded %d times, want 1", n)
	}
}

func TestDownloadWrongMD5LeavesNothing(t *testing.T) {
	t.Run("archive", func(t *testing.T) {
		reg, served, _ := cifarRegistry(t)
		e := reg["cifar10"]
		for _, fs := range [][]File{e.Train, e.Test} {
			fs[0].Remote.MD5 = "00000000000000000000000000000000"
		}
		srv := newFileServer(t, served)
		root := t.TempDir()
		l := &Loader{Dir: root, AllowDownload: true, BaseURL: srv.URL, Registry: reg}
		_, err := l.Load("cifar10", Train)
		wantErr(t, err, "cifar-10-binary.tar.gz", "md5", "data_batch_1.bin")
		if got := dirNames(t, filepath.Join(root, "cifar10")); len(got) != 0 {
			t.Fatalf("files left behind: %v", got)
		}
	})
	t.Run("member", func(t *testing.T) {
		reg, served, _ := cifarRegistry(t)
		reg["cifar10"].Train[0].MD5 = "00000000000000000000000000000000"
		srv := newFileServer(t, served)
		root := t.TempDir()
		l := &Loader{Dir: root, AllowDownload: true, BaseURL: srv.URL, Registry: reg}
		_, err := l.Load("cifar10", Train)
		wantErr(t, err, "cifar-10-batches-bin/data_batch_1.bin", "md5")
		for _, n := range dirNames(t, filepath.Join(root, "cifar10")) {
			if n != "test_batch.bin" { // the other member verified and may stay
				t.Fatalf("unverified file left behind: %s", n)
			}
		}
	})
	t.Run("single file", func(t *testing.T) {
		reg, served := mnistRegistry(t)
		reg["mnist"].Train[1].Remote.MD5 = "00000000000000000000000000000000"
		srv := newFileServer(t, served)
		root := t.TempDir()
		l := &Loader{Dir: root, AllowDownload: true, BaseURL: srv.URL, Registry: reg}
		_, err := l.Load("mnist", Train)
		wantErr(t, err, "train-labels-idx1-ubyte.gz", "md5")
		for _, n := range dirNames(t, filepath.Join(root, "mnist")) {
			if n != "train-images-idx3-ubyte.gz" {
				t.Fatalf("unverified file left behind: %s", n)
			}
		}
	})
	t.Run("http error", func(t *testing.T) {
		reg, _ := mnistRegistry(t)
		srv := newFileServer(t, nil)
		root := t.TempDir()
		l := &Loader{Dir: root, AllowDownload: true, BaseURL: srv.URL, Registry: reg}
		_, err := l.Load("mnist", Test)
		wantErr(t, err, "t10k-images-idx3-ubyte.gz", "404", "to install by hand")
		if got := dirNames(t, filepath.Join(root, "mnist")); len(got) != 0 {
			t.Fatalf("files left behind: %v", got)
		}
	})
}

func TestLoadVerifiesContentAndAcceptsVariants(t *testing.T) {
	reg, _, contents := cifarRegistry(t)
	root := t.TempDir()
	dir := filepath.Join(root, "cifar10")
	l := &Loader{Dir: root, Registry: reg}
	// The .gz variant of a .bin file verifies against the content md5.
	writeTestFile(t, dir, "data_batch_1.bin.gz", contents[0])
	if ds, err := l.Load("cifar10", Train); err != nil || ds.N != 2 {
		t.Fatalf("loading the .gz variant: %v", err)
	}
	// Wrong content: the error names the file and the md5s.
	corrupt := append([]byte(nil), contents[1]...)
	corrupt[100]++
	p := writeTestFile(t, dir, "test_batch.bin", corrupt)
	_, err := l.Load("cifar10", Test)
	wantErr(t, err, p, "md5", md5Hex(contents[1]))

	// Record count mismatch against the registry.
	reg["cifar10"].Test[0].MD5 = ""
	reg["cifar10"].Test[0].Records = 5
	_, err = l.Load("cifar10", Test)
	wantErr(t, err, p, "record count mismatch")

	// A plain variant of a .gz MNIST file.
	mreg, _ := mnistRegistry(t)
	img, lbl := mnistFiles([]uint8{7})
	writeTestFile(t, filepath.Join(root, "mnist"), "t10k-images-idx3-ubyte", img)
	writeTestFile(t, filepath.Join(root, "mnist"), "t10k-labels-idx1-ubyte.gz", lbl)
	ml := &Loader{Dir: root, Registry: mreg}
	if ds, err := ml.Load("mnist", Test); err != nil || ds.N != 1 || ds.Labels[0] != 7 {
		t.Fatalf("loading plain MNIST variant: %v", err)
	}

	_, err = l.Load("imagenet", Train)
	wantErr(t, err, "imagenet", "unknown dataset")
}

func TestDataDirAndOffline(t *testing.T) {
	t.Setenv(EnvDataDir, "/env/dir")
	if got := DataDir("/flag/dir"); got != "/flag/dir" {
		t.Errorf("DataDir(flag) = %q", got)
	}
	if got := DataDir(""); got != "/env/dir" {
		t.Errorf("DataDir(env) = %q", got)
	}
	t.Setenv(EnvDataDir, "")
	if got := DataDir(""); !strings.HasSuffix(got, filepath.Join("hybridprune", "datasets")) {
		t.Errorf("DataDir default = %q", got)
	}
	t.Setenv(EnvOffline, "1")
	if NewLoader("x").AllowDownload {
		t.Error("HYBRIDPRUNE_OFFLINE=1 must disable downloads")
	}
	t.Setenv(EnvOffline, "")
	if l := NewLoader("x"); !l.AllowDownload || l.Dir != "x" {
		t.Errorf("NewLoader: AllowDownload=%v Dir=%q", l.AllowDownload, l.Dir)
	}
}

func TestRegistryIsComplete(t *testing.T) {
	if got := strings.Join(Names(), ","); got != "cifar10,cifar100,mnist,svhn" {
		t.Fatalf("Names() = %s", got)
	}
	for name, e := range Registry {
		for _, f := range append(append([]File(nil), e.Train...), e.Test...) {
			if f.Name == "" || f.Remote.URL() == "" || len(f.Remote.MD5) != 32 || (f.MD5 != "" && len(f.MD5) != 32) || f.Records == 0 {
				t.Errorf("%s: incomplete registry file %+v", name, f)
			}
		}
	}
	if u := Registry["cifar10"].Test[0].Remote.URL(); u != "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz" {
		t.Errorf("CIFAR-10 URL %s", u)
	}
}
