package layout

import (
	"slices"
	"testing"
)

func TestPattern(t *testing.T) {
	for _, s := range []string{"2:4", "1:4", "4:8", "15:16"} {
		if _, err := ParsePattern(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"4:4", "0:4", "2:17", "8:32", "x", "2:", "3:2"} {
		if _, err := ParsePattern(s); err == nil {
			t.Errorf("%s accepted", s)
		}
	}
}

func TestOrder(t *testing.T) {
	for in, want := range map[string]Order{"": OrderWidth, "paper": OrderWidth, "ASP": OrderChannels, "channels": OrderChannels} {
		if got, err := ParseOrder(in); err != nil || got != want {
			t.Errorf("ParseOrder(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseOrder("rows"); err == nil {
		t.Error("ParseOrder(rows) accepted")
	}
	for _, o := range []Order{OrderWidth, OrderChannels} {
		if OrderFromCode(int(o.Code())) != o {
			t.Errorf("code round trip of %v", o)
		}
	}
	if OrderFromCode(7).Validate() == nil || Order("x").Code() != 255 {
		t.Error("unknown codes and orders must stay invalid")
	}
}

// TestConvPerm: 2 channels of a 2x2 kernel; width order is (c, y, x), channels order (y, x, c).
func TestConvPerm(t *testing.T) {
	c := Conv{InC: 2, InH: 5, InW: 5, Kernel: 2, Stride: 1}
	p, err := c.Perm(OrderWidth, OrderChannels)
	if err != nil {
		t.Fatal(err)
	}
	// channels position j = (y*2+x)*2+ch holds width position (ch*2+y)*2+x.
	if want := []int{0, 4, 1, 5, 2, 6, 3, 7}; !slices.Equal(p, want) {
		t.Fatalf("perm = %v, want %v", p, want)
	}
	back, _ := c.Perm(OrderChannels, OrderWidth)
	for j := range p {
		if p[back[j]] != j {
			t.Fatalf("perms are not inverse: %v %v", p, back)
		}
	}
	if h, w := (Conv{InC: 3, InH: 32, InW: 32, Kernel: 11, Stride: 4, Padding: 5}).OutSize(); h != 8 || w != 8 {
		t.Fatalf("AlexNet conv1 output %dx%d, want 8x8", h, w)
	}
	for _, bad := range []Conv{{}, {InC: 1, InH: 2, InW: 2, Kernel: 5, Stride: 1}, {InC: 1, InH: 4, InW: 4, Kernel: 3, Stride: 0}} {
		if bad.Validate() == nil {
			t.Errorf("Validate(%+v) accepted", bad)
		}
	}
}
