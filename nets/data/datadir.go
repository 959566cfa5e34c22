package data

import (
	"os"
	"path/filepath"
)

// Environment variables the package reads.
const (
	// EnvDataDir names the data directory when no flag value is given (see DataDir).
	EnvDataDir = "HYBRIDPRUNE_DATA"
	// EnvOffline disables downloads when set to "1".
	EnvOffline = "HYBRIDPRUNE_OFFLINE"
)

// DataDir resolves the root data directory: flagValue when not empty, else the environment
// variable HYBRIDPRUNE_DATA when set, else <os.UserCacheDir()>/hybridprune/datasets (or
// <os.TempDir()>/hybridprune/datasets when there is no user cache directory). Each dataset lives in
// <DataDir>/<name>/.
func DataDir(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv(EnvDataDir); env != "" {
		return env
	}
	base, err := os.UserCacheDir()
	if err != nil || base == "" {
		base = os.TempDir()
	}
	return filepath.Join(base, "hybridprune", "datasets")
}
