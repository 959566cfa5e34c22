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
