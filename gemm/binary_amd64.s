//go:build amd64

#include "textflag.h"

// func binaryAVX(op int, dst, x, y []float32, n8 int, v float32, scalar bool)
//
// dst[i] = x[i] op y[i] for i < n8 (a multiple of 8), or x[i] op v when scalar, with op
// 0 add, 1 sub (x - y), 2 mul, 3 div (x / y), and when scalar also 4 rsub (v - x) and 5 rdiv
// (v / x; between vectors Elementwise exchanges x and y instead): one IEEE
// operation per lane, the same result as the scalar loop bit for bit. dst may alias x or y.
// Needs AVX.
TEXT ·binaryAVX(SB), NOSPLIT, $0-93
	MOVQ    op+0(FP), AX
	MOVQ    dst_base+8(FP), DI
	MOVQ    x_base+32(FP), SI
	MOVQ    y_base+56(FP), DX
	MOVQ    n8+80(FP), CX
	MOVBLZX scalar+92(FP), BX
	TESTQ   CX, CX
	JLE     bindone
	TESTQ   BX, BX
	JZ      binvec
	VBROADCASTSS v+88(FP), Y8
	CMPQ AX, $0
	JEQ  bins_add
	CMPQ AX, $1
	JEQ  bins_sub
	CMPQ AX, $2
	JEQ  bins_mul
	CMPQ AX, $3
	JEQ  bins_div
	CMPQ AX, $4
	JEQ  bins_rsub
	CMPQ AX, $5
	JEQ  bins_rdiv
	JMP bindone

binvec:
	CMPQ AX, $0
	JEQ  binv_add
	CMPQ AX, $1
	JEQ  binv_sub
	CMPQ AX, $2
	JEQ  binv_mul
	CMPQ AX, $3
	JEQ  binv_div
	JMP bindone

bins_add:
	VMOVUPS (SI), Y0
	VADDPS  Y8, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     bins_add
	JMP     bindone

binv_add:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y2
	VADDPS  Y2, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     binv_add
	JMP     bindone

bins_sub:
	VMOVUPS (SI), Y0
	VSUBPS  Y8, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     bins_sub
	JMP     bindone

binv_sub:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y2
	VSUBPS  Y2, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     binv_sub
	JMP     bindone

bins_mul:
	VMOVUPS (SI), Y0
	VMULPS  Y8, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     bins_mul
	JMP     bindone

binv_mul:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y2
	VMULPS  Y2, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     binv_mul
	JMP     bindone

bins_div:
	VMOVUPS (SI), Y0
	VDIVPS  Y8, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     bins_div
	JMP     bindone

binv_div:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y2
	VDIVPS  Y2, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     binv_div
	JMP     bindone

bins_rsub:
	VMOVUPS (SI), Y0
	VSUBPS  Y0, Y8, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     bins_rsub
	JMP     bindone

bins_rdiv:
	VMOVUPS (SI), Y0
	VDIVPS  Y0, Y8, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     bins_rdiv
	JMP     bindone

bindone:
	VZEROUPPER
	RET
