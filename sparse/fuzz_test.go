package sparse

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/hybridprune/hybridprune/internal/testmat"
)

// Fuzz targets for every decoder and validator of a compressed format:
// arbitrary input must produce an error or a valid matrix, never a panic.
// Valid small results must survive Decompress and a binary round trip.

// decompressible bounds the dense size the fuzz bodies expand.
func decompressible(rows, k int) bool {
	n, ok := mul(rows, k)
	return ok && n <= 1<<16
}

type fuzzCodec interface {
	UnmarshalBinary([]byte) error
	MarshalBinary() ([]byte, error)
	Validate() error
	Decompress() ([]float32, error)
}

func fuzzDecode(t *testing.T, data []byte, fresh func() fuzzCodec, size func(fuzzCodec) (int, int)) {
	x := fresh()
	if err := x.UnmarshalBinary(data); err != nil {
		return
	}
	if err := x.Validate(); err != nil {
		t.Fatalf("decoded matrix fails Validate: %v", err)
	}
	enc, err := x.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	y := fresh()
	if err := y.UnmarshalBinary(enc); err != nil {
		t.Fatalf("re-decode: %v", err)
	}
	if r, c := size(x); decompressible(r, c) {
		if _, err := x.Decompress(); err != nil {
			t.Fatalf("Decompress of valid matrix: %v", err)
		}
	}
}

func seedEncodings(f *testing.F, encs ...[]byte) {
	for _, e := range encs {
		f.Add(e)
		if len(e) > 10 {
			f.Add(e[:len(e)/2])
		}
	}
	f.Add([]byte{})
	f.Add([]byte("HPNM\x01"))
}

func FuzzNMUnmarshal(f *testing.F) {
	for _, pat := range [][2]int{{2, 4}, {1, 4}, {4, 8}} {
		a := testmat.RandMatrix(3*10, 1)
		testmat.PruneNM(a, 3, 10, pat[0], pat[1])
		nm, _ := CompressNM(a, 3, 10, pat[0], pat[1], OrderWidth)
		enc, _ := nm.MarshalBinary()
		seedEncodings(f, enc)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, data, func() fuzzCodec { return &NMMatrix{} }, func(x fuzzCodec) (int, int) { m := x.(*NMMatrix); return m.Rows, m.KPad() })
	})
}

// FuzzNMValidate builds an NMMatrix straight from fuzzed integers and words
// (no decoder in between) and checks Validate/Decompress/NewNMPlan.
func FuzzNMValidate(f *testing.F) {
	f.Add(2, 8, 2, 4, uint8(0), []byte{0x4d, 0x48, 0, 0, 0x4d, 0x48, 0, 0}, 4)
	f.Add(1, 3, 1, 4, uint8(1), []byte{3, 0, 0, 0}, 1)
	f.Add(-1, math.MaxInt, 15, 16, uint8(7), []byte{}, 0)
	f.Fuzz(func(t *testing.T, rows, k, n, m int, order uint8, meta []byte, nvals int) {
		x := &NMMatrix{Rows: rows, K: k, N: n, M: m, Order: GroupOrder(order)}
		for i := 0; i+4 <= len(meta); i += 4 {
			x.Meta = append(x.Meta, binary.LittleEndian.Uint32(meta[i:]))
		}
		if nvals > 0 && nvals <= 1<<12 {
			x.Values = testmat.RandMatrix(nvals, uint64(nvals))
		}
		if err := x.Validate(); err != nil {
			if _, err2 := x.Decompress(); err2 == nil {
				t.Fatal("Decompress accepted an invalid matrix")
			}
			return
		}
		if decompressible(x.Rows, x.K) {
			if _, err := x.Decompress(); err != nil {
				t.Fatal(err)
			}
			p, err := NewNMPlan(x)
			if err != nil {
				t.Fatal(err)
			}
			b := make([]float32, x.K*3)
			c := make([]float32, x.Rows*3)
			if err := p.MatMul(b, 3, c); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func FuzzCSRUnmarshal(f *testing.F) {
	a := testmat.RandMatrix(5*9, 2)
	testmat.RandSparse(a, 0.3, 3)
	csr, _ := CompressCSR(a, 5, 9)
	enc, _ := csr.MarshalBinary()
	seedEncodings(f, enc)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, data, func() fuzzCodec { return &CSRMatrix{} }, func(x fuzzCodec) (int, int) { m := x.(*CSRMatrix); return m.Rows, m.Cols })
	})
}

func FuzzBSRUnmarshal(f *testing.F) {
	a := testmat.RandMatrix(5*9, 2)
	testmat.RandSparse(a, 0.1, 3)
	bsr, _ := CompressBSR(a, 5, 9, 2, 4)
	enc, _ := bsr.MarshalBinary()
	seedEncodings(f, enc)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, data, func() fuzzCodec { return &BSRMatrix{} }, func(x fuzzCodec) (int, int) { m := x.(*BSRMatrix); return m.Rows, m.Cols })
	})
}

func FuzzVectorUnmarshal(f *testing.F) {
	a := testmat.RandMatrix(3*40, 2)
	testmat.PruneNM(a, 3, 40, 3, 16)
	v, _ := CompressVector(a, 3, 40, 16, 3)
	enc, _ := v.MarshalBinary()
	seedEncodings(f, enc)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, data, func() fuzzCodec { return &VectorMatrix{} }, func(x fuzzCodec) (int, int) { m := x.(*VectorMatrix); return m.Rows, m.KPad() })
	})
}

func FuzzGroupUnmarshal(f *testing.F) {
	a := testmat.RandMatrix(4*12, 2)
	testmat.PruneColumns(a, 4, 12, 5)
	g, _ := CompressGroup(a, 4, 12)
	enc, _ := g.MarshalBinary()
	seedEncodings(f, enc)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, data, func() fuzzCodec { return &GroupMatrix{} }, func(x fuzzCodec) (int, int) { m := x.(*GroupMatrix); return m.Rows, m.K })
	})
}

// FuzzCompressNM feeds arbitrary dense bytes (as float32) and patterns to
// CompressNM: it must either reject with an error or round-trip exactly.
func FuzzCompressNM(f *testing.F) {
	f.Add([]byte{0, 0, 128, 63, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, 0}, 1, 4, 2, 4)
	f.Fuzz(func(t *testing.T, raw []byte, rows, k, n, m int) {
		vals := make([]float32, len(raw)/4)
		for i := range vals {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		nm, err := CompressNM(vals, rows, k, n, m, OrderWidth)
		if err != nil {
			return
		}
		back, err := nm.Decompress()
		if err != nil {
			t.Fatal(err)
		}
		for i := range back {
			if math.Float32bits(back[i]) != math.Float32bits(vals[i]) && !(back[i] == 0 && vals[i] == 0) {
				t.Fatalf("value %d: %v -> %v", i, vals[i], back[i])
			}
		}
	})
}
