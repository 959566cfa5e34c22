package experiment

import "github.com/hybridprune/hybridprune/pruner"

// SensitivityReport is what `hybridprune sensitivity -out` writes (JSON) and the notebooks read:
// the per-layer curves, the automatic allocation for a MACs budget and the selections compared
// at its MACs.
type SensitivityReport struct {
	Model   string                  `json:"model"`
	Dataset string                  `json:"dataset"`
	Metric  string                  `json:"metric"`
	CPU     string                  `json:"cpu"`
	Date    string                  `json:"date"`
	Base    float64                 `json:"baseline_accuracy"`
	Rows    []pruner.SensitivityRow `json:"rows"`
	Budget  float64                 `json:"budget_macs,omitempty"`
	Auto    *pruner.AutoRatios      `json:"auto,omitempty"`
	Compare []SelectionResult       `json:"compare,omitempty"`
}

// SelectionResult is one selection at the budget: its MACs fraction and accuracies.
type SelectionResult struct {
	Name           string             `json:"name"`
	Ratio          float64            `json:"ratio,omitempty"`
	LayerRatios    map[string]float64 `json:"layer_ratios,omitempty"`
	Widths         []int              `json:"widths"`
	MACs           float64            `json:"macs"`
	Accuracy       float64            `json:"accuracy_no_finetune"`
	AccuracyTuned  float64            `json:"accuracy_finetuned"`
	FineTuneEpochs int                `json:"finetune_epochs"`
}
