package data

import (
	"encoding/binary"
	"fmt"
)

// IDX magic numbers (big-endian uint32: 0x0000, data type 0x08 = unsigned byte, number of
// dimensions) of the MNIST files.
const (
	idxMagicImages = 2051 // 0x00000803: uint8, 3 dimensions (N, rows, cols)
	idxMagicLabels = 2049 // 0x00000801: uint8, 1 dimension (N)
)

// MNIST image geometry: the files hold 28x28 digits; Load pads them to 32x32.
const (
	mnistSize = 28
	mnistPad  = 2
)

// decodeIDX parses an idx file of unsigned bytes whose magic must be want; it returns the
// dimensions and the data. The data must be exactly the product of the dimensions long.
func decodeIDX(b []byte, path string, want uint32) ([]int, []byte, error) {
	if len(b) < 4 {
		return nil, nil, fmt.Errorf("data: %s: truncated idx file: %d bytes, expected at least a 4-byte magic number", path, len(b))
	}
	magic := binary.BigEndian.Uint32(b)
	if magic != want {
		return nil, nil, fmt.Errorf("data: %s: wrong idx magic number %d (0x%08x), expected %d (0x%08x)", path, magic, magic, want, want)
	}
	ndim := int(want & 0xff)
	hdr := 4 + 4*ndim
	if len(b) < hdr {
		return nil, nil, fmt.Errorf("data: %s: truncated idx header: %d bytes, expected %d", path, len(b), hdr)
	}
	dims := make([]int, ndim)
	size := 1
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(b[4+4*i:]))
		size *= dims[i]
	}
	body := b[hdr:]
	if len(body) < size {
		return nil, nil, fmt.Errorf("data: %s: truncated idx file: header declares dimensions %v (%d bytes of data) but only %d bytes follow",
			path, dims, size, len(body))
	}
	if len(body) > size {
		return nil, nil, fmt.Errorf("data: %s: idx file has %d bytes of data, expected %d for dimensions %v", path, len(body), size, dims)
	}
	return dims, body, nil
}

// decodeMNIST builds the padded MNIST dataset from the content of an idx images file and an idx
// labels file.
func decodeMNIST(imgBytes []byte, imgPath string, lblBytes []byte, lblPath string) (*Dataset, error) {
	dims, pix, err := decodeIDX(imgBytes, imgPath, idxMagicImages)
	if err != nil {
		return nil, err
	}
	if dims[1] != mnistSize || dims[2] != mnistSize {
		return nil, fmt.Errorf("data: %s: images are %dx%d, expected %dx%d", imgPath, dims[1], dims[2], mnistSize, mnistSize)
	}
	ldims, lbl, err := decodeIDX(lblBytes, lblPath, idxMagicLabels)
	if err != nil {
		return nil, err
	}
	n := dims[0]
	if ldims[0] != n {
		return nil, fmt.Errorf("data: record count mismatch: %s holds %d images but %s holds %d labels", imgPath, n, lblPath, ldims[0])
	}
	labels := make([]int32, n)
	for i, l := range lbl {
		if l > 9 {
			return nil, fmt.Errorf("data: %s: label %d of example %d is out of range [0, 10)", lblPath, l, i)
		}
		labels[i] = int32(l)
	}
	const out = mnistSize + 2*mnistPad
	images := make([]uint8, n*out*out)
	for i := 0; i < n; i++ {
		src := pix[i*mnistSize*mnistSize:]
		dst := images[i*out*out:]
		for r := 0; r < mnistSize; r++ {
			copy(dst[(r+mnistPad)*out+mnistPad:(r+mnistPad)*out+mnistPad+mnistSize], src[r*mnistSize:(r+1)*mnistSize])
		}
	}
	return &Dataset{
		Name: "mnist", Images: images, Labels: labels,
		N: n, C: 1, H: out, W: out,
		NumClasses: 10, ClassNames: append([]string(nil), digitNames...),
	}, nil
}

// ReadMNIST reads an MNIST idx images file (magic 2051, N x 28 x 28) and an idx labels file
// (magic 2049, N), each plain or gzip-compressed, into a Dataset of N x 1 x 32 x 32 images: every
// 28x28 digit is zero-padded by 2 pixels on each side. It does not check md5 sums (Load does).
func ReadMNIST(imagesPath, labelsPath string) (*Dataset, error) {
	img, _, err := readContent(imagesPath)
	if err != nil {
		return nil, err
	}
	lbl, _, err := readContent(labelsPath)
	if err != nil {
		return nil, err
	}
	return decodeMNIST(img, imagesPath, lbl, labelsPath)
}
