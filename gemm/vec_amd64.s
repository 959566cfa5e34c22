//go:build amd64

#include "textflag.h"

// func signsAVX(dst, src []float32, n8 int)
//
// dst[i] = sign of src[i] for i < n8 (a multiple of 8): -1, 0 or 1, and 0 for NaN (the ordered
// compare x != 0 is false for both zeros and NaN). Needs AVX2 (the register broadcast).
TEXT ·signsAVX(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ n8+48(FP), CX
	MOVL $0x80000000, AX
	MOVQ AX, X8
	VBROADCASTSS X8, Y8
	MOVL $0x3f800000, AX
	MOVQ AX, X9
	VBROADCASTSS X9, Y9
	VXORPS Y10, Y10, Y10

sgn16:
	CMPQ CX, $16
	JL   sgn8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VCMPPS  $0x0C, Y10, Y0, Y2
	VCMPPS  $0x0C, Y10, Y1, Y3
	VANDPS  Y8, Y0, Y0
	VANDPS  Y8, Y1, Y1
	VORPS   Y9, Y0, Y0
	VORPS   Y9, Y1, Y1
	VANDPS  Y2, Y0, Y0
	VANDPS  Y3, Y1, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     sgn16

sgn8:
	CMPQ CX, $8
	JL   sgndone
	VMOVUPS (SI), Y0
	VCMPPS  $0x0C, Y10, Y0, Y2
	VANDPS  Y8, Y0, Y0
	VORPS   Y9, Y0, Y0
	VANDPS  Y2, Y0, Y0
	VMOVUPS Y0, (DI)

sgndone:
	VZEROUPPER
	RET

// func nonZerosAVX(x []float32, n8 int) int
//
// Returns how many of x[:n8] (n8 a multiple of 8) are non-zero: the unordered compare x != 0 is
// false for both zeros and true for NaN, as countNonZeros' bit test. Needs AVX and POPCNT.
TEXT ·nonZerosAVX(SB), NOSPLIT, $0-40
	MOVQ x_base+0(FP), SI
	MOVQ n8+24(FP), CX
	XORQ AX, AX
	VXORPS Y10, Y10, Y10

nz32:
	CMPQ      CX, $32
	JL        nz8
	VCMPPS    $0x04, (SI), Y10, Y0
	VCMPPS    $0x04, 32(SI), Y10, Y1
	VCMPPS    $0x04, 64(SI), Y10, Y2
	VCMPPS    $0x04, 96(SI), Y10, Y3
	VMOVMSKPS Y0, BX
	VMOVMSKPS Y1, DX
	VMOVMSKPS Y2, R8
	VMOVMSKPS Y3, R9
	SHLL      $8, DX
	SHLL      $16, R8
	SHLL      $24, R9
	ORL       DX, BX
	ORL       R9, R8
	ORL       R8, BX
	POPCNTL   BX, BX
	ADDQ      BX, AX
	ADDQ      $128, SI
	SUBQ      $32, CX
	JMP       nz32

nz8:
	CMPQ      CX, $8
	JL        nzdone
	VCMPPS    $0x04, (SI), Y10, Y0
	VMOVMSKPS Y0, BX
	POPCNTL   BX, BX
	ADDQ      BX, AX
	ADDQ      $32, SI
	SUBQ      $8, CX
	JMP       nz8

nzdone:
	VZEROUPPER
	MOVQ AX, ret+32(FP)
	RET
