package data

import (
	"os"
	"testing"
)

func TestReadMNISTPadsAndKeepsLabels(t *testing.T) {
	dir := t.TempDir()
	labels := []uint8{7, 0, 9}
	img, lbl := mnistFiles(labels)
	ip := writeTestFile(t, dir, "train-images-idx3-ubyte.gz", img) // gzip
	lp := writeTestFile(t, dir, "train-labels-idx1-ubyte", lbl)    // plain
	ds, err := ReadMNIST(ip, lp)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 3 || ds.C != 1 || ds.H != 32 || ds.W != 32 || ds.NumClasses != 10 || len(ds.Images) != 3*32*32 {
		t.Fatalf("got N=%d C=%d H=%d W=%d classes=%d len=%d, want 3x1x32x32, 10 classes", ds.N, ds.C, ds.H, ds.W, ds.NumClasses, len(ds.Images))
	}
	for i, l := range labels {
		if ds.Labels[i] != int32(l) {
			t.Errorf("label %d = %d, want %d", i, ds.Labels[i], l)
		}
	}
	for i := range 3 {
		for r := range 32 {
			for c := range 32 {
				want := uint8(0)
				if r >= 2 && r < 30 && c >= 2 && c < 30 {
					want = mnistPixel(i, r-2, c-2)
				}
				if got := ds.Images[i*1024+r*32+c]; got != want {
					t.Fatalf("image %d pixel (%d,%d) = %d, want %d", i, r, c, got, want)
				}
			}
		}
	}
	// A spot value, written out: image 1, source pixel (0, 0) lands at (2, 2).
	if got, want := ds.Images[1*1024+2*32+2], uint8(32); got != want {
		t.Errorf("image 1 pixel (2,2) = %d, want %d", got, want)
	}
}

func TestReadMNISTErrors(t *testing.T) {
	dir := t.TempDir()
	img, lbl := mnistFiles([]uint8{1, 2})
	good := writeTestFile(t, dir, "img", img)
	goodL := writeTestFile(t, dir, "lbl", lbl)

	wrongMagic := writeTestFile(t, dir, "magic-images", idxFile(2049, []int{2, 28, 28}, img[16:]))
	_, err := ReadMNIST(wrongMagic, goodL)
	wantErr(t, err, wrongMagic, "magic", "2051")

	truncated := writeTestFile(t, dir, "short-images", img[:len(img)-1])
	_, err = ReadMNIST(truncated, goodL)
	wantErr(t, err, truncated, "truncated")

	shortHeader := writeTestFile(t, dir, "short-header", img[:10])
	_, err = ReadMNIST(shortHeader, goodL)
	wantErr(t, err, shortHeader, "truncated")

	_, lbl3 := mnistFiles([]uint8{1, 2, 3})
	three := writeTestFile(t, dir, "three-labels", lbl3)
	_, err = ReadMNIST(good, three)
	wantErr(t, err, good, three, "mismatch")

	badLabel := writeTestFile(t, dir, "bad-labels", idxFile(2049, []int{2}, []byte{3, 10}))
	_, err = ReadMNIST(good, badLabel)
	wantErr(t, err, badLabel, "out of range")

	cut := gzipBytes(t, img)
	cutPath := dir + "/cut.gz"
	if err := os.WriteFile(cutPath, cut[:len(cut)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadMNIST(cutPath, goodL)
	wantErr(t, err, cutPath)

	notGz := writeTestFile(t, dir, "plain-named", img)
	if err := os.Rename(notGz, dir+"/plain-named.gz"); err != nil {
		t.Fatal(err)
	}
	_, err = ReadMNIST(dir+"/plain-named.gz", goodL)
	wantErr(t, err, "plain-named.gz", "gzip")

	_, err = ReadMNIST(dir+"/absent", goodL)
	wantErr(t, err, dir+"/absent")
}
