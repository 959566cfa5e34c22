package sparse

// N:M index metadata layout.
//
// Each kept value j of a row (j = 0 .. KeptPerRow-1, group g = j / N) carries
// the position of that value inside its group of M consecutive K columns, an
// integer in [0, M). Positions are stored as fixed-width bit fields:
//
//	bits = 2 for M <= 4, 4 for 4 < M <= 16
//	field j occupies bits [j*bits%32, j*bits%32+bits) of Meta word row*stride + j*bits/32
//
// i.e. a little-endian bit stream per row, padded to whole uint32 words so
// rows are independent (stride = ceil(KeptPerRow*bits/32)); padding bits are 0.
// Within a group the N positions are strictly increasing.
//
// Relation to NVIDIA 2:4 metadata: for 2:4 each group contributes two 2-bit
// fields back to back, so group g is the 4-bit nibble
// (Meta >> (4*(g%8))) & 0xF = idx0 | idx1<<2 with idx0 < idx1, eight groups
// (32 dense columns, 16 kept values) per uint32. That is exactly the logical
// encoding of the sparse-tensor-core selector (PTX mma.sp: one nibble of two
// 2-bit indices per group of four, lowest group in the lowest bits, a group
// with a single non-zero padded with an explicit zero). NVIDIA additionally
// interleaves the nibbles of different rows to match the mma fragment layout,
// and cuSPARSELt's compressed matrix is opaque (built by
// cusparseLtSpMMACompress from the dense pruned matrix), so hand it
// Decompress() output, not these words. The same stream stores 1:4 (one
// 2-bit field per group) and wider patterns (4-bit fields, e.g. 4:8).

// metaBits is the width of one position field for group size m.
func metaBits(m int) int {
	if m <= 4 {
		return 2
	}
	return 4
}

// metaStride is the number of uint32 words per row for kept values per row.
func metaStride(kept, bits int) int { return (kept*bits + 31) / 32 }

// metaGet returns field j of a row's metadata words.
func metaGet(row []uint32, j, bits int) int {
	bit := j * bits
	return int(row[bit/32]>>(bit%32)) & (1<<bits - 1)
}

// metaSet stores field j (the field must be zero before).
func metaSet(row []uint32, j, bits, v int) {
	bit := j * bits
	row[bit/32] |= uint32(v) << (bit % 32)
}
