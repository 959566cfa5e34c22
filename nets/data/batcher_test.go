package data

import (
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// synthetic returns a dataset with random pixels and labels i % classes.
func synthetic(name string, n, c int) *Dataset {
	rng := rand.New(rand.NewPCG(1, 2))
	ds := &Dataset{Name: name, N: n, C: c, H: 32, W: 32, NumClasses: 10, Images: make([]uint8, n*c*32*32), Labels: make([]int32, n)}
	for i := range ds.Images {
		ds.Images[i] = uint8(rng.IntN(256))
	}
	for i := range ds.Labels {
		ds.Labels[i] = int32(i % 10)
	}
	return ds
}

// epochIndices drains one epoch and returns the visited indices and batch sizes.
func epochIndices(t *testing.T, b *Batcher) ([]int, []int) {
	t.Helper()
	var idx, sizes []int
	for {
		batch, err := b.Next()
		if errors.Is(err, io.EOF) {
			return idx, sizes
		}
		if err != nil {
			t.Fatal(err)
		}
		idx = append(idx, batch.Indices...)
		sizes = append(sizes, batch.Size)
	}
}

func TestBatcherNormalisesKnownPixel(t *testing.T) {
	ds := synthetic("cifar10", 3, 3)
	ds.Images[(1*3+1)*1024+2*32+3] = 200 // n=1, green, row 2, col 3
	b, err := NewBatcher(ds, BatcherOptions{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	batch, _ := b.Next()
	want := (200.0/255 - 0.4822) / 0.2435
	if got := batch.X[(1*3+1)*1024+2*32+3]; math.Abs(float64(got)-want) > 1e-5 {
		t.Errorf("normalised pixel = %v, want %v", got, want)
	}
	if batch.Size != 2 || batch.C != 3 || batch.H != 32 || batch.W != 32 || len(batch.X) != 2*3*1024 || batch.Y[1] != 1 {
		t.Errorf("batch dims %d %d %d %d, len %d, labels %v", batch.Size, batch.C, batch.H, batch.W, len(batch.X), batch.Y)
	}
	// MNIST: single channel, its own constants; a padded border pixel (0) maps to -0.1307/0.3081.
	m := synthetic("mnist", 1, 1)
	m.Images[0] = 0
	mb, err := NewBatcher(m, BatcherOptions{BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	batch, _ = mb.Next()
	if got, want := batch.X[0], -0.1307/0.3081; math.Abs(float64(got)-want) > 1e-5 {
		t.Errorf("MNIST zero pixel = %v, want %v", got, want)
	}
	all, err := Normalize(ds, Registry["cifar10"].Stats)
	if err != nil || math.Abs(float64(all[(1*3+1)*1024+2*32+3])-want) > 1e-5 {
		t.Errorf("Normalize disagrees (err %v)", err)
	}
}

func TestBatcherShuffleDeterministic(t *testing.T) {
	ds := synthetic("cifar10", 50, 3)
	mk := func(seed uint64) *Batcher {
		b, err := NewBatcher(ds, BatcherOptions{BatchSize: 8, Shuffle: true, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := mk(7), mk(7), mk(8)
	a0, _ := epochIndices(t, a)
	b0, _ := epochIndices(t, b)
	c0, _ := epochIndices(t, c)
	if !slices.Equal(a0, b0) {
		t.Fatal("same seed gave different orders")
	}
	if slices.Equal(a0, c0) {
		t.Error("different seeds gave the same order")
	}
	a.Reset()
	a1, _ := epochIndices(t, a)
	if slices.Equal(a0, a1) {
		t.Error("epoch 1 has the order of epoch 0")
	}
	b.Reset()
	if b1, _ := epochIndices(t, b); !slices.Equal(a1, b1) || a.Epoch() != 1 {
		t.Error("epoch 1 is not deterministic")
	}
	for _, order := range [][]int{a0, a1} {
		s := slices.Sorted(slices.Values(order))
		for i, v := range s {
			if v != i {
				t.Fatalf("epoch is not a permutation of 0..49: %v", s)
			}
		}
	}
	// Labels follow the indices.
	a.Reset()
	batch, _ := a.Next()
	for j, idx := range batch.Indices {
		if batch.Y[j] != ds.Labels[idx] {
			t.Fatalf("label %d of batch is %d, dataset label of %d is %d", j, batch.Y[j], idx, ds.Labels[idx])
		}
	}
	// Without Shuffle the order is the dataset's.
	plain, _ := NewBatcher(ds, BatcherOptions{BatchSize: 8})
	if idx, _ := epochIndices(t, plain); idx[0] != 0 || idx[49] != 49 || len(idx) != 50 {
		t.Errorf("unshuffled order %v", idx)
	}
}

func TestBatcherDropRemainder(t *testing.T) {
	ds := synthetic("svhn", 10, 3)
	for _, tc := range []struct {
		drop  bool
		want  []int
		batch int
	}{{false, []int{4, 4, 2}, 4}, {true, []int{4, 4}, 4}, {true, []int{5, 5}, 5}} {
		b, err := NewBatcher(ds, BatcherOptions{BatchSize: tc.batch, DropRemainder: tc.drop, Shuffle: true})
		if err != nil {
			t.Fatal(err)
		}
		_, sizes := epochIndices(t, b)
		if !slices.Equal(sizes, tc.want) || b.NumBatches() != len(tc.want) {
			t.Errorf("drop=%v batch=%d: sizes %v (NumBatches %d), want %v", tc.drop, tc.batch, sizes, b.NumBatches(), tc.want)
		}
		if _, err := b.Next(); !errors.Is(err, io.EOF) {
			t.Errorf("after the epoch Next returned %v, want io.EOF", err)
		}
	}
	if _, err := NewBatcher(ds, BatcherOptions{}); err == nil {
		t.Error("batch size 0 accepted")
	}
}

// matchesCrop reports whether out is a crop of image src (C x 32 x 32) shifted by some (dy, dx) in
// [-4, 4], flipped or not, with black padding, normalised by lut. It returns whether a flip was
// needed and whether the shift is not (0, 0).
func matchesCrop(out []float32, src []uint8, lut [][256]float32, c int) (ok, flipped, shifted bool) {
	for _, flip := range []bool{false, true} {
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				same := true
				for ch := 0; ch < c && same; ch++ {
					for y := 0; y < 32 && same; y++ {
						for x := 0; x < 32 && same; x++ {
							sx := x
							if flip {
								sx = 31 - x
							}
							sy, sx := y+dy, sx+dx
							var v uint8
							if sy >= 0 && sy < 32 && sx >= 0 && sx < 32 {
								v = src[(ch*32+sy)*32+sx]
							}
							same = out[(ch*32+y)*32+x] == lut[ch][v]
						}
					}
				}
				if same {
					return true, flip, dy != 0 || dx != 0
				}
			}
		}
	}
	return false, false, false
}

func TestBatcherAugment(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    int
		flip bool
	}{{"cifar10", 3, true}, {"mnist", 1, false}, {"svhn", 3, false}} {
		ds := synthetic(tc.name, 24, tc.c)
		b, err := NewBatcher(ds, BatcherOptions{BatchSize: 8, Augment: true, Shuffle: true, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		lut, _ := Registry[tc.name].Stats.lut(tc.c)
		flips, shifted := 0, 0
		for {
			batch, err := b.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if batch.C != tc.c || batch.H != 32 || batch.W != 32 || len(batch.X) != batch.Size*tc.c*1024 {
				t.Fatalf("%s: augmented batch shape %dx%dx%dx%d", tc.name, batch.Size, batch.C, batch.H, batch.W)
			}
			for j, idx := range batch.Indices {
				if batch.Y[j] != ds.Labels[idx] {
					t.Fatalf("%s: augmentation changed a label", tc.name)
				}
				sz := tc.c * 1024
				ok, flipped, moved := matchesCrop(batch.X[j*sz:(j+1)*sz], ds.Image(idx), lut, tc.c)
				if !ok {
					t.Fatalf("%s: example %d is not a padded crop of image %d", tc.name, j, idx)
				}
				if flipped {
					flips++
				}
				if moved {
					shifted++
				}
			}
		}
		if shifted == 0 {
			t.Errorf("%s: no example shifted in 24", tc.name)
		}
		if tc.flip && flips == 0 {
			t.Errorf("%s: no example flipped in 24", tc.name)
		}
		if !tc.flip && flips != 0 {
			t.Errorf("%s: %d digits flipped", tc.name, flips)
		}
	}
}

func TestBatcherPrefetchMatches(t *testing.T) {
	ds := synthetic("cifar100", 20, 3)
	ds.NumClasses = 100
	opts := BatcherOptions{BatchSize: 6, Augment: true, Shuffle: true, Seed: 11}
	a, _ := NewBatcher(ds, opts)
	opts.Prefetch = true
	b, _ := NewBatcher(ds, opts)
	for epoch := range 2 {
		for {
			x, errA := a.Next()
			y, errB := b.Next()
			if errA != nil || errB != nil {
				if !errors.Is(errA, io.EOF) || !errors.Is(errB, io.EOF) {
					t.Fatalf("epoch %d: errors %v / %v", epoch, errA, errB)
				}
				break
			}
			if !slices.Equal(x.X, y.X) || !slices.Equal(x.Y, y.Y) {
				t.Fatalf("epoch %d: prefetched batch differs", epoch)
			}
		}
		a.Reset()
		b.Reset()
	}
	// Reset in the middle of an epoch with a batch in flight.
	b.Next()
	b.Reset()
	if idx, _ := epochIndices(t, b); len(idx) != 20 {
		t.Errorf("after a mid-epoch Reset the epoch has %d examples", len(idx))
	}
}

// TestBatcherSeek: after Seek(1, 2) the batches are those of an uninterrupted run from epoch 1's
// third batch on (order, labels, augmentation), with a prefetched batch in flight when it seeks;
// the next Reset starts epoch 2. A position outside the epoch is an error.
func TestBatcherSeek(t *testing.T) {
	ds := synthetic("cifar10", 20, 3)
	opts := BatcherOptions{BatchSize: 6, Augment: true, Shuffle: true, Seed: 11, Prefetch: true}
	ref, _ := NewBatcher(ds, opts)
	var want []*Batch
	for range 2 {
		for {
			x, err := ref.Next()
			if err != nil {
				break
			}
			want = append(want, x)
		}
		ref.Reset()
	}
	b, _ := NewBatcher(ds, opts)
	b.Next() // leaves batch 1 of epoch 0 in flight
	if err := b.Seek(1, 2); err != nil {
		t.Fatal(err)
	}
	// 4 batches per epoch (20 / 6, the remainder kept): epoch 1 batch 2 is want[4+2].
	for i := 6; ; i++ {
		x, err := b.Next()
		if errors.Is(err, io.EOF) {
			if i != 8 {
				t.Fatalf("epoch 1 ended after batch %d, want 8", i)
			}
			break
		}
		if !slices.Equal(x.X, want[i].X) || !slices.Equal(x.Indices, want[i].Indices) {
			t.Fatalf("batch %d after the seek differs from the uninterrupted run's", i)
		}
	}
	if b.Reset(); b.Epoch() != 2 {
		t.Errorf("after the seeked epoch, Reset starts epoch %d, want 2", b.Epoch())
	}
	for _, bad := range [][2]int{{-1, 0}, {0, -1}, {0, 5}} {
		if err := b.Seek(bad[0], bad[1]); err == nil {
			t.Errorf("Seek(%d, %d) accepted", bad[0], bad[1])
		}
	}
}

func TestSubset(t *testing.T) {
	ds := synthetic("cifar10", 10, 3)
	s := ds.Subset(4)
	if s.N != 4 || len(s.Images) != 4*3072 || len(s.Labels) != 4 || s.Labels[3] != 3 || s.Image(3)[7] != ds.Image(3)[7] {
		t.Fatalf("Subset(4): N=%d images=%d labels=%v", s.N, len(s.Images), s.Labels)
	}
	if ds.Subset(0).N != 10 || ds.Subset(99).N != 10 || ds.N != 10 {
		t.Error("Subset out of range should keep everything and not touch the original")
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
}
