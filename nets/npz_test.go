package nets

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func seqTensor(shape ...int) *Tensor {
	t := NewTensor(shape...)
	for i := range t.Data {
		t.Data[i] = float32(i)*0.5 - 3
	}
	return t
}

func equalWeights(t *testing.T, got, want Weights) {
	t.Helper()
	if !reflect.DeepEqual(got.Names(), want.Names()) {
		t.Fatalf("names %v, want %v", got.Names(), want.Names())
	}
	for name, w := range want {
		g := got[name]
		if !reflect.DeepEqual(g.Shape, w.Shape) || !reflect.DeepEqual(g.Data, w.Data) {
			t.Errorf("%s: shape %v (want %v), data differs: %v", name, g.Shape, w.Shape, !reflect.DeepEqual(g.Data, w.Data))
		}
	}
}

func TestNPZRoundTrip(t *testing.T) {
	w := Weights{
		"conv1/weight": seqTensor(4, 3, 2, 2),
		"conv1/bias":   seqTensor(4),
		"fc1/weight":   seqTensor(5, 16),
		"x/rank3":      seqTensor(2, 3, 2),
	}
	path := filepath.Join(t.TempDir(), "w.npz")
	if err := WriteNPZ(path, w); err != nil {
		t.Fatal(err)
	}
	got, err := ReadNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	equalWeights(t, got, w)
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// TestNPZFormat checks the bytes numpy.load will see: zip entries "<key>.npy", each a valid .npy
// (magic, version, header dict with descr '<f4', C order and the full N-d shape, then the
// little-endian row-major data).
func TestNPZFormat(t *testing.T) {
	w := Weights{"conv1/weight": seqTensor(2, 3, 4, 5), "fc/weight": seqTensor(3, 7), "b": seqTensor(6)}
	var buf bytes.Buffer
	if err := EncodeNPZ(&buf, w); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[string]string{"conv1/weight.npy": "(2, 3, 4, 5)", "fc/weight.npy": "(3, 7)", "b.npy": "(6,)"}
	if len(zr.File) != len(shapes) {
		t.Fatalf("%d entries", len(zr.File))
	}
	for _, f := range zr.File {
		wantShape, ok := shapes[f.Name]
		if !ok {
			t.Fatalf("unexpected entry %q", f.Name)
		}
		rc, _ := f.Open()
		var raw bytes.Buffer
		raw.ReadFrom(rc)
		rc.Close()
		b := raw.Bytes()
		if string(b[:6]) != "\x93NUMPY" {
			t.Fatalf("%s: bad magic %q", f.Name, b[:6])
		}
		var hlen, start int
		switch b[6] {
		case 1:
			hlen, start = int(binary.LittleEndian.Uint16(b[8:10])), 10
		case 2, 3:
			hlen, start = int(binary.LittleEndian.Uint32(b[8:12])), 12
		default:
			t.Fatalf("%s: version %d", f.Name, b[6])
		}
		header := string(b[start : start+hlen])
		if !strings.HasSuffix(header, "\n") {
			t.Errorf("%s: header %q does not end with a newline", f.Name, header)
		}
		for _, want := range []string{"'descr': '<f4'", "'fortran_order': False", "'shape': " + wantShape} {
			if !strings.Contains(header, want) {
				t.Errorf("%s: header %q lacks %q", f.Name, header, want)
			}
		}
		tensor := w[strings.TrimSuffix(f.Name, ".npy")]
		data := b[start+hlen:]
		if len(data) != 4*len(tensor.Data) {
			t.Fatalf("%s: %d data bytes, want %d", f.Name, len(data), 4*len(tensor.Data))
		}
		for i, v := range tensor.Data {
			if got := math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:])); got != v {
				t.Fatalf("%s: value %d = %g, want %g", f.Name, i, got, v)
			}
		}
	}
}

// npyBytes writes a version-1.0 .npy by hand, as numpy does.
func npyBytes(descr string, fortran bool, shape string, data []byte) []byte {
	f := "False"
	if fortran {
		f = "True"
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, f, shape)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}

func TestNPZReadsNumpyVariants(t *testing.T) {
	// float64, Fortran order: the 2x3 matrix [[0 1 2] [3 4 5]] stored column by column.
	var f64 bytes.Buffer
	for _, v := range []float64{0, 3, 1, 4, 2, 5} {
		binary.Write(&f64, binary.LittleEndian, v)
	}
	var f32 bytes.Buffer
	for _, v := range []float32{1, 2} {
		binary.Write(&f32, binary.LittleEndian, v)
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for name, content := range map[string][]byte{
		"m.npy": npyBytes("<f8", true, "(2, 3)", f64.Bytes()),
		"v.npy": npyBytes("<f4", false, "(2,)", f32.Bytes()),
	} {
		e, _ := zw.Create(name)
		e.Write(content)
	}
	zw.Close()
	w, err := DecodeNPZ(bytes.NewReader(zbuf.Bytes()), int64(zbuf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	equalWeights(t, w, Weights{
		"m": {Shape: []int{2, 3}, Data: []float32{0, 1, 2, 3, 4, 5}},
		"v": {Shape: []int{2}, Data: []float32{1, 2}},
	})

	// Integer arrays are rejected with the array's name.
	zbuf.Reset()
	zw = zip.NewWriter(&zbuf)
	e, _ := zw.Create("i.npy")
	e.Write(npyBytes("<i8", false, "(1,)", make([]byte, 8)))
	zw.Close()
	if _, err := DecodeNPZ(bytes.NewReader(zbuf.Bytes()), int64(zbuf.Len())); err == nil || !strings.Contains(err.Error(), `"i"`) {
		t.Errorf("int64 array: err = %v", err)
	}

	// 3-d Fortran order.
	got := fortranToC([]float32{0, 1, 2, 3, 4, 5, 6, 7}, []int{2, 2, 2})
	// C index (i,j,k) reads Fortran offset i + 2j + 4k.
	if want := []float32{0, 4, 2, 6, 1, 5, 3, 7}; !reflect.DeepEqual(got, want) {
		t.Errorf("fortranToC %v, want %v", got, want)
	}
}

func TestPaperLayout(t *testing.T) {
	spec := AlexNet(3, 10)
	w := spec.InitWeights(3)
	path := filepath.Join(t.TempDir(), "paper.npz")
	if err := ExportPaperNPZ(path, spec, w); err != nil {
		t.Fatal(err)
	}
	convs, fc, err := ReadPaperNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 5 || fc == nil || !reflect.DeepEqual(convs[2].Shape, []int{384, 192, 3, 3}) || !reflect.DeepEqual(fc.Shape, []int{10, 256}) {
		t.Fatalf("paper arrays: %d convs, fc %v", len(convs), fc)
	}
	base := spec.InitWeights(4)
	got, err := ImportPaperNPZ(path, spec, base)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"conv1/weight", "conv5/weight", "fc1/weight"} {
		if !reflect.DeepEqual(got[name].Data, w[name].Data) {
			t.Errorf("%s not imported", name)
		}
	}
	if !reflect.DeepEqual(got["conv1/bias"].Data, base["conv1/bias"].Data) {
		t.Error("bias not taken from base")
	}
	if err := spec.CheckWeights(got); err != nil {
		t.Error(err)
	}
	if _, err := ImportPaperNPZ(path, VGG16(3, 10), nil); err == nil {
		t.Error("5 convs mapped onto VGG16")
	}

	bad := []Weights{
		{"conv0": seqTensor(2, 1, 1, 1), "conv2": seqTensor(2, 2, 1, 1)},
		{"conv0": seqTensor(2, 1, 1, 1), "dense": seqTensor(2, 2)},
		{"conv0": seqTensor(2, 4)},
		{"conv0": seqTensor(2, 1, 1, 1), "fc0": seqTensor(4)},
		{"conv00": seqTensor(2, 1, 1, 1)},
		{},
	}
	for _, arrays := range bad {
		if _, _, err := PaperArrays(arrays); err == nil {
			t.Errorf("paper arrays %v accepted", arrays.Names())
		}
	}
	convs, fc, err = PaperArrays(Weights{"conv1": seqTensor(3, 2, 1, 1), "conv0": seqTensor(2, 1, 1, 1)})
	if err != nil || len(convs) != 2 || convs[0].Shape[0] != 2 || fc != nil {
		t.Errorf("ordering conv0, conv1: %v", err)
	}
}
