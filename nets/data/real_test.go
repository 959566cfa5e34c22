package data

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// sharedDataDir returns the machine's shared dataset copies ($HYBRIDPRUNE_DATA, else
// ../../../shared/datasets from this package), skipping the test when dataset name is absent.
func sharedDataDir(t *testing.T, name string) string {
	dir := os.Getenv(EnvDataDir)
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "datasets")
	}
	if st, err := os.Stat(filepath.Join(dir, name)); err != nil || !st.IsDir() {
		t.Skipf("no shared %s data in %s", name, dir)
	}
	return dir
}

func TestRealMNIST(t *testing.T) {
	l := &Loader{Dir: sharedDataDir(t, "mnist")} // offline: the files must be there and verify
	train, err := l.Load("mnist", Train)
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 60000 || train.C != 1 || train.H != 32 || train.W != 32 {
		t.Fatalf("train is %dx%dx%dx%d", train.N, train.C, train.H, train.W)
	}
	if got, want := train.ClassCounts(), []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}; !slices.Equal(got, want) {
		t.Errorf("train per-class counts %v, want %v", got, want)
	}
	test, err := l.Load("mnist", Test)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := test.ClassCounts(), []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}; test.N != 10000 || !slices.Equal(got, want) {
		t.Errorf("test N=%d per-class counts %v, want %v", test.N, got, want)
	}
	// The 2-pixel border added at load time is black everywhere; the digits are not.
	var border, inside int
	for i := range test.N {
		img := test.Image(i)
		for r := range 32 {
			for c := range 32 {
				v := int(img[r*32+c])
				if r < 2 || r >= 30 || c < 2 || c >= 30 {
					border += v
				} else {
					inside += v
				}
			}
		}
	}
	if border != 0 || inside == 0 {
		t.Errorf("border sum %d (want 0), inside sum %d", border, inside)
	}
}

func TestRealCIFAR10Test(t *testing.T) {
	l := &Loader{Dir: sharedDataDir(t, "cifar10")}
	test, err := l.Load("cifar10", Test)
	if err != nil {
		t.Fatal(err)
	}
	if test.N != 10000 || test.C != 3 || test.H != 32 || test.W != 32 {
		t.Fatalf("test is %dx%dx%dx%d", test.N, test.C, test.H, test.W)
	}
	for c, n := range test.ClassCounts() {
		if n != 1000 {
			t.Errorf("class %d (%s) has %d test images, want 1000", c, test.ClassNames[c], n)
		}
	}
}
