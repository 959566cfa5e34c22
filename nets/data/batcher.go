package data

import (
	"fmt"
	"io"
	"math/rand/v2"
)

// AugmentPad is the zero padding (on each side) from which Augment takes its random crops.
const AugmentPad = 4

// BatcherOptions configures a Batcher.
type BatcherOptions struct {
	// BatchSize is the number of examples per batch (> 0).
	BatchSize int
	// Shuffle visits the examples in a new random order every epoch; the order depends only on
	// Seed and the epoch number.
	Shuffle bool
	// Seed makes shuffling and augmentation deterministic.
	Seed uint64
	// Augment applies, per example, a random HxW crop of the image zero-padded by AugmentPad
	// pixels on each side (the padding is black: raw value 0 before normalisation, as torchvision's
	// RandomCrop(32, padding=4)) and, where FlipAllowed(dataset name) (not for the digit datasets
	// MNIST and SVHN), a random horizontal flip with probability 1/2.
	Augment bool
	// DropRemainder drops the last batch of an epoch when it has fewer than BatchSize examples.
	DropRemainder bool
	// Prefetch builds the next batch in a goroutine while the current one is used.
	Prefetch bool
	// Stats overrides the normalisation constants; nil uses Registry[dataset name].Stats.
	Stats *Stats
}

// Batch is one batch of normalised images and their labels.
type Batch struct {
	// X holds Size x C x H x W normalised values in NCHW order.
	X []float32
	// Y holds the Size labels.
	Y []int32
	// Indices are the dataset indices of the examples.
	Indices []int
	// Size, C, H and W are the batch dimensions.
	Size, C, H, W int
}

// Batcher cuts a Dataset into normalised float32 NCHW batches, epoch after epoch. It is not safe
// for concurrent use.
type Batcher struct {
	ds      *Dataset
	opts    BatcherOptions
	lut     [][256]float32
	flip    bool
	epoch   int
	perm    []int // visiting order of the current epoch; nil means 0..N-1
	pos     int   // next batch of the epoch
	num     int   // batches per epoch
	pending chan *Batch
}

// NewBatcher returns a Batcher over ds positioned at the start of epoch 0.
func NewBatcher(ds *Dataset, opts BatcherOptions) (*Batcher, error) {
	if opts.BatchSize <= 0 {
		return nil, fmt.Errorf("data: %s: batch size %d, expected > 0", ds.Name, opts.BatchSize)
	}
	if err := ds.Validate(); err != nil {
		return nil, err
	}
	stats := opts.Stats
	if stats == nil {
		s, err := StatsFor(ds.Name)
		if err != nil {
			return nil, err
		}
		stats = &s
	}
	lut, err := stats.lut(ds.C)
	if err != nil {
		return nil, fmt.Errorf("%w (dataset %s)", err, ds.Name)
	}
	b := &Batcher{ds: ds, opts: opts, lut: lut, flip: opts.Augment && FlipAllowed(ds.Name)}
	b.num = ds.N / opts.BatchSize
	if !opts.DropRemainder && ds.N%opts.BatchSize != 0 {
		b.num++
	}
	b.startEpoch()
	return b, nil
}

// Dataset returns the dataset being batched.
func (b *Batcher) Dataset() *Dataset { return b.ds }

// Options returns the options the Batcher was made with.
func (b *Batcher) Options() BatcherOptions { return b.opts }

// NumBatches is the number of batches per epoch.
func (b *Batcher) NumBatches() int { return b.num }

// Epoch is the number of the current epoch, starting at 0.
func (b *Batcher) Epoch() int { return b.epoch }

// startEpoch computes the visiting order of the current epoch.
func (b *Batcher) startEpoch() {
	b.pos = 0
	b.perm = nil
	if b.opts.Shuffle {
		rng := rand.New(rand.NewPCG(b.opts.Seed, uint64(b.epoch)))
		b.perm = rng.Perm(b.ds.N)
	}
}

// Reset drops what is left of the current epoch and starts the next one (reshuffled when
// Shuffle is set).
func (b *Batcher) Reset() {
	if b.pending != nil {
		<-b.pending
		b.pending = nil
	}
	b.epoch++
	b.startEpoch()
}

// Seek positions the Batcher at batch number batch (0-based) of epoch epoch, as if the batches
// before it had been taken: the order and the augmentation of every batch depend only on the
// seed, the epoch and the batch number, so the batches that follow are the ones an
// uninterrupted run would get (a training run resumed from a mid-epoch checkpoint).
func (b *Batcher) Seek(epoch, batch int) error {
	if epoch < 0 || batch < 0 || batch > b.num {
		return fmt.Errorf("data: %s: seek to epoch %d batch %d, expected epoch >= 0 and batch in [0, %d]", b.ds.Name, epoch, batch, b.num)
	}
	if b.pending != nil {
		<-b.pending
		b.pending = nil
	}
	b.epoch = epoch
	b.startEpoch()
	b.pos = batch
	return nil
}

// Next returns the next batch of the epoch, or io.EOF when the epoch is over (call Reset to start
// the next one). The batch's slices belong to the caller.
func (b *Batcher) Next() (*Batch, error) {
	if b.pos >= b.num {
		return nil, io.EOF
	}
	var batch *Batch
	if b.pending != nil {
		batch = <-b.pending
		b.pending = nil
	} else {
		batch = b.build(b.epoch, b.perm, b.pos)
	}
	b.pos++
	if b.opts.Prefetch && b.pos < b.num {
		ch := make(chan *Batch, 1)
		epoch, perm, pos := b.epoch, b.perm, b.pos
		go func() { ch <- b.build(epoch, perm, pos) }()
		b.pending = ch
	}
	return batch, nil
}

// build makes batch number bi of an epoch. It only reads the Batcher's immutable fields, so it can
// run in a goroutine.
func (b *Batcher) build(epoch int, perm []int, bi int) *Batch {
	ds := b.ds
	start := bi * b.opts.BatchSize
	end := min(start+b.opts.BatchSize, ds.N)
	size := end - start
	C, H, W := ds.C, ds.H, ds.W
	sz := ds.ImageSize()
	batch := &Batch{
		X: make([]float32, size*sz), Y: make([]int32, size), Indices: make([]int, size),
		Size: size, C: C, H: H, W: W,
	}
	var rng *rand.Rand
	if b.opts.Augment {
		rng = rand.New(rand.NewPCG(b.opts.Seed^0x9e3779b97f4a7c15, uint64(epoch)<<32|uint64(bi)))
	}
	for j := range size {
		idx := start + j
		if perm != nil {
			idx = perm[idx]
		}
		batch.Indices[j] = idx
		batch.Y[j] = ds.Labels[idx]
		src := ds.Images[idx*sz : (idx+1)*sz]
		dst := batch.X[j*sz : (j+1)*sz]
		if rng == nil {
			for c := range C {
				t := &b.lut[c]
				plane := src[c*H*W : (c+1)*H*W]
				out := dst[c*H*W : (c+1)*H*W]
				for i, v := range plane {
					out[i] = t[v]
				}
			}
			continue
		}
		dy := rng.IntN(2*AugmentPad+1) - AugmentPad
		dx := rng.IntN(2*AugmentPad+1) - AugmentPad
		flip := b.flip && rng.IntN(2) == 1
		cropInto(dst, src, &b.lut, C, H, W, dy, dx, flip)
	}
	return batch
}

// cropInto writes the normalised HxW window of src shifted by (dy, dx) -- output pixel (y, x) is
// source pixel (y+dy, x+dx), black (raw 0) outside the image -- mirrored horizontally when flip.
func cropInto(dst []float32, src []uint8, lut *[][256]float32, C, H, W, dy, dx int, flip bool) {
	for c := range C {
		t := &(*lut)[c]
		pad := t[0]
		for y := range H {
			out := dst[(c*H+y)*W : (c*H+y+1)*W]
			sy := y + dy
			if sy < 0 || sy >= H {
				for x := range out {
					out[x] = pad
				}
				continue
			}
			row := src[(c*H+sy)*W : (c*H+sy+1)*W]
			for x := range out {
				xx := x
				if flip {
					xx = W - 1 - x
				}
				sx := xx + dx
				if sx < 0 || sx >= W {
					out[x] = pad
				} else {
					out[x] = t[row[sx]]
				}
			}
		}
	}
}
