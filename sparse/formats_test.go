package sparse

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/gemm/gemmtest"
	"github.com/hybridprune/hybridprune/internal/testmat"
)

func TestCompressNMRoundTrip(t *testing.T) {
	for _, pat := range [][2]int{{2, 4}, {1, 4}, {4, 8}, {1, 2}, {3, 5}, {15, 16}} {
		for _, s := range gemmtest.Shapes {
			rows, k := s[0], s[2]
			a := testmat.RandMatrix(rows*k, 7)
			testmat.PruneNM(a, rows, k, pat[0], pat[1])
			nm, err := CompressNM(a, rows, k, pat[0], pat[1], OrderChannels)
			if err != nil {
				t.Fatal(err)
			}
			if err := nm.Validate(); err != nil {
				t.Fatal(err)
			}
			back, err := nm.Decompress()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a, back) {
				t.Fatalf("%v %v: round trip differs", pat, s)
			}
			enc, err := nm.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var dec NMMatrix
			if err := dec.UnmarshalBinary(enc); err != nil {
				t.Fatal(err)
			}
			if dec.Order != OrderChannels || !slices.Equal(dec.Values, nm.Values) || !slices.Equal(dec.Meta, nm.Meta) {
				t.Fatalf("%v: binary round trip differs", pat)
			}
		}
	}
}

func TestCompressNMRejects(t *testing.T) {
	// Row 1, group 1 (columns 4..7) has three non-zeros.
	a := []float32{
		1, 0, 2, 0, 0, 0, 0, 3,
		0, 1, 0, 1, 1, 1, 0, 1,
	}
	_, err := CompressNM(a, 2, 8, 2, 4, OrderWidth)
	if !errors.Is(err, ErrPattern) || !strings.Contains(err.Error(), "row 1 group 1") {
		t.Fatalf("err = %v, want ErrPattern naming row 1 group 1", err)
	}
	if err := CheckNM(a, 2, 8, 2, 4); !errors.Is(err, ErrPattern) {
		t.Fatalf("CheckNM err = %v", err)
	}
	for _, bad := range [][2]int{{0, 4}, {4, 4}, {5, 4}, {2, 17}} {
		if _, err := CompressNM(a, 2, 8, bad[0], bad[1], OrderWidth); !errors.Is(err, ErrShape) {
			t.Errorf("pattern %v: err = %v, want ErrShape", bad, err)
		}
	}
	if _, err := CompressNM(a[:15], 2, 8, 2, 4, OrderWidth); !errors.Is(err, ErrShape) {
		t.Errorf("short input: err = %v", err)
	}
}

// TestNMMetadataLayout pins the documented bit layout: for 2:4, group g is
// nibble g of the row's words, idx0 | idx1<<2 (NVIDIA's logical encoding).
func TestNMMetadataLayout(t *testing.T) {
	a := []float32{
		0, 5, 0, 6, // positions 1,3 -> nibble 1|3<<2 = 0xD
		7, 8, 0, 0, // 0,1 -> 0x4
		0, 0, 9, 0, // single non-zero at 2: padded with 0 -> positions 0,2 -> 0x8
		0, 0, 0, 0, // empty: positions 0,1 -> 0x4
		1, 2, // K=18: last group columns 16,17 real, 18,19 padding -> 0x4
	}
	nm, err := CompressNM(a, 1, 18, 2, 4, OrderWidth)
	if err != nil {
		t.Fatal(err)
	}
	if nm.KPad() != 20 || nm.KeptPerRow() != 10 || nm.MetaStride() != 1 {
		t.Fatalf("KPad %d kept %d stride %d", nm.KPad(), nm.KeptPerRow(), nm.MetaStride())
	}
	if want := uint32(0x4484D); nm.Meta[0] != want {
		t.Fatalf("meta = %#x, want %#x", nm.Meta[0], want)
	}
	if want := []float32{5, 6, 7, 8, 0, 9, 0, 0, 1, 2}; !slices.Equal(nm.Values, want) {
		t.Fatalf("values = %v, want %v", nm.Values, want)
	}
}

func TestNMValidateCatches(t *testing.T) {
	a := testmat.RandMatrix(3*16, 1)
	testmat.PruneNM(a, 3, 16, 2, 4)
	good, _ := CompressNM(a, 3, 16, 2, 4, OrderWidth)
	mutate := map[string]func(x *NMMatrix){
		"descending":  func(x *NMMatrix) { x.Meta[0] = x.Meta[0]&^0xF | 0x1<<2 | 0x1 }, // 1,1
		"short vals":  func(x *NMMatrix) { x.Values = x.Values[1:] },
		"short meta":  func(x *NMMatrix) { x.Meta = x.Meta[:1] },
		"pad bits":    func(x *NMMatrix) { x.Meta[0] |= 1 << 31; x.K = 14 },
		"bad pattern": func(x *NMMatrix) { x.N = 4 },
		"bad order":   func(x *NMMatrix) { x.Order = "rows" },
	}
	for name, f := range mutate {
		x := *good
		x.Values = slices.Clone(good.Values)
		x.Meta = slices.Clone(good.Meta)
		f(&x)
		if err := x.Validate(); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Validate = %v, want ErrCorrupt", name, err)
		}
		if _, err := x.Decompress(); err == nil {
			t.Errorf("%s: Decompress accepted", name)
		}
	}
}

func TestOtherFormatsRoundTrip(t *testing.T) {
	for _, s := range gemmtest.Shapes {
		rows, k := s[0], s[2]
		a := testmat.RandMatrix(rows*k, 3)
		testmat.RandSparse(a, 0.3, 4)
		csr, err := CompressCSR(a, rows, k)
		if err != nil {
			t.Fatal(err)
		}
		bsr, err := CompressBSR(a, rows, k, 4, 3)
		if err != nil {
			t.Fatal(err)
		}
		v := slices.Clone(a)
		testmat.PruneNM(v, rows, k, 5, 32)
		vec, err := CompressVector(v, rows, k, 32, 5)
		if err != nil {
			t.Fatal(err)
		}
		g := slices.Clone(a)
		testmat.PruneColumns(g, rows, k, k/2)
		grp, err := CompressGroup(g, rows, k)
		if err != nil {
			t.Fatal(err)
		}
		type codec interface {
			Decompress() ([]float32, error)
			MarshalBinary() ([]byte, error)
			Validate() error
		}
		for _, tc := range []struct {
			name  string
			x     codec
			dense []float32
			fresh codec
		}{
			{"csr", csr, a, &CSRMatrix{}},
			{"bsr", bsr, a, &BSRMatrix{}},
			{"vector", vec, v, &VectorMatrix{}},
			{"group", grp, g, &GroupMatrix{}},
		} {
			back, err := tc.x.Decompress()
			if err != nil || !slices.Equal(back, tc.dense) {
				t.Fatalf("%s %v: decompress differs (err %v)", tc.name, s, err)
			}
			enc, err := tc.x.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.fresh.(interface{ UnmarshalBinary([]byte) error }).UnmarshalBinary(enc); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			back, err = tc.fresh.Decompress()
			if err != nil || !slices.Equal(back, tc.dense) {
				t.Fatalf("%s %v: binary round trip differs (err %v)", tc.name, s, err)
			}
		}
	}
}

func TestPatternRejects(t *testing.T) {
	a := []float32{1, 1, 1, 0, 0, 0, 0, 1}
	if _, err := CompressVector(a, 1, 8, 4, 2); !errors.Is(err, ErrPattern) || !strings.Contains(err.Error(), "row 0 vector 0") {
		t.Errorf("CompressVector err = %v", err)
	}
	if _, err := GroupFromColumns(a, 2, 4, []int{0, 1, 2}); !errors.Is(err, ErrPattern) || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("GroupFromColumns err = %v", err)
	}
	if _, err := GroupFromColumns(a, 2, 4, []int{2, 1}); !errors.Is(err, ErrShape) {
		t.Errorf("unsorted kept: err = %v", err)
	}
	if _, err := CompressBSR(a, 2, 4, 0, 1); !errors.Is(err, ErrShape) {
		t.Errorf("bad block: err = %v", err)
	}
}

func TestUnmarshalRejects(t *testing.T) {
	a := testmat.RandMatrix(4*8, 1)
	testmat.PruneNM(a, 4, 8, 2, 4)
	nm, _ := CompressNM(a, 4, 8, 2, 4, OrderWidth)
	enc, _ := nm.MarshalBinary()
	var x NMMatrix
	for _, bad := range [][]byte{nil, enc[:3], enc[:len(enc)-1], append(slices.Clone(enc), 0), append([]byte("HCSR"), enc[4:]...)} {
		if err := x.UnmarshalBinary(bad); !errors.Is(err, ErrCorrupt) {
			t.Errorf("len %d: err = %v, want ErrCorrupt", len(bad), err)
		}
	}
}
