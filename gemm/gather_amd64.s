//go:build amd64

#include "textflag.h"

// func gatherAVX512(dst []float32, src []int32, a []float32, n16 int) int
//
// dst[i] = a[src[i]] for i < n16 (a multiple of 16), 0 where src[i] < 0 (the gather's mask
// skips those lanes of a zeroed register), and returns how many of the values are non-zero (the
// unordered compare x != 0: false for both zeros, true for NaN). No bounds checks: the caller
// guarantees every non-negative src[i] < len(a). Needs AVX-512F and POPCNT.
TEXT ·gatherAVX512(SB), NOSPLIT, $0-88
	MOVQ       dst_base+0(FP), DI
	MOVQ       src_base+24(FP), SI
	MOVQ       a_base+48(FP), DX
	MOVQ       n16+72(FP), CX
	XORQ       AX, AX
	VPTERNLOGD $0xff, Z9, Z9, Z9 // all -1: a lane gathers where src > -1
	VPXORD     Z10, Z10, Z10

g32:
	CMPQ       CX, $32
	JL         g16
	VMOVDQU32  (SI), Z1
	VMOVDQU32  64(SI), Z3
	VPCMPGTD   Z9, Z1, K1
	VPCMPGTD   Z9, Z3, K2
	VPXORD     Z2, Z2, Z2
	VPXORD     Z4, Z4, Z4
	VGATHERDPS (DX)(Z1*4), K1, Z2
	VGATHERDPS (DX)(Z3*4), K2, Z4
	VMOVUPS    Z2, (DI)
	VMOVUPS    Z4, 64(DI)
	VCMPPS     $0x04, Z10, Z2, K3
	VCMPPS     $0x04, Z10, Z4, K4
	KMOVW      K3, BX
	KMOVW      K4, R8
	POPCNTL    BX, BX
	POPCNTL    R8, R8
	ADDQ       BX, AX
	ADDQ       R8, AX
	ADDQ       $128, SI
	ADDQ       $128, DI
	SUBQ       $32, CX
	JMP        g32

g16:
	CMPQ       CX, $16
	JL         gdone
	VMOVDQU32  (SI), Z1
	VPCMPGTD   Z9, Z1, K1
	VPXORD     Z2, Z2, Z2
	VGATHERDPS (DX)(Z1*4), K1, Z2
	VMOVUPS    Z2, (DI)
	VCMPPS     $0x04, Z10, Z2, K3
	KMOVW      K3, BX
	POPCNTL    BX, BX
	ADDQ       BX, AX

gdone:
	VZEROUPPER
	MOVQ       AX, ret+80(FP)
	RET

// func gatherAVX2(dst []float32, src []int32, a []float32, n8 int) int
//
// gatherAVX512 on 8 lanes: the gather's mask is the sign bit of NOT src (set where src >= 0).
// Needs AVX2 and POPCNT.
TEXT ·gatherAVX2(SB), NOSPLIT, $0-88
	MOVQ       dst_base+0(FP), DI
	MOVQ       src_base+24(FP), SI
	MOVQ       a_base+48(FP), DX
	MOVQ       n8+72(FP), CX
	XORQ       AX, AX
	VPCMPEQD   Y9, Y9, Y9
	VXORPS     Y10, Y10, Y10

a16:
	CMPQ       CX, $16
	JL         a8
	VMOVDQU    (SI), Y1
	VMOVDQU    32(SI), Y3
	VPXOR      Y9, Y1, Y5
	VPXOR      Y9, Y3, Y6
	VXORPS     Y2, Y2, Y2
	VXORPS     Y4, Y4, Y4
	VGATHERDPS Y5, (DX)(Y1*4), Y2
	VGATHERDPS Y6, (DX)(Y3*4), Y4
	VMOVUPS    Y2, (DI)
	VMOVUPS    Y4, 32(DI)
	VCMPPS     $0x04, Y10, Y2, Y7
	VCMPPS     $0x04, Y10, Y4, Y8
	VMOVMSKPS  Y7, BX
	VMOVMSKPS  Y8, R8
	POPCNTL    BX, BX
	POPCNTL    R8, R8
	ADDQ       BX, AX
	ADDQ       R8, AX
	ADDQ       $64, SI
	ADDQ       $64, DI
	SUBQ       $16, CX
	JMP        a16

a8:
	CMPQ       CX, $8
	JL         adone
	VMOVDQU    (SI), Y1
	VPXOR      Y9, Y1, Y5
	VXORPS     Y2, Y2, Y2
	VGATHERDPS Y5, (DX)(Y1*4), Y2
	VMOVUPS    Y2, (DI)
	VCMPPS     $0x04, Y10, Y2, Y7
	VMOVMSKPS  Y7, BX
	POPCNTL    BX, BX
	ADDQ       BX, AX

adone:
	VZEROUPPER
	MOVQ       AX, ret+80(FP)
	RET
