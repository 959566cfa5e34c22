#!/usr/bin/env python3
"""trace_idle.py: how much of a run had cores idle, and what ran alone meanwhile.

Reads a Go execution trace that was recorded with a CPU profile on (for example
`hybridprune trainbench -model alexnet -steps 60 -trace t.out -cpuprofile p.out`). It reports
the share of wall time with 0, 1, 2 or more goroutines running, and the CPU samples taken while
at most one ran, by the first hybridprune or GoMLX frame of their stacks: the serial work that
leaves the other cores idle.

Usage: bench/trace_idle.py TRACE [-n 25]   (needs `go` on PATH: it runs go tool trace -d=parsed)
"""
import argparse
import collections
import re
import subprocess
import sys

EVENT = re.compile(r'^M=(-?\d+) P=(-?\d+) G=(-?\d+) (\w+) Time=(\d+)(.*)$')
TRANSITION = re.compile(r'GoID=(\d+) (\w+)->(\w+)')


def frame_key(stack):
    """The first hybridprune or GoMLX function of a stack (else its first function)."""
    frames = [l.strip().split(' @')[0] for l in stack if not l.startswith('\t\t') and l.strip()]
    for f in frames:
        if 'hybridprune' in f or 'gomlx' in f:
            return f.replace('github.com/hybridprune/hybridprune/', '').replace('github.com/gomlx/gomlx/', '')
    return frames[0] if frames else '?'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('trace')
    ap.add_argument('-n', type=int, default=25, help='functions to list')
    args = ap.parse_args()
    try:
        text = subprocess.run(['go', 'tool', 'trace', '-d=parsed', args.trace], check=True,
                              capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f'trace_idle.py: go tool trace -d=parsed {args.trace}: {e}')
    lines = text.split('\n')
    running = set()
    by_count = collections.Counter()
    alone, every = collections.Counter(), collections.Counter()
    t_prev = None
    i = 0
    while i < len(lines):
        m = EVENT.match(lines[i])
        if not m:
            i += 1
            continue
        kind, t, rest = m.group(4), int(m.group(5)), m.group(6)
        stack, j = [], i + 1
        if j < len(lines) and lines[j].startswith('Stack='):
            j += 1
            while j < len(lines) and lines[j].startswith('\t'):
                stack.append(lines[j])
                j += 1
        if t_prev is not None:
            by_count[min(len(running), 3)] += t - t_prev
        t_prev = t
        if kind == 'StateTransition':
            s = TRANSITION.search(rest)
            if s:
                gid, before, after = s.groups()
                if after == 'Running':
                    running.add(gid)
                elif before == 'Running':
                    running.discard(gid)
        elif kind == 'StackSample':
            k = frame_key(stack)
            every[k] += 1
            if len(running) <= 1:
                alone[k] += 1
        i = j
    total = sum(by_count.values())
    if total == 0 or not every:
        sys.exit(f'trace_idle.py: {args.trace} has no goroutine events or no CPU samples (record it with -cpuprofile too)')
    for n in sorted(by_count):
        label = f'{n}+' if n == 3 else str(n)
        print(f'goroutines running {label}: {100 * by_count[n] / total:5.1f}% of {total / 1e9:.2f} s')
    print(f'CPU samples while at most one ran: {sum(alone.values())} of {sum(every.values())}')
    print('alone  all  function')
    for k, v in alone.most_common(args.n):
        print(f'{v:5d} {every[k]:4d}  {k}')


if __name__ == '__main__':
    main()
