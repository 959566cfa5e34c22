package nets

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"codeberg.org/sbinet/npyio/npz"
)

// .npz interop. Arrays keep PyTorch's layout (conv OIHW [out, in, kh, kw], dense [out, in]) and
// their full shape, so numpy.load gives back N-d arrays. Keys are the Weights names
// ("conv1/weight"); inside the zip each array is "<key>.npy", as numpy.savez writes it.

// EncodeNPZ writes w as an .npz archive to out: float32 arrays with their full shapes, keys sorted,
// uncompressed like numpy.savez.
func EncodeNPZ(out io.Writer, w Weights) error {
	// Like numpy.savez: uncompressed (stored) entries; float weights barely compress and deflate
	// would dominate the write time.
	zw := zip.NewWriter(out)
	for _, name := range w.Names() {
		entry, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
		if err != nil {
			return fmt.Errorf("npz: %q: %w", name, err)
		}
		bw := bufio.NewWriterSize(entry, 1<<20)
		if err := writeNPY(bw, w[name]); err != nil {
			return fmt.Errorf("npz: %q: %w", name, err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("npz: %q: %w", name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("npz: %w", err)
	}
	return nil
}

// writeNPY writes t as a version 1.0 .npy array: little-endian float32, C order, t's full
// shape. (npyio's npy.Write derives shapes from Go types and only writes float64 matrices or
// 1-d slices with a shape, so the writer is ours; reading stays with npyio.)
func writeNPY(w io.Writer, t *Tensor) error {
	if len(t.Data) != ShapeSize(t.Shape) {
		return fmt.Errorf("shape %v holds %d values", t.Shape, len(t.Data))
	}
	dims := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = strconv.Itoa(d)
	}
	shape := "(" + strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	shape += ")"
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shape)
	// magic (6) + version (2) + header length (2) + dict + padding + '\n' is a multiple of 64.
	pad := 63 - (10+len(dict))%64
	hdr := make([]byte, 0, 10+len(dict)+pad+1)
	hdr = append(hdr, "\x93NUMPY\x01\x00"...)
	hdr = binary.LittleEndian.AppendUint16(hdr, uint16(len(dict)+pad+1))
	hdr = append(hdr, dict...)
	hdr = append(hdr, strings.Repeat(" ", pad)+"\n"...)
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, 0, 4<<10)
	for i, v := range t.Data {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		if len(buf) == cap(buf) || i == len(t.Data)-1 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	return nil
}

// WriteNPZ writes w to path as .npz, atomically (a temporary file in the same directory renamed
// over path).
func WriteNPZ(path string, w Weights) error {
	return WriteStreamAtomic(path, func(f io.Writer) error { return EncodeNPZ(f, w) })
}

// DecodeNPZ reads every array of an .npz archive (float32 or float64, C or Fortran order) into
// Weights keyed by the array names without their ".npy" suffix. Shapes are kept.
func DecodeNPZ(r io.ReaderAt, size int64) (Weights, error) {
	zr, err := npz.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("npz: %w", err)
	}
	w := Weights{}
	for _, key := range zr.Keys() {
		name := strings.TrimSuffix(key, ".npy")
		t, err := readArray(zr, key)
		if err != nil {
			return nil, fmt.Errorf("npz: array %q: %w", name, err)
		}
		if _, dup := w[name]; dup {
			return nil, fmt.Errorf("npz: array %q appears twice", name)
		}
		w[name] = t
	}
	return w, nil
}

func readArray(zr *npz.Reader, key string) (*Tensor, error) {
	hdr := zr.Header(key)
	if hdr == nil {
		return nil, fmt.Errorf("unreadable header")
	}
	shape := append([]int{}, hdr.Descr.Shape...)
	n := ShapeSize(shape)
	var data []float32
	switch strings.Trim(hdr.Descr.Type, `'"`) { // npyio v0.14 keeps the quotes of some headers
	case "<f4", "|f4", "=f4":
		data = make([]float32, n)
		if n > 0 {
			if err := zr.Read(key, &data); err != nil {
				return nil, err
			}
		}
	case "<f8", "|f8", "=f8":
		d64 := make([]float64, n)
		if n > 0 {
			if err := zr.Read(key, &d64); err != nil {
				return nil, err
			}
		}
		data = make([]float32, n)
		for i, v := range d64 {
			data[i] = float32(v)
		}
	default:
		return nil, fmt.Errorf("dtype %s: want little-endian float32 or float64", hdr.Descr.Type)
	}
	if hdr.Descr.Fortran && len(shape) > 1 {
		data = fortranToC(data, shape)
	}
	return &Tensor{Shape: shape, Data: data}, nil
}

// fortranToC reorders column-major data of the given shape into row-major order.
func fortranToC(data []float32, shape []int) []float32 {
	out := make([]float32, len(data))
	idx := make([]int, len(shape))
	for c := range out { // c walks the row-major order
		f, stride := 0, 1
		for d := 0; d < len(shape); d++ {
			f += idx[d] * stride
			stride *= shape[d]
		}
		out[c] = data[f]
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

// ReadNPZ reads an .npz file into Weights (see DecodeNPZ).
func ReadNPZ(path string) (Weights, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading npz: %w", err)
	}
	w, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return w, nil
}

// Paper layout: an .npz holding only the conv weights as conv0..convN (network order, OIHW) and
// optionally the weight of the dense layer after flatten as fc0 ([out, in]), as exported from the
// paper's PyTorch models.

// PaperArrays extracts the paper layout from decoded arrays: the conv weights conv0..convN in
// order (at least conv0, no gaps, each 4-d) and fc0 (2-d) or nil. Other keys are an error, so a
// misspelt key does not go unnoticed.
func PaperArrays(arrays Weights) (convs []*Tensor, fc *Tensor, err error) {
	idx := map[int]*Tensor{}
	for name, t := range arrays {
		switch {
		case name == "fc0":
			if len(t.Shape) != 2 {
				return nil, nil, fmt.Errorf("paper layout: fc0 has shape %v, want [out, in]", t.Shape)
			}
			fc = t
		case strings.HasPrefix(name, "conv"):
			i, err := strconv.Atoi(strings.TrimPrefix(name, "conv"))
			if err != nil || i < 0 || name != "conv"+strconv.Itoa(i) {
				return nil, nil, fmt.Errorf("paper layout: unexpected array %q (want conv0..convN and optional fc0)", name)
			}
			if len(t.Shape) != 4 {
				return nil, nil, fmt.Errorf("paper layout: %s has shape %v, want OIHW [out, in, kh, kw]", name, t.Shape)
			}
			idx[i] = t
		default:
			return nil, nil, fmt.Errorf("paper layout: unexpected array %q (want conv0..convN and optional fc0)", name)
		}
	}
	keys := make([]int, 0, len(idx))
	for i := range idx {
		keys = append(keys, i)
	}
	sort.Ints(keys)
	for j, i := range keys {
		if i != j {
			return nil, nil, fmt.Errorf("paper layout: conv%d missing", j)
		}
		convs = append(convs, idx[i])
	}
	if len(convs) == 0 {
		return nil, nil, fmt.Errorf("paper layout: no conv0 array")
	}
	return convs, fc, nil
}

// ReadPaperNPZ reads an .npz in the paper layout (conv0..convN, optional fc0).
func ReadPaperNPZ(path string) (convs []*Tensor, fc *Tensor, err error) {
	arrays, err := ReadNPZ(path)
	if err != nil {
		return nil, nil, err
	}
	convs, fc, err = PaperArrays(arrays)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return convs, fc, nil
}

// ApplyPaperArrays maps paper-layout arrays onto a spec: convI becomes the weight of the spec's
// I-th conv layer and fc0 the weight of its first dense layer. Everything else (biases,
// batch-norm, a missing fc0) comes from base, or from spec.InitWeights(0) when base is nil. The
// number of convs and every shape must match the spec.
func ApplyPaperArrays(spec *Spec, base Weights, convs []*Tensor, fc *Tensor) (Weights, error) {
	if base == nil {
		base = spec.InitWeights(0)
	}
	if err := spec.CheckWeights(base); err != nil {
		return nil, fmt.Errorf("paper layout: base %w", err)
	}
	ci := spec.ConvIndices()
	if len(convs) != len(ci) {
		return nil, fmt.Errorf("paper layout: %d conv arrays for the %d conv layers of spec %q", len(convs), len(ci), spec.Name)
	}
	w := base.Clone()
	set := func(arr, name string, t *Tensor) error {
		want := w[name]
		if !reflect.DeepEqual(t.Shape, want.Shape) || len(t.Data) != len(want.Data) {
			return fmt.Errorf("paper layout: %s has shape %v, but %q of spec %q is %v", arr, t.Shape, name, spec.Name, want.Shape)
		}
		w[name] = t.Clone()
		return nil
	}
	for i, li := range ci {
		if err := set(fmt.Sprintf("conv%d", i), spec.Layers[li].Name+"/weight", convs[i]); err != nil {
			return nil, err
		}
	}
	if fc != nil {
		dense := ""
		for _, l := range spec.Layers {
			if l.Kind == KindDense {
				dense = l.Name
				break
			}
		}
		if err := set("fc0", dense+"/weight", fc); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// ImportPaperNPZ reads a paper-layout .npz and maps it onto the spec (see ApplyPaperArrays).
func ImportPaperNPZ(path string, spec *Spec, base Weights) (Weights, error) {
	convs, fc, err := ReadPaperNPZ(path)
	if err != nil {
		return nil, err
	}
	w, err := ApplyPaperArrays(spec, base, convs, fc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return w, nil
}

// ExportPaperNPZ writes the spec's conv weights as conv0..convN and its first dense weight as fc0
// (the paper layout), atomically.
func ExportPaperNPZ(path string, spec *Spec, w Weights) error {
	if err := spec.CheckWeights(w); err != nil {
		return err
	}
	out := Weights{}
	for i, li := range spec.ConvIndices() {
		out[fmt.Sprintf("conv%d", i)] = w[spec.Layers[li].Name+"/weight"]
	}
	for _, l := range spec.Layers {
		if l.Kind == KindDense {
			out["fc0"] = w[l.Name+"/weight"]
			break
		}
	}
	return WriteNPZ(path, out)
}
