//go:build cusparselt && cgo

package cusparselt

/*
#cgo LDFLAGS: -lcusparseLt -lcudart
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cuda_runtime_api.h>
#include <cusparseLt.h>

// hp_plan holds one cuSPARSELt matmul configuration (fixed M, K, N).
typedef struct {
	cusparseLtMatDescriptor_t matA, matB, matC;
	cusparseLtMatmulDescriptor_t matmul;
	cusparseLtMatmulAlgSelection_t alg;
	cusparseLtMatmulPlan_t plan;
	void *dB, *dC, *dWork;
	int64_t n;
} hp_plan;

// hp_ctx holds the library handle and the compressed weights.
typedef struct {
	cusparseLtHandle_t handle;
	int64_t m, k; // padded
	void *dA, *dAc, *dAcBuf;
	int compressed;
} hp_ctx;

static int hp_cuda(cudaError_t e) { return e == cudaSuccess ? 0 : 1000 + (int)e; }
static int hp_lt(cusparseStatus_t s) { return s == CUSPARSE_STATUS_SUCCESS ? 0 : 2000 + (int)s; }

#define HP_TRY(x) do { int _rc = (x); if (_rc) return _rc; } while (0)

static int hp_init(hp_ctx *c, int64_t m, int64_t k, const uint16_t *hA) {
	memset(c, 0, sizeof *c);
	c->m = m; c->k = k;
	HP_TRY(hp_lt(cusparseLtInit(&c->handle)));
	HP_TRY(hp_cuda(cudaMalloc(&c->dA, (size_t)(m * k * 2))));
	HP_TRY(hp_cuda(cudaMemcpy(c->dA, hA, (size_t)(m * k * 2), cudaMemcpyHostToDevice)));
	return 0;
}

// hp_plan_init builds the matmul plan for width n and, on the first plan,
// checks the 2:4 structure and compresses A with it.
static int hp_plan_init(hp_ctx *c, hp_plan *p, int64_t n) {
	memset(p, 0, sizeof *p);
	p->n = n;
	const unsigned align = 16;
	HP_TRY(hp_lt(cusparseLtStructuredDescriptorInit(&c->handle, &p->matA, c->m, c->k, c->k, align,
		CUDA_R_16F, CUSPARSE_ORDER_ROW, CUSPARSELT_SPARSITY_50_PERCENT)));
	HP_TRY(hp_lt(cusparseLtDenseDescriptorInit(&c->handle, &p->matB, c->k, n, n, align, CUDA_R_16F, CUSPARSE_ORDER_ROW)));
	HP_TRY(hp_lt(cusparseLtDenseDescriptorInit(&c->handle, &p->matC, c->m, n, n, align, CUDA_R_16F, CUSPARSE_ORDER_ROW)));
	HP_TRY(hp_lt(cusparseLtMatmulDescriptorInit(&c->handle, &p->matmul, CUSPARSE_OPERATION_NON_TRANSPOSE,
		CUSPARSE_OPERATION_NON_TRANSPOSE, &p->matA, &p->matB, &p->matC, &p->matC, CUSPARSE_COMPUTE_32F)));
	HP_TRY(hp_lt(cusparseLtMatmulAlgSelectionInit(&c->handle, &p->alg, &p->matmul, CUSPARSELT_MATMUL_ALG_DEFAULT)));
	HP_TRY(hp_lt(cusparseLtMatmulPlanInit(&c->handle, &p->plan, &p->matmul, &p->alg)));
	HP_TRY(hp_lt(cusparseLtMatmulDescSetAttribute(&c->handle, &p->matmul, CUSPARSELT_MATMUL_SPARSE_MAT_POINTER,
		&c->dA, sizeof c->dA)));
	if (!c->compressed) {
		int *dValid, valid = 1;
		HP_TRY(hp_cuda(cudaMalloc((void **)&dValid, sizeof(int))));
		HP_TRY(hp_lt(cusparseLtSpMMAPruneCheck(&c->handle, &p->matmul, c->dA, dValid, 0)));
		HP_TRY(hp_cuda(cudaMemcpy(&valid, dValid, sizeof(int), cudaMemcpyDeviceToHost)));
		cudaFree(dValid);
		if (valid != 0) return 3000; // not 2:4 along K
		size_t sz, bufSz;
		HP_TRY(hp_lt(cusparseLtSpMMACompressedSize(&c->handle, &p->plan, &sz, &bufSz)));
		HP_TRY(hp_cuda(cudaMalloc(&c->dAc, sz)));
		HP_TRY(hp_cuda(cudaMalloc(&c->dAcBuf, bufSz)));
		HP_TRY(hp_lt(cusparseLtSpMMACompress(&c->handle, &p->plan, c->dA, c->dAc, c->dAcBuf, 0)));
		HP_TRY(hp_cuda(cudaStreamSynchronize(0)));
		c->compressed = 1;
	}
	HP_TRY(hp_cuda(cudaMalloc(&p->dB, (size_t)(c->k * n * 2))));
	HP_TRY(hp_cuda(cudaMalloc(&p->dC, (size_t)(c->m * n * 2))));
	HP_TRY(hp_cuda(cudaMemset(p->dB, 0, (size_t)(c->k * n * 2))));
	float alpha = 1.0f, beta = 0.0f;
	HP_TRY(hp_lt(cusparseLtMatmulSearch(&c->handle, &p->plan, &alpha, c->dAc, p->dB, &beta, p->dC, p->dC,
		NULL, NULL, 0)));
	size_t ws = 0;
	HP_TRY(hp_lt(cusparseLtMatmulGetWorkspace(&c->handle, &p->plan, &ws)));
	if (ws > 0) HP_TRY(hp_cuda(cudaMalloc(&p->dWork, ws)));
	return 0;
}

// hp_matmul runs C = A*B. hB/hC may be NULL to time the device product only.
static int hp_matmul(hp_ctx *c, hp_plan *p, const uint16_t *hB, uint16_t *hC) {
	float alpha = 1.0f, beta = 0.0f;
	if (hB) HP_TRY(hp_cuda(cudaMemcpy(p->dB, hB, (size_t)(c->k * p->n * 2), cudaMemcpyHostToDevice)));
	HP_TRY(hp_lt(cusparseLtMatmul(&c->handle, &p->plan, &alpha, c->dAc, p->dB, &beta, p->dC, p->dC,
		p->dWork, NULL, 0)));
	if (hC) HP_TRY(hp_cuda(cudaMemcpy(hC, p->dC, (size_t)(c->m * p->n * 2), cudaMemcpyDeviceToHost)));
	else HP_TRY(hp_cuda(cudaStreamSynchronize(0)));
	return 0;
}

static void hp_plan_destroy(hp_plan *p) {
	cusparseLtMatDescriptorDestroy(&p->matA);
	cusparseLtMatDescriptorDestroy(&p->matB);
	cusparseLtMatDescriptorDestroy(&p->matC);
	cusparseLtMatmulPlanDestroy(&p->plan);
	cudaFree(p->dB); cudaFree(p->dC); cudaFree(p->dWork);
}

static void hp_destroy(hp_ctx *c) {
	cudaFree(c->dA); cudaFree(c->dAc); cudaFree(c->dAcBuf);
	cusparseLtDestroy(&c->handle);
}
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/hybridprune/hybridprune/sparse"
)

// Plan is a 2:4 weight matrix resident on the GPU, compressed by
// cuSPARSELt, with one cuSPARSELt matmul plan per batch width n.
type Plan struct {
	mu         sync.Mutex
	rows, k    int // logical
	mPad, kPad int // padded to multiples of 16
	ctx        *C.hp_ctx
	plans      map[int]*C.hp_plan // by padded n
}

func pad16(x int) int { return (x + 15) / 16 * 16 }

// NewNMPlan uploads a (which must be 2:4) to the GPU. The compression and
// the first matmul plan are built on the first MatMul.
func NewNMPlan(a *sparse.NMMatrix) (*Plan, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("cusparselt: NewNMPlan: %w", err)
	}
	if a.N != 2 || a.M != 4 {
		return nil, fmt.Errorf("cusparselt: NewNMPlan: pattern %d:%d, sparse tensor cores need 2:4: %w", a.N, a.M, sparse.ErrShape)
	}
	dense, err := a.Decompress()
	if err != nil {
		return nil, fmt.Errorf("cusparselt: NewNMPlan: %w", err)
	}
	p := &Plan{rows: a.Rows, k: a.K, mPad: pad16(a.Rows), kPad: pad16(a.K), plans: map[int]*C.hp_plan{}}
	hA := make([]uint16, p.mPad*p.kPad)
	for r := range a.Rows {
		for c := range a.K {
			hA[r*p.kPad+c] = toHalf(dense[r*a.K+c])
		}
	}
	p.ctx = (*C.hp_ctx)(C.malloc(C.size_t(unsafe.Sizeof(C.hp_ctx{}))))
	if rc := C.hp_init(p.ctx, C.int64_t(p.mPad), C.int64_t(p.kPad), (*C.uint16_t)(unsafe.Pointer(&hA[0]))); rc != 0 {
		C.free(unsafe.Pointer(p.ctx))
		return nil, fmt.Errorf("cusparselt: NewNMPlan: init failed: %s", describe(rc))
	}
	return p, nil
}

func (p *Plan) plan(n int) (*C.hp_plan, error) {
	np := pad16(n)
	if pl, ok := p.plans[np]; ok {
		return pl, nil
	}
	pl := (*C.hp_plan)(C.malloc(C.size_t(unsafe.Sizeof(C.hp_plan{}))))
	if rc := C.hp_plan_init(p.ctx, pl, C.int64_t(np)); rc != 0 {
		C.free(unsafe.Pointer(pl))
		return nil, fmt.Errorf("cusparselt: plan for n=%d: %s", n, describe(rc))
	}
	p.plans[np] = pl
	return pl, nil
}

// MatMul computes C (rows x n) = A * B for contiguous row-major B (k x n),
// through FP16 on the device (about 1e-3 relative error).
func (p *Plan) MatMul(b []float32, n int, c []float32) error {
	if n <= 0 || len(b) < p.k*n || len(c) < p.rows*n {
		return fmt.Errorf("cusparselt: MatMul: n=%d, len(b)=%d, len(c)=%d for %dx%d weights: %w", n, len(b), len(c), p.rows, p.k, sparse.ErrShape)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pl, err := p.plan(n)
	if err != nil {
		return fmt.Errorf("cusparselt: MatMul: %w", err)
	}
	np := pad16(n)
	hB := make([]uint16, p.kPad*np)
	for r := range p.k {
		for j := range n {
			hB[r*np+j] = toHalf(b[r*n+j])
		}
	}
	hC := make([]uint16, p.mPad*np)
	if rc := C.hp_matmul(p.ctx, pl, (*C.uint16_t)(unsafe.Pointer(&hB[0])), (*C.uint16_t)(unsafe.Pointer(&hC[0]))); rc != 0 {
		return fmt.Errorf("cusparselt: MatMul: %s", describe(rc))
	}
	for r := range p.rows {
		for j := range n {
			c[r*n+j] = fromHalf(hC[r*np+j])
		}
	}
	return nil
}

// DeviceMatMul runs the product on data already on the device (whatever
// the last MatMul with this n uploaded), for timing the kernel alone.
func (p *Plan) DeviceMatMul(n int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	pl, err := p.plan(n)
	if err != nil {
		return fmt.Errorf("cusparselt: DeviceMatMul: %w", err)
	}
	if rc := C.hp_matmul(p.ctx, pl, nil, nil); rc != 0 {
		return fmt.Errorf("cusparselt: DeviceMatMul: %s", describe(rc))
	}
	return nil
}

// Close frees the device memory and the library handle.
func (p *Plan) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pl := range p.plans {
		C.hp_plan_destroy(pl)
		C.free(unsafe.Pointer(pl))
	}
	p.plans = nil
	if p.ctx != nil {
		C.hp_destroy(p.ctx)
		C.free(unsafe.Pointer(p.ctx))
		p.ctx = nil
	}
}

// SpMMNM computes C = A * B on the GPU for a 2:4 A, building (and freeing)
// the plan per call.
func SpMMNM(a *sparse.NMMatrix, b []float32, n int, c []float32) error {
	p, err := NewNMPlan(a)
	if err != nil {
		return fmt.Errorf("cusparselt: SpMMNM: %w", err)
	}
	defer p.Close()
	if err := p.MatMul(b, n, c); err != nil {
		return fmt.Errorf("cusparselt: SpMMNM: %w", err)
	}
	return nil
}

func describe(rc C.int) string {
	switch {
	case rc == 3000:
		return "matrix is not 2:4 along K (cusparseLtSpMMAPruneCheck)"
	case rc >= 2000:
		return fmt.Sprintf("cusparseLt status %d", int(rc)-2000)
	case rc >= 1000:
		return fmt.Sprintf("CUDA error %d: %s", int(rc)-1000, C.GoString(C.cudaGetErrorString(C.cudaError_t(rc-1000))))
	}
	return fmt.Sprintf("error %d", int(rc))
}
