//go:build amd64

#include "textflag.h"

// Dense kernel register use: Z0..Z23 accumulate the 6x64 C tile, row i in
// Z(4i)..Z(4i+3); Z24..Z27 hold B vectors; Z28..Z31 hold broadcast A values.

// func denseKernelAVX512(k int, a, b, c []float32, ldc int, load bool)
TEXT ·denseKernelAVX512(SB), NOSPLIT, $0-89
	MOVQ k+0(FP), CX
	MOVQ a_base+8(FP), AX
	MOVQ b_base+32(FP), BX
	MOVQ c_base+56(FP), DI
	MOVQ ldc+80(FP), R8
	SHLQ $2, R8

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23

	TESTQ CX, CX
	JLE   dstore

dloop:
	VMOVUPS      (BX), Z24
	VMOVUPS      64(BX), Z25
	VMOVUPS      128(BX), Z26
	VMOVUPS      192(BX), Z27
	VBROADCASTSS (AX), Z28
	VBROADCASTSS 4(AX), Z29
	VFMADD231PS  Z24, Z28, Z0
	VFMADD231PS  Z25, Z28, Z1
	VFMADD231PS  Z26, Z28, Z2
	VFMADD231PS  Z27, Z28, Z3
	VFMADD231PS  Z24, Z29, Z4
	VFMADD231PS  Z25, Z29, Z5
	VFMADD231PS  Z26, Z29, Z6
	VFMADD231PS  Z27, Z29, Z7
	VBROADCASTSS 8(AX), Z30
	VBROADCASTSS 12(AX), Z31
	VFMADD231PS  Z24, Z30, Z8
	VFMADD231PS  Z25, Z30, Z9
	VFMADD231PS  Z26, Z30, Z10
	VFMADD231PS  Z27, Z30, Z11
	VFMADD231PS  Z24, Z31, Z12
	VFMADD231PS  Z25, Z31, Z13
	VFMADD231PS  Z26, Z31, Z14
	VFMADD231PS  Z27, Z31, Z15
	VBROADCASTSS 16(AX), Z28
	VBROADCASTSS 20(AX), Z29
	VFMADD231PS  Z24, Z28, Z16
	VFMADD231PS  Z25, Z28, Z17
	VFMADD231PS  Z26, Z28, Z18
	VFMADD231PS  Z27, Z28, Z19
	VFMADD231PS  Z24, Z29, Z20
	VFMADD231PS  Z25, Z29, Z21
	VFMADD231PS  Z26, Z29, Z22
	VFMADD231PS  Z27, Z29, Z23
	ADDQ         $24, AX
	ADDQ         $256, BX
	DECQ         CX
	JNZ          dloop

dstore:
	MOVBLZX load+88(FP), R9
	TESTQ   R9, R9
	JZ      dnoload
	VADDPS  (DI), Z0, Z0
	VADDPS  64(DI), Z1, Z1
	VADDPS  128(DI), Z2, Z2
	VADDPS  192(DI), Z3, Z3
	LEAQ    (DI)(R8*1), R10
	VADDPS  (R10), Z4, Z4
	VADDPS  64(R10), Z5, Z5
	VADDPS  128(R10), Z6, Z6
	VADDPS  192(R10), Z7, Z7
	ADDQ    R8, R10
	VADDPS  (R10), Z8, Z8
	VADDPS  64(R10), Z9, Z9
	VADDPS  128(R10), Z10, Z10
	VADDPS  192(R10), Z11, Z11
	ADDQ    R8, R10
	VADDPS  (R10), Z12, Z12
	VADDPS  64(R10), Z13, Z13
	VADDPS  128(R10), Z14, Z14
	VADDPS  192(R10), Z15, Z15
	ADDQ    R8, R10
	VADDPS  (R10), Z16, Z16
	VADDPS  64(R10), Z17, Z17
	VADDPS  128(R10), Z18, Z18
	VADDPS  192(R10), Z19, Z19
	ADDQ    R8, R10
	VADDPS  (R10), Z20, Z20
	VADDPS  64(R10), Z21, Z21
	VADDPS  128(R10), Z22, Z22
	VADDPS  192(R10), Z23, Z23

dnoload:
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    R8, DI
	VMOVUPS Z4, (DI)
	VMOVUPS Z5, 64(DI)
	VMOVUPS Z6, 128(DI)
	VMOVUPS Z7, 192(DI)
	ADDQ    R8, DI
	VMOVUPS Z8, (DI)
	VMOVUPS Z9, 64(DI)
	VMOVUPS Z10, 128(DI)
	VMOVUPS Z11, 192(DI)
	ADDQ    R8, DI
	VMOVUPS Z12, (DI)
	VMOVUPS Z13, 64(DI)
	VMOVUPS Z14, 128(DI)
	VMOVUPS Z15, 192(DI)
	ADDQ    R8, DI
	VMOVUPS Z16, (DI)
	VMOVUPS Z17, 64(DI)
	VMOVUPS Z18, 128(DI)
	VMOVUPS Z19, 192(DI)
	ADDQ    R8, DI
	VMOVUPS Z20, (DI)
	VMOVUPS Z21, 64(DI)
	VMOVUPS Z22, 128(DI)
	VMOVUPS Z23, 192(DI)
	VZEROUPPER
	RET

// func indexTilesAVX512(ntiles int, seg []int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool)
//
// Runs the 3x128 indexed micro-kernel on ntiles consecutive row tiles that
// share one packed B panel. Tile t covers steps [seg[t], seg[t+1]) of
// vals/offs (3 entries per step) and C rows [3t, 3t+3). Row i of a tile
// accumulates in Z8i..Z8i+7: for each step j and row i,
// acc[i] += vals[3j+i] * b[offs[3j+i]*2 : +128]; offs are in units of 8
// bytes (two float32), hence the *8 scale. Per kept value: one index load,
// one broadcast load and 8 FMAs with a memory operand. Each step's offsets are
// loaded one step ahead (R14, R15, DX; DX, the seg pointer, saved on the frame
// meanwhile); the last step reads three uint16 past its tile, within the OffsPad
// padding every Route method guarantees (padOffs), as the AVX2 kernels do: on Zen 5, where the FMAs run at full width,
// the B loads waiting on their offsets left the kernel at half the FMA peak,
// and loading them ahead gained 15-20% on 32 tiles with C in L1 (107-115 ->
// 126-139 GFLOP/s of useful FMAs, one core; BenchmarkMicroIndex's 128 tiles,
// whose C streams from L2, unchanged at 89-99) and 6-13% on the 2:4 products
// of AlexNet conv2-5 at b128 (best of three alternating runs per binary).
// Each step first turns its three offsets into row addresses (LEAQ), so the 24
// FMAs read base + displacement: with an index register in its memory operand
// an FMA is unlaminated into two micro-ops on Intel cores. On an Intel Xeon
// (family 6 model 167, 2 cores) that gained 2-15% on BenchmarkMicroIndex (one
// core: 92-107 -> 106-112 GFLOP/s of useful FMAs) and -1..+9% on the 2:4
// products of AlexNet conv2-5 at b128 (best of three alternating runs: 328 /
// 362 / 358 / 361 -> 334 / 396 / 373 / 356 GFLOP/s), bit for bit the same
// result; the same change to the AVX2 kernels measured nothing there.
TEXT ·indexTilesAVX512(SB), NOSPLIT, $16-137
	MOVQ ldc+128(FP), R8
	SHLQ $2, R8
	MOVQ seg_base+8(FP), DX
	MOVQ b_base+80(FP), BX
	MOVQ c_base+104(FP), R12
	MOVQ ntiles+0(FP), R13

tileloop:
	TESTQ  R13, R13
	JLE    done
	MOVQ   (DX), R9
	MOVQ   8(DX), CX
	SUBQ   R9, CX
	IMUL3Q $12, R9, AX
	ADDQ   vals_base+32(FP), AX
	IMUL3Q $6, R9, SI
	ADDQ   offs_base+56(FP), SI
	MOVQ   R12, DI

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23

	TESTQ CX, CX
	JLE   istore

	MOVQ DX, dxsave-8(SP)
	MOVWQZX 0(SI), R9
	MOVWQZX 2(SI), R10
	MOVWQZX 4(SI), R11
iloop:
	MOVWQZX 6(SI), R14
	MOVWQZX 8(SI), R15
	MOVWQZX 10(SI), DX
	LEAQ (BX)(R9*8), R9
	LEAQ (BX)(R10*8), R10
	LEAQ (BX)(R11*8), R11
	VBROADCASTSS 0(AX), Z28
	VBROADCASTSS 4(AX), Z29
	VBROADCASTSS 8(AX), Z30
	VFMADD231PS  (R9), Z28, Z0
	VFMADD231PS  64(R9), Z28, Z1
	VFMADD231PS  128(R9), Z28, Z2
	VFMADD231PS  192(R9), Z28, Z3
	VFMADD231PS  256(R9), Z28, Z4
	VFMADD231PS  320(R9), Z28, Z5
	VFMADD231PS  384(R9), Z28, Z6
	VFMADD231PS  448(R9), Z28, Z7
	VFMADD231PS  (R10), Z29, Z8
	VFMADD231PS  64(R10), Z29, Z9
	VFMADD231PS  128(R10), Z29, Z10
	VFMADD231PS  192(R10), Z29, Z11
	VFMADD231PS  256(R10), Z29, Z12
	VFMADD231PS  320(R10), Z29, Z13
	VFMADD231PS  384(R10), Z29, Z14
	VFMADD231PS  448(R10), Z29, Z15
	VFMADD231PS  (R11), Z30, Z16
	VFMADD231PS  64(R11), Z30, Z17
	VFMADD231PS  128(R11), Z30, Z18
	VFMADD231PS  192(R11), Z30, Z19
	VFMADD231PS  256(R11), Z30, Z20
	VFMADD231PS  320(R11), Z30, Z21
	VFMADD231PS  384(R11), Z30, Z22
	VFMADD231PS  448(R11), Z30, Z23
	MOVQ R14, R9
	MOVQ R15, R10
	MOVQ DX, R11
	ADDQ $12, AX
	ADDQ $6, SI
	DECQ CX
	JNZ  iloop
	MOVQ dxsave-8(SP), DX

istore:
	MOVBLZX load+136(FP), R9
	TESTQ   R9, R9
	JZ      inoload
	MOVQ    DI, R10
	VADDPS  (R10), Z0, Z0
	VADDPS  64(R10), Z1, Z1
	VADDPS  128(R10), Z2, Z2
	VADDPS  192(R10), Z3, Z3
	VADDPS  256(R10), Z4, Z4
	VADDPS  320(R10), Z5, Z5
	VADDPS  384(R10), Z6, Z6
	VADDPS  448(R10), Z7, Z7
	ADDQ    R8, R10
	VADDPS  (R10), Z8, Z8
	VADDPS  64(R10), Z9, Z9
	VADDPS  128(R10), Z10, Z10
	VADDPS  192(R10), Z11, Z11
	VADDPS  256(R10), Z12, Z12
	VADDPS  320(R10), Z13, Z13
	VADDPS  384(R10), Z14, Z14
	VADDPS  448(R10), Z15, Z15
	ADDQ    R8, R10
	VADDPS  (R10), Z16, Z16
	VADDPS  64(R10), Z17, Z17
	VADDPS  128(R10), Z18, Z18
	VADDPS  192(R10), Z19, Z19
	VADDPS  256(R10), Z20, Z20
	VADDPS  320(R10), Z21, Z21
	VADDPS  384(R10), Z22, Z22
	VADDPS  448(R10), Z23, Z23

inoload:
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	VMOVUPS Z4, 256(DI)
	VMOVUPS Z5, 320(DI)
	VMOVUPS Z6, 384(DI)
	VMOVUPS Z7, 448(DI)
	ADDQ    R8, DI
	VMOVUPS Z8, (DI)
	VMOVUPS Z9, 64(DI)
	VMOVUPS Z10, 128(DI)
	VMOVUPS Z11, 192(DI)
	VMOVUPS Z12, 256(DI)
	VMOVUPS Z13, 320(DI)
	VMOVUPS Z14, 384(DI)
	VMOVUPS Z15, 448(DI)
	ADDQ    R8, DI
	VMOVUPS Z16, (DI)
	VMOVUPS Z17, 64(DI)
	VMOVUPS Z18, 128(DI)
	VMOVUPS Z19, 192(DI)
	VMOVUPS Z20, 256(DI)
	VMOVUPS Z21, 320(DI)
	VMOVUPS Z22, 384(DI)
	VMOVUPS Z23, 448(DI)
	ADDQ    $8, DX
	IMUL3Q  $3, R8, R9
	ADDQ    R9, R12
	DECQ    R13
	JMP     tileloop

done:
	VZEROUPPER
	RET
