#include "textflag.h"

// func matvec(dst *float32, w *[8]float32, b *float32, h *vec, n int)
// SSE only (the amd64 baseline). Per row, the products p0..p7 are paired as
// (p0+p1), (p2+p3), (p4+p5), (p6+p7), then A = (p0+p1)+(p2+p3) and
// B = (p4+p5)+(p6+p7); four rows are transposed so that dst = (b + A) + B.
TEXT ·matvec(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ h+24(FP), AX
	MOVQ n+32(FP), CX
	MOVUPS 0(AX), X12
	MOVUPS 16(AX), X13
	SHRQ $2, CX
	JZ   done

loop:
	// row 0 -> X0 = [s01, s23, s45, s67]
	MOVUPS 0(SI), X0
	MULPS  X12, X0
	MOVUPS 16(SI), X1
	MULPS  X13, X1
	MOVAPS X0, X2
	SHUFPS $0x88, X1, X2
	SHUFPS $0xDD, X1, X0
	ADDPS  X2, X0

	// row 1 -> X3
	MOVUPS 32(SI), X3
	MULPS  X12, X3
	MOVUPS 48(SI), X4
	MULPS  X13, X4
	MOVAPS X3, X5
	SHUFPS $0x88, X4, X5
	SHUFPS $0xDD, X4, X3
	ADDPS  X5, X3

	// row 2 -> X6
	MOVUPS 64(SI), X6
	MULPS  X12, X6
	MOVUPS 80(SI), X7
	MULPS  X13, X7
	MOVAPS X6, X8
	SHUFPS $0x88, X7, X8
	SHUFPS $0xDD, X7, X6
	ADDPS  X8, X6

	// row 3 -> X9
	MOVUPS 96(SI), X9
	MULPS  X12, X9
	MOVUPS 112(SI), X10
	MULPS  X13, X10
	MOVAPS X9, X11
	SHUFPS $0x88, X10, X11
	SHUFPS $0xDD, X10, X9
	ADDPS  X11, X9

	// X0 = [A0, B0, A1, B1], X6 = [A2, B2, A3, B3]
	MOVAPS X0, X2
	SHUFPS $0x88, X3, X2
	SHUFPS $0xDD, X3, X0
	ADDPS  X2, X0
	MOVAPS X6, X8
	SHUFPS $0x88, X9, X8
	SHUFPS $0xDD, X9, X6
	ADDPS  X8, X6

	// X2 = [A0..A3], X0 = [B0..B3]
	MOVAPS X0, X2
	SHUFPS $0x88, X6, X2
	SHUFPS $0xDD, X6, X0
	MOVUPS 0(DX), X3
	ADDPS  X2, X3
	ADDPS  X0, X3
	MOVUPS X3, 0(DI)

	ADDQ $128, SI
	ADDQ $16, DX
	ADDQ $16, DI
	DECQ CX
	JNZ  loop

done:
	RET

// func ffAcc(x *vec, t *[32][8]float32, b *vec, hid *[32]float32)
TEXT ·ffAcc(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), DI
	MOVQ t+8(FP), SI
	MOVQ b+16(FP), AX
	MOVQ hid+24(FP), DX
	MOVUPS 0(AX), X0
	MOVUPS 16(AX), X1
	XORPS  X2, X2
	MOVQ   $32, CX

ffloop:
	MOVSS  0(DX), X3
	MAXSS  X2, X3
	SHUFPS $0x00, X3, X3
	MOVUPS 0(SI), X4
	MULPS  X3, X4
	ADDPS  X4, X0
	MOVUPS 16(SI), X5
	MULPS  X3, X5
	ADDPS  X5, X1
	ADDQ   $32, SI
	ADDQ   $4, DX
	DECQ   CX
	JNZ    ffloop

	MOVUPS 0(DI), X4
	ADDPS  X0, X4
	MOVUPS X4, 0(DI)
	MOVUPS 16(DI), X5
	ADDPS  X1, X5
	MOVUPS X5, 16(DI)
	RET
