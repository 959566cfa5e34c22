package data

import (
	"encoding/binary"
	"testing"
)

// checkSVHN asserts the decoded images are the NCHW transpose of svhnX and the labels are want.
func checkSVHN(t *testing.T, ds *Dataset, want []int32) {
	t.Helper()
	n := len(want)
	if ds.N != n || ds.C != 3 || ds.H != 32 || ds.W != 32 || ds.NumClasses != 10 || ds.Name != "svhn" {
		t.Fatalf("got %s %dx%dx%dx%d %d classes", ds.Name, ds.N, ds.C, ds.H, ds.W, ds.NumClasses)
	}
	for i := range n {
		if ds.Labels[i] != want[i] {
			t.Fatalf("labels %v, want %v", ds.Labels, want)
		}
		for ch := range 3 {
			for r := range 32 {
				for c := range 32 {
					if got, w := ds.Images[((i*3+ch)*32+r)*32+c], svhnPixel(r, c, ch, i); got != w {
						t.Fatalf("pixel (n=%d,c=%d,h=%d,w=%d) = %d, want %d", i, ch, r, c, got, w)
					}
				}
			}
		}
	}
	// Spot value: image 1, channel 2, row 0, column 1 = (0 + 3 + 100 + 101) % 256.
	if got := ds.Images[(1*3+2)*1024+0*32+1]; got != 204 {
		t.Errorf("spot pixel = %d, want 204", got)
	}
}

func TestReadSVHNVariants(t *testing.T) {
	const mxUINT8Class, mxDOUBLEClass, mxCHARClass = 9, 6, 4
	for _, tc := range []struct {
		name string
		file func(t *testing.T) []byte
	}{
		{"little-endian uncompressed, y double", func(t *testing.T) []byte {
			w := matWriter{binary.LittleEndian}
			return w.file(
				w.matrix("X", mxUINT8Class, []int{32, 32, 3, 2}, miUINT8, svhnX(2)),
				w.matrix("y", mxDOUBLEClass, []int{2, 1}, miDOUBLE, float64s(binary.LittleEndian, 10, 3)))
		}},
		{"compressed, y double stored as uint8, extra variables", func(t *testing.T) []byte {
			w := matWriter{binary.LittleEndian}
			return w.file(
				w.compressed(t, w.matrix("note", mxCHARClass, []int{1, 2}, 16, []byte("hi"))),
				w.compressed(t, w.matrix("X", mxUINT8Class, []int{32, 32, 3, 2}, miUINT8, svhnX(2))),
				w.compressed(t, w.matrix("s", mxUINT8Class, []int{1, 1}, miUINT8, []byte{42})), // small data element
				w.compressed(t, w.matrix("y", mxDOUBLEClass, []int{2, 1}, miUINT8, []byte{10, 3})))
		}},
		{"big-endian", func(t *testing.T) []byte {
			w := matWriter{binary.BigEndian}
			return w.file(
				w.matrix("y", mxDOUBLEClass, []int{2, 1}, miDOUBLE, float64s(binary.BigEndian, 10, 3)),
				w.compressed(t, w.matrix("X", mxUINT8Class, []int{32, 32, 3, 2}, miUINT8, svhnX(2))))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeTestFile(t, t.TempDir(), "train_32x32.mat", tc.file(t))
			ds, err := ReadSVHN(p)
			if err != nil {
				t.Fatal(err)
			}
			checkSVHN(t, ds, []int32{0, 3})
		})
	}
}

func TestReadMATSmallElement(t *testing.T) {
	w := matWriter{binary.LittleEndian}
	b := w.file(w.compressed(t, w.matrix("s", 9, []int{1, 3}, miUINT8, []byte{7, 8, 9})))
	vars, err := readMATv5(b, "small.mat")
	if err != nil {
		t.Fatal(err)
	}
	s := vars["s"]
	if s == nil || len(s.Dims) != 2 || s.Dims[1] != 3 || string(s.Data) != "\x07\x08\x09" {
		t.Fatalf("variable s = %+v", s)
	}
}

func TestReadSVHNErrors(t *testing.T) {
	dir := t.TempDir()
	w := matWriter{binary.LittleEndian}
	x := w.matrix("X", 9, []int{32, 32, 3, 2}, miUINT8, svhnX(2))
	y := w.matrix("y", 6, []int{2, 1}, miDOUBLE, float64s(binary.LittleEndian, 1, 2))
	good := w.file(x, y)

	notMat := make([]byte, 200)
	copy(notMat, "hello")
	p := writeTestFile(t, dir, "notmat.mat", notMat)
	_, err := ReadSVHN(p)
	wantErr(t, err, p, "endian indicator")

	p = writeTestFile(t, dir, "tiny.mat", good[:100])
	_, err = ReadSVHN(p)
	wantErr(t, err, p, "truncated", "header")

	p = writeTestFile(t, dir, "cut.mat", good[:len(good)-40])
	_, err = ReadSVHN(p)
	wantErr(t, err, p, "truncated")

	cz := w.file(w.compressed(t, x))
	p = writeTestFile(t, dir, "cutz.mat", cz[:len(cz)-100])
	_, err = ReadSVHN(p)
	wantErr(t, err, p, "truncated")

	v73 := append([]byte(nil), good...)
	copy(v73, "MATLAB 7.3 MAT-file")
	binary.LittleEndian.PutUint16(v73[124:], 0x0200)
	p = writeTestFile(t, dir, "v73.mat", v73)
	_, err = ReadSVHN(p)
	wantErr(t, err, p, "7.3")

	p = writeTestFile(t, dir, "noy.mat", w.file(x))
	_, err = ReadSVHN(p)
	wantErr(t, err, p, `"y"`)

	p = writeTestFile(t, dir, "badlabel.mat", w.file(x, w.matrix("y", 6, []int{2, 1}, miDOUBLE, float64s(binary.LittleEndian, 1, 11))))
	_, err = ReadSVHN(p)
	wantErr(t, err, p, "label 11", "out of range")

	p = writeTestFile(t, dir, "count.mat", w.file(x, w.matrix("y", 6, []int{3, 1}, miDOUBLE, float64s(binary.LittleEndian, 1, 2, 3))))
	_, err = ReadSVHN(p)
	wantErr(t, err, p, "record count mismatch")

	p = writeTestFile(t, dir, "xshape.mat", w.file(w.matrix("X", 9, []int{28, 28, 1, 2}, miUINT8, make([]byte, 28*28*2)), y))
	_, err = ReadSVHN(p)
	wantErr(t, err, p, "[32 32 3 N]")

	p = writeTestFile(t, dir, "xdata.mat", w.file(w.matrix("X", 9, []int{32, 32, 3, 2}, miUINT8, svhnX(1)), y))
	_, err = ReadSVHN(p)
	wantErr(t, err, p, `variable "X"`, "bytes of data")
}
