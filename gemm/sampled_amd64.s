//go:build amd64

#include "textflag.h"

// func sampledPairsAVX2(pairs int, tab []int32, a, b []float32, n8 int, out []float32)
//
// The micro-kernel of SampledPlan: pair p holds two groups of four dot products, each one row of
// A against four rows of B, over n8 values (a positive multiple of 8). Its ten table entries
// tab[10p:10p+10] are the two A row offsets and the two groups' four B row offsets (in floats);
// out[8p+4h+j] += sum over i < n8 of a[tab[10p+h]+i] * b[tab[10p+2+4h+j]+i]. The eight sums are
// eight independent FMA chains; A and B are addressed from the ends of the rows by one negative
// index, so the loop needs no end register. Needs AVX2 and FMA.
TEXT ·sampledPairsAVX2(SB), NOSPLIT, $0-112
	MOVQ pairs+0(FP), CX
	MOVQ tab_base+8(FP), DX
	MOVQ out_base+88(FP), R15
	TESTQ CX, CX
	JLE   done

pair:
	MOVQ    n8+80(FP), R14
	SHLQ    $2, R14
	MOVQ    a_base+32(FP), BX
	ADDQ    R14, BX
	MOVLQSX 0(DX), AX
	LEAQ    (BX)(AX*4), AX
	MOVLQSX 4(DX), R13
	LEAQ    (BX)(R13*4), R13
	MOVQ    b_base+56(FP), BX
	ADDQ    R14, BX
	MOVLQSX 8(DX), SI
	LEAQ    (BX)(SI*4), SI
	MOVLQSX 12(DX), DI
	LEAQ    (BX)(DI*4), DI
	MOVLQSX 16(DX), R8
	LEAQ    (BX)(R8*4), R8
	MOVLQSX 20(DX), R9
	LEAQ    (BX)(R9*4), R9
	MOVLQSX 24(DX), R10
	LEAQ    (BX)(R10*4), R10
	MOVLQSX 28(DX), R11
	LEAQ    (BX)(R11*4), R11
	MOVLQSX 32(DX), R12
	LEAQ    (BX)(R12*4), R12
	MOVLQSX 36(DX), R14
	LEAQ    (BX)(R14*4), R14
	MOVQ    n8+80(FP), BX
	SHLQ    $2, BX
	NEGQ    BX
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	VXORPS  Y4, Y4, Y4
	VXORPS  Y5, Y5, Y5
	VXORPS  Y6, Y6, Y6
	VXORPS  Y7, Y7, Y7

step:
	VMOVUPS     (AX)(BX*1), Y8
	VMOVUPS     (R13)(BX*1), Y9
	VFMADD231PS (SI)(BX*1), Y8, Y0
	VFMADD231PS (DI)(BX*1), Y8, Y1
	VFMADD231PS (R8)(BX*1), Y8, Y2
	VFMADD231PS (R9)(BX*1), Y8, Y3
	VFMADD231PS (R10)(BX*1), Y9, Y4
	VFMADD231PS (R11)(BX*1), Y9, Y5
	VFMADD231PS (R12)(BX*1), Y9, Y6
	VFMADD231PS (R14)(BX*1), Y9, Y7
	ADDQ        $32, BX
	JNZ         step

	// Y0..Y7 -> one vector of their eight sums, in order.
	VHADDPS    Y1, Y0, Y0
	VHADDPS    Y3, Y2, Y2
	VHADDPS    Y5, Y4, Y4
	VHADDPS    Y7, Y6, Y6
	VHADDPS    Y2, Y0, Y0
	VHADDPS    Y6, Y4, Y4
	VPERM2F128 $0x20, Y4, Y0, Y1
	VPERM2F128 $0x31, Y4, Y0, Y2
	VADDPS     Y2, Y1, Y0
	VADDPS     (R15), Y0, Y0
	VMOVUPS    Y0, (R15)

	ADDQ $40, DX
	ADDQ $32, R15
	DECQ CX
	JNZ  pair

done:
	VZEROUPPER
	RET
