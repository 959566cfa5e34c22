package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTestFile writes b to dir/name, gzip-compressed when name ends in .gz, and returns the path.
func writeTestFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	if strings.HasSuffix(name, ".gz") {
		b = gzipBytes(t, b)
	}
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// idxFile builds an idx file of unsigned bytes.
func idxFile(magic uint32, dims []int, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, data...)
}

// mnistPixel is the test value of pixel (r, c) of 28x28 image i.
func mnistPixel(i, r, c int) uint8 { return uint8((i*31 + r*7 + c*3 + 1) % 256) }

// mnistFiles returns idx images and labels files for the given labels.
func mnistFiles(labels []uint8) (images, lbls []byte) {
	n := len(labels)
	pix := make([]byte, 0, n*28*28)
	for i := range n {
		for r := range 28 {
			for c := range 28 {
				pix = append(pix, mnistPixel(i, r, c))
			}
		}
	}
	return idxFile(2051, []int{n, 28, 28}, pix), idxFile(2049, []int{n}, labels)
}

// cifarPixel is the test value of channel ch, row r, column c of record i.
func cifarPixel(i, ch, r, c int) uint8 { return uint8((i*13 + ch*101 + r*5 + c*17) % 256) }

// cifarRecords builds CIFAR binary records; labelBytes holds the label bytes of each record.
func cifarRecords(first int, labelBytes [][]byte) []byte {
	var b []byte
	for k, lb := range labelBytes {
		b = append(b, lb...)
		for ch := range 3 {
			for r := range 32 {
				for c := range 32 {
					b = append(b, cifarPixel(first+k, ch, r, c))
				}
			}
		}
	}
	return b
}

// byteOrder is binary.LittleEndian or binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// matWriter builds MAT v5 files in a given byte order.
type matWriter struct{ o byteOrder }

// element returns a data element: the small format when small and len(data) <= 4, else the normal
// format padded to 8 bytes.
func (w matWriter) element(typ uint32, data []byte, small bool) []byte {
	if small && len(data) <= 4 {
		b := w.o.AppendUint32(nil, uint32(len(data))<<16|typ)
		b = append(b, data...)
		return append(b, make([]byte, 4-len(data))...)
	}
	b := w.o.AppendUint32(nil, typ)
	b = w.o.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	if pad := (8 - len(data)%8) % 8; pad > 0 {
		b = append(b, make([]byte, pad)...)
	}
	return b
}

// matrix returns a miMATRIX element of class cls holding data stored as dataType.
func (w matWriter) matrix(name string, cls uint32, dims []int, dataType uint32, data []byte) []byte {
	flags := w.o.AppendUint32(nil, cls)
	flags = w.o.AppendUint32(flags, 0)
	var dimb []byte
	for _, d := range dims {
		dimb = w.o.AppendUint32(dimb, uint32(d))
	}
	var body []byte
	body = append(body, w.element(miUINT32, flags, false)...)
	body = append(body, w.element(miINT32, dimb, false)...)
	body = append(body, w.element(miINT8, []byte(name), true)...)
	body = append(body, w.element(dataType, data, true)...)
	return w.element(miMATRIX, body, false)
}

// compressed wraps an element in a miCOMPRESSED element (not padded, as MATLAB writes it).
func (w matWriter) compressed(t *testing.T, elem []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	if _, err := zw.Write(elem); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	b := w.o.AppendUint32(nil, miCOMPRESSED)
	b = w.o.AppendUint32(b, uint32(buf.Len()))
	return append(b, buf.Bytes()...)
}

// file returns a MAT v5 file: header then the elements.
func (w matWriter) file(elems ...[]byte) []byte {
	h := make([]byte, 128)
	copy(h, "MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: test")
	for i := len("MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: test"); i < 116; i++ {
		h[i] = ' '
	}
	w.o.PutUint16(h[124:], 0x0100)
	w.o.PutUint16(h[126:], 'M'<<8|'I')
	for _, e := range elems {
		h = append(h, e...)
	}
	return h
}

// svhnPixel is the test value of row r, column c, channel ch of image n.
func svhnPixel(r, c, ch, n int) uint8 { return uint8((r + 3*c + 50*ch + 101*n) % 256) }

// svhnX returns X (32x32x3xn) in MATLAB column-major order.
func svhnX(n int) []byte {
	x := make([]byte, 0, 32*32*3*n)
	for i := range n {
		for ch := range 3 {
			for c := range 32 {
				for r := range 32 {
					x = append(x, svhnPixel(r, c, ch, i))
				}
			}
		}
	}
	return x
}

// float64s encodes values in byte order o.
func float64s(o byteOrder, v ...float64) []byte {
	var b []byte
	for _, x := range v {
		b = o.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

// tarGz builds a .tar.gz archive of the given members, in order.
func tarGz(t *testing.T, names []string, contents [][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for i, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(contents[i])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(contents[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wantErr fails unless err is non-nil and its text holds every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error mentioning %q, got nil", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}
