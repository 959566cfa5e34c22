package data

import "testing"

func TestReadCIFAR10NCHW(t *testing.T) {
	dir := t.TempDir()
	a := writeTestFile(t, dir, "data_batch_1.bin", cifarRecords(0, [][]byte{{3}, {9}}))
	b := writeTestFile(t, dir, "data_batch_2.bin.gz", cifarRecords(2, [][]byte{{0}}))
	ds, err := ReadCIFAR10(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 3 || ds.C != 3 || ds.H != 32 || ds.W != 32 || ds.NumClasses != 10 || ds.ClassNames[3] != "cat" {
		t.Fatalf("got %dx%dx%dx%d, %d classes, class 3 %q", ds.N, ds.C, ds.H, ds.W, ds.NumClasses, ds.ClassNames[3])
	}
	if want := []int32{3, 9, 0}; ds.Labels[0] != want[0] || ds.Labels[1] != want[1] || ds.Labels[2] != want[2] {
		t.Fatalf("labels %v, want %v", ds.Labels, want)
	}
	for n := range 3 {
		for ch := range 3 {
			for r := range 32 {
				for c := range 32 {
					if got, want := ds.Images[((n*3+ch)*32+r)*32+c], cifarPixel(n, ch, r, c); got != want {
						t.Fatalf("pixel (n=%d,c=%d,h=%d,w=%d) = %d, want %d", n, ch, r, c, got, want)
					}
				}
			}
		}
	}
	// Spot value: record 2, green channel, row 1, column 2 = (2*13 + 101 + 5 + 34) % 256.
	if got := ds.Images[2*3072+1*1024+1*32+2]; got != 166 {
		t.Errorf("spot pixel = %d, want 166", got)
	}
}

func TestReadCIFAR100UsesFineLabels(t *testing.T) {
	dir := t.TempDir()
	p := writeTestFile(t, dir, "train.bin", cifarRecords(0, [][]byte{{19, 57}, {4, 99}}))
	ds, err := ReadCIFAR100(p)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 2 || ds.NumClasses != 100 || len(ds.ClassNames) != 100 || ds.Labels[0] != 57 || ds.Labels[1] != 99 {
		t.Fatalf("N=%d classes=%d names=%d labels=%v", ds.N, ds.NumClasses, len(ds.ClassNames), ds.Labels)
	}
	if ds.ClassNames[57] != "pear" || ds.ClassNames[99] != "worm" {
		t.Errorf("class names 57, 99 = %q, %q", ds.ClassNames[57], ds.ClassNames[99])
	}
	if got, want := ds.Images[1*3072+2*1024+31*32+31], cifarPixel(1, 2, 31, 31); got != want {
		t.Errorf("last pixel of record 1 = %d, want %d", got, want)
	}
}

func TestReadCIFARErrors(t *testing.T) {
	dir := t.TempDir()
	rec := cifarRecords(0, [][]byte{{1}, {2}})
	short := writeTestFile(t, dir, "short.bin", rec[:len(rec)-5])
	_, err := ReadCIFAR10(short)
	wantErr(t, err, short, "truncated", "3073")

	bad := writeTestFile(t, dir, "badlabel.bin", cifarRecords(0, [][]byte{{1}, {10}}))
	_, err = ReadCIFAR10(bad)
	wantErr(t, err, bad, "label 10", "out of range")

	bad100 := writeTestFile(t, dir, "bad100.bin", cifarRecords(0, [][]byte{{1, 100}}))
	_, err = ReadCIFAR100(bad100)
	wantErr(t, err, bad100, "label 100")

	// A CIFAR-10 file read as CIFAR-100 has the wrong record size.
	c10 := writeTestFile(t, dir, "c10.bin", cifarRecords(0, [][]byte{{1}, {2}, {3}}))
	_, err = ReadCIFAR100(c10)
	wantErr(t, err, c10, "3074")

	// Record count check (as Load does it).
	_, _, err = decodeCIFAR(rec, "two.bin", cifar10Format, 10000, nil, nil)
	wantErr(t, err, "two.bin", "record count mismatch", "10000")
}
