package experiment

// The numbers the hybrid-pruning paper prints (its figures are curves without printed values;
// their claims are stated in the text and checked by the verdict functions).

// PaperRatios are the remaining-filter ratios of Tables 1 and 2.
var PaperRatios = []float64{0.9, 0.8, 0.7, 0.6, 0.5, 0.4}

// PaperTable1 is Table 1: AlexNet on MNIST.
var PaperTable1 = struct {
	Original, NMOnly float64
	Filter, Hybrid   []float64 // at PaperRatios
}{
	Original: 0.983, NMOnly: 0.978,
	Filter: []float64{0.982, 0.982, 0.977, 0.976, 0.973, 0.956},
	Hybrid: []float64{0.975, 0.974, 0.973, 0.962, 0.962, 0.930},
}

// PaperTable2 is Table 2: hybrid pruning with 2:4 groups along the width (the paper's) and along
// the channels (NVIDIA ASP's "permuted" structure), AlexNet on MNIST, at 1.0 and PaperRatios.
var PaperTable2 = struct {
	Width, Channels []float64 // at 1.0 then PaperRatios
}{
	Width:    []float64{0.978, 0.975, 0.974, 0.973, 0.962, 0.962, 0.930},
	Channels: []float64{0.979, 0.978, 0.978, 0.974, 0.971, 0.958, 0.940},
}
