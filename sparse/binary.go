package sparse

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/hybridprune/hybridprune/layout"
)

// Binary encodings of the compressed formats, for storing pruned weights.
// Layout (all little-endian): 4-byte magic, 1 version byte (1), the integer
// fields as int64, then each slice as a uint64 element count followed by the
// raw elements. Decoders bound every count by the remaining input before
// allocating and run Validate, so arbitrary bytes yield an error, never a
// panic.

const binaryVersion = 1

type encoder struct{ b []byte }

func newEncoder(magic string) *encoder {
	return &encoder{b: append([]byte(magic), binaryVersion)}
}

func (e *encoder) int(v int) { e.b = binary.LittleEndian.AppendUint64(e.b, uint64(int64(v))) }

func (e *encoder) f32s(s []float32) {
	e.int(len(s))
	for _, v := range s {
		e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(v))
	}
}

func (e *encoder) i32s(s []int32) {
	e.int(len(s))
	for _, v := range s {
		e.b = binary.LittleEndian.AppendUint32(e.b, uint32(v))
	}
}

func (e *encoder) u32s(s []uint32) {
	e.int(len(s))
	for _, v := range s {
		e.b = binary.LittleEndian.AppendUint32(e.b, v)
	}
}

func (e *encoder) u8s(s []uint8) {
	e.int(len(s))
	e.b = append(e.b, s...)
}

type decoder struct {
	b   []byte
	err error
}

func newDecoder(data []byte, magic string) *decoder {
	d := &decoder{b: data}
	if len(data) < len(magic)+1 || string(data[:len(magic)]) != magic {
		d.err = fmt.Errorf("bad magic, want %q: %w", magic, ErrCorrupt)
		return d
	}
	if v := data[len(magic)]; v != binaryVersion {
		d.err = fmt.Errorf("unsupported version %d: %w", v, ErrCorrupt)
		return d
	}
	d.b = data[len(magic)+1:]
	return d
}

func (d *decoder) int() int {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.err = fmt.Errorf("truncated input: %w", ErrCorrupt)
		return 0
	}
	v := int64(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	if v < -maxElems || v > maxElems {
		d.err = fmt.Errorf("integer field %d out of range: %w", v, ErrCorrupt)
		return 0
	}
	return int(v)
}

// count reads a slice length and checks that size bytes per element remain.
func (d *decoder) count(size int) int {
	n := d.int()
	if d.err == nil && (n < 0 || n > len(d.b)/size) {
		d.err = fmt.Errorf("slice of %d elements exceeds %d remaining bytes: %w", n, len(d.b), ErrCorrupt)
	}
	if d.err != nil {
		return 0
	}
	return n
}

func (d *decoder) f32s() []float32 {
	n := d.count(4)
	s := make([]float32, n)
	for i := range s {
		s[i] = math.Float32frombits(binary.LittleEndian.Uint32(d.b[4*i:]))
	}
	d.b = d.b[4*n:]
	return s
}

func (d *decoder) i32s() []int32 {
	n := d.count(4)
	s := make([]int32, n)
	for i := range s {
		s[i] = int32(binary.LittleEndian.Uint32(d.b[4*i:]))
	}
	d.b = d.b[4*n:]
	return s
}

func (d *decoder) u32s() []uint32 {
	n := d.count(4)
	s := make([]uint32, n)
	for i := range s {
		s[i] = binary.LittleEndian.Uint32(d.b[4*i:])
	}
	d.b = d.b[4*n:]
	return s
}

func (d *decoder) u8s() []uint8 {
	n := d.count(1)
	s := append([]uint8(nil), d.b[:n]...)
	d.b = d.b[n:]
	return s
}

func (d *decoder) finish() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes: %w", len(d.b), ErrCorrupt)
	}
	return d.err
}

// MarshalBinary encodes the matrix (magic "HPNM").
func (a *NMMatrix) MarshalBinary() ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("sparse: NMMatrix.MarshalBinary: %w", err)
	}
	e := newEncoder("HPNM")
	for _, v := range []int{a.Rows, a.K, a.N, a.M, int(a.Order.Code())} {
		e.int(v)
	}
	e.f32s(a.Values)
	e.u32s(a.Meta)
	return e.b, nil
}

// UnmarshalBinary decodes and validates a MarshalBinary encoding.
func (a *NMMatrix) UnmarshalBinary(data []byte) error {
	d := newDecoder(data, "HPNM")
	x := NMMatrix{Rows: d.int(), K: d.int(), N: d.int(), M: d.int()}
	x.Order = layout.OrderFromCode(d.int()) // an unknown code fails Validate
	x.Values, x.Meta = d.f32s(), d.u32s()
	if err := d.finish(); err != nil {
		return fmt.Errorf("sparse: NMMatrix.UnmarshalBinary: %w", err)
	}
	if err := x.Validate(); err != nil {
		return fmt.Errorf("sparse: NMMatrix.UnmarshalBinary: %w", err)
	}
	*a = x
	return nil
}

// MarshalBinary encodes the matrix (magic "HCSR").
func (a *CSRMatrix) MarshalBinary() ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("sparse: CSRMatrix.MarshalBinary: %w", err)
	}
	e := newEncoder("HCSR")
	e.int(a.Rows)
	e.int(a.Cols)
	e.i32s(a.RowPtr)
	e.i32s(a.ColIdx)
	e.f32s(a.Values)
	return e.b, nil
}

// UnmarshalBinary decodes and validates a MarshalBinary encoding.
func (a *CSRMatrix) UnmarshalBinary(data []byte) error {
	d := newDecoder(data, "HCSR")
	x := CSRMatrix{Rows: d.int(), Cols: d.int()}
	x.RowPtr, x.ColIdx, x.Values = d.i32s(), d.i32s(), d.f32s()
	if err := d.finish(); err != nil {
		return fmt.Errorf("sparse: CSRMatrix.UnmarshalBinary: %w", err)
	}
	if err := x.Validate(); err != nil {
		return fmt.Errorf("sparse: CSRMatrix.UnmarshalBinary: %w", err)
	}
	*a = x
	return nil
}

// MarshalBinary encodes the matrix (magic "HBSR").
func (a *BSRMatrix) MarshalBinary() ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("sparse: BSRMatrix.MarshalBinary: %w", err)
	}
	e := newEncoder("HBSR")
	for _, v := range []int{a.Rows, a.Cols, a.R, a.C} {
		e.int(v)
	}
	e.i32s(a.RowPtr)
	e.i32s(a.ColIdx)
	e.f32s(a.Values)
	return e.b, nil
}

// UnmarshalBinary decodes and validates a MarshalBinary encoding.
func (a *BSRMatrix) UnmarshalBinary(data []byte) error {
	d := newDecoder(data, "HBSR")
	x := BSRMatrix{Rows: d.int(), Cols: d.int(), R: d.int(), C: d.int()}
	x.RowPtr, x.ColIdx, x.Values = d.i32s(), d.i32s(), d.f32s()
	if err := d.finish(); err != nil {
		return fmt.Errorf("sparse: BSRMatrix.UnmarshalBinary: %w", err)
	}
	if err := x.Validate(); err != nil {
		return fmt.Errorf("sparse: BSRMatrix.UnmarshalBinary: %w", err)
	}
	*a = x
	return nil
}

// MarshalBinary encodes the matrix (magic "HVEC").
func (a *VectorMatrix) MarshalBinary() ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("sparse: VectorMatrix.MarshalBinary: %w", err)
	}
	e := newEncoder("HVEC")
	for _, v := range []int{a.Rows, a.K, a.L, a.P} {
		e.int(v)
	}
	e.f32s(a.Values)
	e.u8s(a.Idx)
	return e.b, nil
}

// UnmarshalBinary decodes and validates a MarshalBinary encoding.
func (a *VectorMatrix) UnmarshalBinary(data []byte) error {
	d := newDecoder(data, "HVEC")
	x := VectorMatrix{Rows: d.int(), K: d.int(), L: d.int(), P: d.int()}
	x.Values, x.Idx = d.f32s(), d.u8s()
	if err := d.finish(); err != nil {
		return fmt.Errorf("sparse: VectorMatrix.UnmarshalBinary: %w", err)
	}
	if err := x.Validate(); err != nil {
		return fmt.Errorf("sparse: VectorMatrix.UnmarshalBinary: %w", err)
	}
	*a = x
	return nil
}

// MarshalBinary encodes the matrix (magic "HGRP").
func (a *GroupMatrix) MarshalBinary() ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("sparse: GroupMatrix.MarshalBinary: %w", err)
	}
	e := newEncoder("HGRP")
	e.int(a.Rows)
	e.int(a.K)
	e.i32s(a.Kept)
	e.f32s(a.Values)
	return e.b, nil
}

// UnmarshalBinary decodes and validates a MarshalBinary encoding.
func (a *GroupMatrix) UnmarshalBinary(data []byte) error {
	d := newDecoder(data, "HGRP")
	x := GroupMatrix{Rows: d.int(), K: d.int()}
	x.Kept, x.Values = d.i32s(), d.f32s()
	if err := d.finish(); err != nil {
		return fmt.Errorf("sparse: GroupMatrix.UnmarshalBinary: %w", err)
	}
	if err := x.Validate(); err != nil {
		return fmt.Errorf("sparse: GroupMatrix.UnmarshalBinary: %w", err)
	}
	*a = x
	return nil
}
