#!/usr/bin/env python3
"""Where a write-behind run's lag tail lies: one line per run of a bench/sync-sweep.sh -runs.md file.

  bench/sync-runs.py bench/results/<date>-sync-sweep-<NAME>-runs.md ...

For each run: lag p99 over the whole measured window; the worst per-second lag p99 in its first 6 seconds
(0-5) and in the rest (6-29); the stream backlog's peak during the warm-up (1 s samples before the measured
load started), the backlog at the measured start, and how many seconds into the load it first fell below 500.
"""
import re
import sys

for path in sys.argv[1:]:
    for r in open(path).read().split('# sessiond PostgreSQL sync benchmark')[1:]:
        m = re.search(r'load started at epoch (\d+)\) \{([^}]*)\}', r)
        if not m:
            continue
        jar = re.search(r'jar: ([^)]*)\)', r).group(1).split('/')[-1]
        when = re.search(r'- date: \S+ (\S+)', r).group(1)
        store = 'cluster' if 'cluster' in re.search(r'- store: (.*)', r).group(1).lower() else 'redis'
        p99 = re.search(r'\*\*lag p99\*\* \| \*\*([\d,]+) ms', r).group(1)
        start = int(m.group(1))
        per = {int(k): int(v.split('/')[0]) for k, v in (x.strip().split('=') for x in m.group(2).split(','))}
        early = max(v for k, v in per.items() if k <= 5)
        steady = max(v for k, v in per.items() if 6 <= k <= 29)
        rows = [l.split() for l in re.search(r'```\n(.*?)```', r, re.S).group(1).split('\n') if l.strip()]
        backlog = [(int(x[0]), float(x[2])) for x in rows]
        warm = max([b for t, b in backlog if t < start] or [0])
        at_start = next((b for t, b in backlog if t >= start), None)
        below = next((t - start for t, b in backlog if t >= start and b < 500), None)
        cpu = ''
        if rows and len(rows[0]) >= 8 and rows[0][6] != '':
            def cores(col, lo, hi):
                pts = [(int(x[0]), float(x[col])) for x in rows if lo <= int(x[0]) <= hi]
                return (pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0]) if len(pts) > 1 and pts[-1][0] > pts[0][0] else float('nan')
            warm_t = [int(x[0]) for x in rows if int(x[0]) < start and float(x[4]) > 0]
            w0 = warm_t[0] if warm_t else start - 15
            tool = re.search(r'warm-up ([\d.?]+), measured load ([\d.?]+)', r)
            cpu = (f"; cores sessiond {cores(6, w0, start):.2f} warm-up / {cores(6, start, start + 30):.2f} measured,"
                   f" redis {cores(7, w0, start):.2f} / {cores(7, start, start + 30):.2f}"
                   + (f", load tool {tool.group(1)} / {tool.group(2)}" if tool else ''))
        client = re.search(r'Its client: (\w+); pre-warmed against its own stub for (\d+) s', r)
        jar += f" [{client.group(1)}/{client.group(2)} s]" if client else " [urlconnection/0 s]"
        print(f"{when} {store} {jar}: lag p99 {p99} ms; worst second p99 0-5 s {early} ms, 6-29 s {steady} ms;"
              f" backlog peak in warm-up {warm:.0f}, at start {at_start if at_start is None else round(at_start)},"
              f" below 500 after {below} s{cpu}")
