package layout

import (
	"fmt"
	"strings"
)

// Order says how the K axis of a convolution filter (in, kh, kw) is flattened, and therefore
// which weights fall into one N:M group of M consecutive K positions. The im2col matrix must use
// the same order for its rows, so the engine lays out im2col to match the compressed weights.
type Order string

// The supported orders.
const (
	// OrderWidth flattens an OIHW filter as (in, kh, kw) with kw fastest (PyTorch's
	// weight.view(out, -1)): groups run along the kernel width, the paper's 2:4 structure.
	OrderWidth Order = "width"
	// OrderChannels flattens (kh, kw, in) with in fastest (NVIDIA ASP, cuDNN NHWC): a group holds
	// M input channels at one kernel position ("permuted 2:4 structure" in the paper's Table 2).
	OrderChannels Order = "channels"
)

// ParseOrder parses "width" (also "" and "paper") or "channels" (also "permuted", "asp").
func ParseOrder(s string) (Order, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "width", "paper":
		return OrderWidth, nil
	case "channels", "channel", "permuted", "asp":
		return OrderChannels, nil
	}
	return "", fmt.Errorf("unknown group order %q (want width or channels)", s)
}

// Validate reports whether the order is one of the supported ones.
func (o Order) Validate() error {
	if o != OrderWidth && o != OrderChannels {
		return fmt.Errorf("unknown group order %q (want width or channels)", string(o))
	}
	return nil
}

// String returns the order's name.
func (o Order) String() string { return string(o) }

// Code is the order's number in binary encodings (width 0, channels 1; 255 for an invalid
// order).
func (o Order) Code() uint8 {
	switch o {
	case OrderWidth:
		return 0
	case OrderChannels:
		return 1
	}
	return 255
}

// OrderFromCode is the inverse of Code; an unknown code gives an order that fails Validate.
func OrderFromCode(c int) Order {
	switch c {
	case 0:
		return OrderWidth
	case 1:
		return OrderChannels
	}
	return Order(fmt.Sprintf("code-%d", c))
}
