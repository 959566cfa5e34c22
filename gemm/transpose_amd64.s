//go:build amd64

#include "textflag.h"

// func transpose8x8sAVX(nb int, src []float32, lds int, dst []float32, ldd int)
//
// Block i (i < nb) reads the 8x8 block of src whose row r is src[r*lds+8i : +8] and writes its
// transpose: dst[(8i+p)*ldd : +8] is column p. Strides are in floats. Needs AVX only.
TEXT ·transpose8x8sAVX(SB), NOSPLIT, $0-72
	MOVQ nb+0(FP), CX
	MOVQ src_base+8(FP), AX
	MOVQ lds+32(FP), BX
	SHLQ $2, BX
	MOVQ dst_base+40(FP), DI
	MOVQ ldd+64(FP), SI
	SHLQ $2, SI
	LEAQ (BX)(BX*2), R8
	LEAQ (AX)(BX*4), DX
	LEAQ (SI)(SI*2), R9
	LEAQ (DI)(SI*4), R10
	TESTQ CX, CX
	JLE   tdone

tloop:
	VMOVUPS (AX), Y0
	VMOVUPS (AX)(BX*1), Y1
	VMOVUPS (AX)(BX*2), Y2
	VMOVUPS (AX)(R8*1), Y3
	VMOVUPS (DX), Y4
	VMOVUPS (DX)(BX*1), Y5
	VMOVUPS (DX)(BX*2), Y6
	VMOVUPS (DX)(R8*1), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DI)(SI*1)
	VMOVUPS Y10, (DI)(SI*2)
	VMOVUPS Y11, (DI)(R9*1)
	VMOVUPS Y12, (R10)
	VMOVUPS Y13, (R10)(SI*1)
	VMOVUPS Y14, (R10)(SI*2)
	VMOVUPS Y15, (R10)(R9*1)
	ADDQ $32, AX
	ADDQ $32, DX
	LEAQ (DI)(SI*8), DI
	LEAQ (R10)(SI*8), R10
	DECQ CX
	JNZ  tloop

tdone:
	VZEROUPPER
	RET

// func scatterAddRowsAVX(ix []int32, src []float32, lds int, dst []float32, ldd int, cols8 int)
//
// For i < len(ix): dst[ix[i]*ldd + j] += src[i*lds + j] for j < cols8 (a multiple of 8), rows
// in order of i. Strides are in floats; the caller checked every index. Needs AVX only.
TEXT ·scatterAddRowsAVX(SB), NOSPLIT, $0-96
	MOVQ ix_base+0(FP), SI
	MOVQ ix_len+8(FP), CX
	MOVQ src_base+24(FP), AX
	MOVQ lds+48(FP), BX
	SHLQ $2, BX
	MOVQ dst_base+56(FP), DI
	MOVQ ldd+80(FP), R8
	SHLQ $2, R8
	MOVQ cols8+88(FP), R9

srow:
	TESTQ CX, CX
	JE    sdone
	MOVLQSX (SI), R10
	IMULQ R8, R10
	ADDQ  DI, R10
	MOVQ  AX, R11
	MOVQ  R9, DX

scol32:
	CMPQ DX, $32
	JL   scol8
	VMOVUPS (R11), Y0
	VMOVUPS 32(R11), Y1
	VMOVUPS 64(R11), Y2
	VMOVUPS 96(R11), Y3
	VADDPS  (R10), Y0, Y0
	VADDPS  32(R10), Y1, Y1
	VADDPS  64(R10), Y2, Y2
	VADDPS  96(R10), Y3, Y3
	VMOVUPS Y0, (R10)
	VMOVUPS Y1, 32(R10)
	VMOVUPS Y2, 64(R10)
	VMOVUPS Y3, 96(R10)
	ADDQ    $128, R10
	ADDQ    $128, R11
	SUBQ    $32, DX
	JMP     scol32

scol8:
	CMPQ DX, $8
	JL   snext
	VMOVUPS (R11), Y0
	VADDPS  (R10), Y0, Y0
	VMOVUPS Y0, (R10)
	ADDQ    $32, R10
	ADDQ    $32, R11
	SUBQ    $8, DX
	JMP     scol8

snext:
	ADDQ $4, SI
	ADDQ BX, AX
	DECQ CX
	JMP  srow

sdone:
	VZEROUPPER
	RET
