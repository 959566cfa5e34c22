package data

import (
	"fmt"
	"math"
)

// svhnSize is the side of SVHN's cropped-digit images.
const svhnSize = 32

// decodeSVHN builds the SVHN dataset from the content of a cropped-digits MAT-file
// (train_32x32.mat, test_32x32.mat): X is uint8 32x32x3xN in MATLAB's column-major layout
// (row, column, channel, image), y is Nx1 with labels 1-10, where 10 stands for digit 0.
func decodeSVHN(b []byte, path string) (*Dataset, error) {
	vars, err := readMATv5(b, path)
	if err != nil {
		return nil, err
	}
	x, y := vars["X"], vars["y"]
	for _, nv := range []struct {
		name string
		v    *matVar
	}{{"X", x}, {"y", y}} {
		name, v := nv.name, nv.v
		if v == nil {
			return nil, fmt.Errorf("data: %s: MAT-file has no variable %q, expected SVHN variables X (32x32x3xN uint8) and y (Nx1)", path, name)
		}
		if !v.numeric() {
			return nil, fmt.Errorf("data: %s: variable %q has MAT class %d (complex=%v), expected a real numeric array", path, name, v.Class, v.Complex)
		}
	}
	if len(x.Dims) != 4 || x.Dims[0] != svhnSize || x.Dims[1] != svhnSize || x.Dims[2] != 3 {
		return nil, fmt.Errorf("data: %s: variable X has dimensions %v, expected [32 32 3 N]", path, x.Dims)
	}
	n := x.Dims[3]
	if len(y.Dims) != 2 || y.numel() != n || (y.Dims[0] != 1 && y.Dims[1] != 1) {
		return nil, fmt.Errorf("data: %s: record count mismatch: variable y has dimensions %v, expected [%d 1] to match X's %d images", path, y.Dims, n, n)
	}
	pix, err := x.uint8s(path)
	if err != nil {
		return nil, err
	}
	if err := y.checkData(path); err != nil {
		return nil, err
	}
	labels := make([]int32, n)
	for i := range labels {
		l := y.at(i)
		if l != math.Trunc(l) || l < 0 || l > 10 {
			return nil, fmt.Errorf("data: %s: label %v of example %d is out of range, expected an integer in 1-10 (10 = digit 0)", path, l, i)
		}
		labels[i] = int32(l) % 10
	}
	// Column-major (r, c, ch, n) -> NCHW: within each 32x32 plane, element (r, c) moves from
	// c*32+r to r*32+c.
	const plane = svhnSize * svhnSize
	images := make([]uint8, len(pix))
	for base := 0; base < len(pix); base += plane {
		src, dst := pix[base:base+plane], images[base:base+plane]
		for c := 0; c < svhnSize; c++ {
			col := src[c*svhnSize : (c+1)*svhnSize]
			for r, v := range col {
				dst[r*svhnSize+c] = v
			}
		}
	}
	return &Dataset{
		Name: "svhn", Images: images, Labels: labels,
		N: n, C: 3, H: svhnSize, W: svhnSize,
		NumClasses: 10, ClassNames: append([]string(nil), digitNames...),
	}, nil
}

// ReadSVHN reads an SVHN cropped-digits MAT-file (train_32x32.mat or test_32x32.mat, MATLAB v5
// format, optionally gzip-compressed) into a Dataset of N x 3 x 32 x 32 images; label 10 (digit
// 0) becomes 0. It does not check md5 sums (Load does).
func ReadSVHN(path string) (*Dataset, error) {
	b, _, err := readContent(path)
	if err != nil {
		return nil, err
	}
	return decodeSVHN(b, path)
}
