package nets

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/default" // simplego, plus XLA where it builds (GPU machines).
	"github.com/gomlx/gomlx/backends/simplego"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/nets/workaround"
)

// BackendEnvVar selects the GoMLX backend, e.g. "go" (the pure-Go simplego backend, the default)
// or "xla:cuda" on a machine with a GPU and the PJRT CUDA plugin installed.
const BackendEnvVar = backends.ConfigEnvVar

var (
	backendOnce sync.Once
	backend     backends.Backend
	backendErr  error
)

// Backend returns the process-wide GoMLX backend: $GOMLX_BACKEND when set, else simplego. GoMLX's
// own default tries XLA first, which fails on machines without the XLA plugin; this makes the
// pure-Go CPU backend work out of the box and keeps XLA one environment variable away. It also
// installs the fast simplego executors (workaround.InstallFastOps; $HYBRIDPRUNE_FASTOPS=0
// turns it off).
func Backend() (backends.Backend, error) {
	backendOnce.Do(func() {
		config, ok := os.LookupEnv(BackendEnvVar)
		if !ok || config == "" {
			config = simplego.BackendName
		}
		if err := workaround.InstallFastOps(); err != nil {
			// Still correct, only slower: simplego keeps its own matrix product.
			fmt.Fprintf(os.Stderr, "hybridprune: %v\n", err)
		}
		backend, backendErr = backends.NewWithConfig(config)
		if backendErr != nil {
			backendErr = fmt.Errorf("creating GoMLX backend %q (set %s to choose another, e.g. %q): %w",
				config, BackendEnvVar, simplego.BackendName, backendErr)
		}
	})
	return backend, backendErr
}

// BackendDescription names the backend for logs and provenance, e.g. "SimpleGo (go) + fast
// executors (asm-avx2)", "SimpleGo (go) (own executors only)", or the XLA backend's name; the
// error text when no backend can be created.
func BackendDescription() string {
	b, err := Backend()
	if err != nil {
		return "unavailable: " + err.Error()
	}
	name := b.Name()
	if strings.HasPrefix(name, "SimpleGo") {
		if workaround.FastOpsActive() {
			name += " + fast executors (" + gemm.RouteName() + ")"
		} else {
			name += " (own executors only)"
		}
	}
	return name
}
