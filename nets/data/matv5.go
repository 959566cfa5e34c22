package data

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
)

// MAT v5 data element types (the subset a numeric MAT-file uses).
const (
	miINT8       = 1
	miUINT8      = 2
	miINT16      = 3
	miUINT16     = 4
	miINT32      = 5
	miUINT32     = 6
	miSINGLE     = 7
	miDOUBLE     = 9
	miINT64      = 12
	miUINT64     = 13
	miMATRIX     = 14
	miCOMPRESSED = 15
)

// MAT v5 array classes: the numeric ones run from mxDOUBLE to mxUINT64.
const (
	mxCHAR   = 4
	mxDOUBLE = 6
	mxUINT8  = 9
	mxUINT64 = 15
)

// matHeaderSize is the size of a MAT v5 file header (text, subsystem offset, version, endian).
const matHeaderSize = 128

// matVar is one top-level variable of a MAT v5 file. Only numeric, real, full (non-sparse)
// arrays carry data; other classes are recorded by name and class only.
type matVar struct {
	Name    string
	Class   int
	Dims    []int
	Complex bool
	// Type is the data type the real part is stored as (it may be narrower than Class: MATLAB
	// stores a double array holding small integers as miUINT8).
	Type  uint32
	Data  []byte
	order binary.ByteOrder
}

// numeric reports whether v is a real numeric array whose data was read.
func (v *matVar) numeric() bool {
	return v.Class >= mxDOUBLE && v.Class <= mxUINT64 && !v.Complex
}

// numel is the number of elements given by the dimensions.
func (v *matVar) numel() int {
	n := 1
	for _, d := range v.Dims {
		n *= d
	}
	return n
}

// elemSize is the size in bytes of one value of MAT data type t, 0 when t is not numeric.
func elemSize(t uint32) int {
	switch t {
	case miINT8, miUINT8:
		return 1
	case miINT16, miUINT16:
		return 2
	case miINT32, miUINT32, miSINGLE:
		return 4
	case miDOUBLE, miINT64, miUINT64:
		return 8
	}
	return 0
}

// checkData verifies that the stored data holds exactly numel values of a numeric type.
func (v *matVar) checkData(path string) error {
	sz := elemSize(v.Type)
	if sz == 0 {
		return fmt.Errorf("data: %s: variable %q stored as unsupported MAT data type %d", path, v.Name, v.Type)
	}
	if len(v.Data) != sz*v.numel() {
		return fmt.Errorf("data: %s: variable %q has %d bytes of data, expected %d (%d values of %d bytes) for dimensions %v",
			path, v.Name, len(v.Data), sz*v.numel(), v.numel(), sz, v.Dims)
	}
	return nil
}

// at returns value i of the real part converted to float64. Call checkData first.
func (v *matVar) at(i int) float64 {
	d, o := v.Data, v.order
	switch v.Type {
	case miINT8:
		return float64(int8(d[i]))
	case miUINT8:
		return float64(d[i])
	case miINT16:
		return float64(int16(o.Uint16(d[2*i:])))
	case miUINT16:
		return float64(o.Uint16(d[2*i:]))
	case miINT32:
		return float64(int32(o.Uint32(d[4*i:])))
	case miUINT32:
		return float64(o.Uint32(d[4*i:]))
	case miSINGLE:
		return float64(math.Float32frombits(o.Uint32(d[4*i:])))
	case miDOUBLE:
		return math.Float64frombits(o.Uint64(d[8*i:]))
	case miINT64:
		return float64(int64(o.Uint64(d[8*i:])))
	case miUINT64:
		return float64(o.Uint64(d[8*i:]))
	}
	return math.NaN()
}

// uint8s returns the values as bytes: the stored data itself when stored as miUINT8, otherwise a
// converted copy; every value must be an integer in [0, 255].
func (v *matVar) uint8s(path string) ([]uint8, error) {
	if err := v.checkData(path); err != nil {
		return nil, err
	}
	if v.Type == miUINT8 {
		return v.Data, nil
	}
	out := make([]uint8, v.numel())
	for i := range out {
		x := v.at(i)
		if x != math.Trunc(x) || x < 0 || x > 255 {
			return nil, fmt.Errorf("data: %s: variable %q value %d is %v, expected an integer in [0, 255]", path, v.Name, i, x)
		}
		out[i] = uint8(x)
	}
	return out, nil
}

// matParser walks the data elements of a MAT v5 file.
type matParser struct {
	path  string
	order binary.ByteOrder
}

// readMATv5 parses a MATLAB level-5 MAT-file (the format of `save -v6` and `-v7`, the latter with
// zlib-compressed elements) and returns its top-level variables by name. It supports what
// numeric data sets need: miMATRIX and miCOMPRESSED top-level elements, the small data element
// format, both byte orders and real numeric full arrays. Other array classes (cell, struct, char,
// sparse, ...) are listed without data; v7.3 (HDF5) and v4 files are rejected.
func readMATv5(b []byte, path string) (map[string]*matVar, error) {
	if len(b) < matHeaderSize {
		return nil, fmt.Errorf("data: %s: truncated MAT-file: %d bytes, expected at least the %d-byte MAT v5 header", path, len(b), matHeaderSize)
	}
	p := &matParser{path: path}
	switch string(b[126:128]) {
	case "IM":
		p.order = binary.LittleEndian
	case "MI":
		p.order = binary.BigEndian
	default:
		return nil, fmt.Errorf("data: %s: not a MATLAB v5 MAT-file: endian indicator at bytes 126-127 is %q, expected \"IM\" or \"MI\"", path, b[126:128])
	}
	if ver := p.order.Uint16(b[124:]); ver != 0x0100 {
		if ver == 0x0200 || strings.HasPrefix(string(b[:10]), "MATLAB 7.3") {
			return nil, fmt.Errorf("data: %s: MAT-file version 7.3 (HDF5) is not supported, expected a v5/v7 MAT-file (save with -v7)", path)
		}
		return nil, fmt.Errorf("data: %s: unsupported MAT-file version 0x%04x, expected 0x0100", path, ver)
	}
	vars := map[string]*matVar{}
	for off := matHeaderSize; off < len(b); {
		typ, data, next, err := p.element(b, off)
		if err != nil {
			return nil, err
		}
		if typ == miCOMPRESSED {
			inner, err := p.inflate(data, off)
			if err != nil {
				return nil, err
			}
			if typ, data, _, err = p.element(inner, 0); err != nil {
				return nil, err
			}
		}
		if typ != miMATRIX {
			return nil, fmt.Errorf("data: %s: top-level data element at offset %d has type %d, expected miMATRIX (14) or miCOMPRESSED (15)", path, off, typ)
		}
		v, err := p.matrix(data, off)
		if err != nil {
			return nil, err
		}
		if v != nil {
			vars[v.Name] = v
		}
		off = next
	}
	return vars, nil
}

// element reads the data element at b[off:], in either the normal (8-byte tag) or the small (4-byte
// tag, data packed in the tag's 8 bytes) format. It returns the type, the data and the offset of
// the next element (8-byte aligned, except after a compressed element, which is not padded).
func (p *matParser) element(b []byte, off int) (uint32, []byte, int, error) {
	if len(b)-off < 8 {
		return 0, nil, 0, fmt.Errorf("data: %s: truncated MAT-file: data element tag at offset %d needs 8 bytes, %d remain", p.path, off, len(b)-off)
	}
	w := p.order.Uint32(b[off:])
	if w>>16 != 0 { // small data element: 2 bytes size, 2 bytes type, up to 4 bytes data
		n := int(w >> 16)
		if n > 4 {
			return 0, nil, 0, fmt.Errorf("data: %s: small data element at offset %d declares %d bytes, expected at most 4", p.path, off, n)
		}
		return w & 0xffff, b[off+4 : off+4+n], off + 8, nil
	}
	n := int(p.order.Uint32(b[off+4:]))
	start := off + 8
	if n > len(b)-start {
		return 0, nil, 0, fmt.Errorf("data: %s: truncated MAT-file: data element at offset %d (type %d) declares %d bytes, only %d remain",
			p.path, off, w, n, len(b)-start)
	}
	next := start + n
	if w != miCOMPRESSED {
		next = min(start+(n+7)/8*8, len(b))
	}
	return w, b[start : start+n], next, nil
}

// inflate decompresses a miCOMPRESSED element holding one data element.
func (p *matParser) inflate(data []byte, off int) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("data: %s: compressed data element at offset %d: %w", p.path, off, err)
	}
	defer zr.Close()
	tag := make([]byte, 8)
	if _, err := io.ReadFull(zr, tag); err != nil {
		return nil, fmt.Errorf("data: %s: compressed data element at offset %d is truncated: %w", p.path, off, err)
	}
	size := 8
	if w := p.order.Uint32(tag); w>>16 == 0 {
		size += int(p.order.Uint32(tag[4:]))
	}
	out := make([]byte, size)
	copy(out, tag)
	if _, err := io.ReadFull(zr, out[8:]); err != nil {
		return nil, fmt.Errorf("data: %s: compressed data element at offset %d is truncated: its %d-byte content does not decompress whole: %w",
			p.path, off, size-8, err)
	}
	return out, nil
}

// matrix parses the content of a miMATRIX element (array flags, dimensions, name, real part).
// It returns nil for an empty element.
func (p *matParser) matrix(b []byte, off int) (*matVar, error) {
	if len(b) == 0 {
		return nil, nil
	}
	sub := func(i, pos int, want uint32) ([]byte, int, error) {
		typ, data, next, err := p.element(b, pos)
		if err != nil {
			return nil, 0, err
		}
		if want != 0 && typ != want {
			return nil, 0, fmt.Errorf("data: %s: array at offset %d: sub-element %d has type %d, expected %d", p.path, off, i, typ, want)
		}
		return data, next, nil
	}
	flags, pos, err := sub(1, 0, miUINT32)
	if err != nil {
		return nil, err
	}
	if len(flags) < 4 {
		return nil, fmt.Errorf("data: %s: array at offset %d: array flags are %d bytes, expected 8", p.path, off, len(flags))
	}
	f := p.order.Uint32(flags)
	v := &matVar{Class: int(f & 0xff), Complex: f&0x0800 != 0, order: p.order}
	dims, pos, err := sub(2, pos, miINT32)
	if err != nil {
		return nil, err
	}
	if len(dims)%4 != 0 || len(dims) < 8 {
		return nil, fmt.Errorf("data: %s: array at offset %d: dimensions are %d bytes, expected at least two int32", p.path, off, len(dims))
	}
	for i := 0; i < len(dims); i += 4 {
		d := int(int32(p.order.Uint32(dims[i:])))
		if d < 0 {
			return nil, fmt.Errorf("data: %s: array at offset %d: negative dimension %d", p.path, off, d)
		}
		v.Dims = append(v.Dims, d)
	}
	name, pos, err := sub(3, pos, miINT8)
	if err != nil {
		return nil, err
	}
	v.Name = string(name)
	if !v.numeric() {
		return v, nil
	}
	typ, data, _, err := p.element(b, pos)
	if err != nil {
		return nil, fmt.Errorf("%w (real part of %q)", err, v.Name)
	}
	v.Type, v.Data = typ, data
	return v, nil
}
