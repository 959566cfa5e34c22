package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"runtime/trace"
)

// startCPUProfile starts a CPU profile written to path (go tool pprof) and returns the function
// that stops it and closes the file; with an empty path it does nothing.
func startCPUProfile(path string) (stop func(), err error) {
	return startRecording("-cpuprofile", path, pprof.StartCPUProfile, pprof.StopCPUProfile)
}

// startTrace starts a Go execution trace written to path (go tool trace) and returns the function
// that stops it and closes the file; with an empty path it does nothing.
func startTrace(path string) (stop func(), err error) {
	return startRecording("-trace", path, trace.Start, trace.Stop)
}

// startRecording creates path and starts a runtime recorder (a profile or a trace) writing to it;
// errors name the flag that asked for it.
func startRecording(flag, path string, start func(io.Writer) error, end func()) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s %s: %w", flag, path, err)
	}
	return func() { end(); f.Close() }, nil
}
