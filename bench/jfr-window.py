#!/usr/bin/env python3
"""What the daemon, Redis and the load tool did in the first seconds of the stall benchmark's bulk window, per 100 ms.

  bench/jfr-window.py DIR NAME RESULT.md [SECONDS]

DIR/NAME.jfr and DIR/NAME.sched come from `bench/stall.sh --jfr DIR`; RESULT.md is the result file of that call (its
SLOW line for NAME gives the window's start and the slow GETs). Prints, for each 100 ms from 0.5 s before the window
to SECONDS after its start (default 3): the slowest GET started then, stop-the-world GC time, CPU ms and run-queue
wait ms (ready, no core) of each group of threads, and the event loops' Java samples by their hottest sessiond or
Vert.x frame; then the event loops' and bulk threads' top frames over the whole span."""
import collections, json, re, subprocess, sys
from datetime import datetime

d, name, result = sys.argv[1], sys.argv[2], sys.argv[3]
span = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0
BIN = 100

line = next(l for l in open(result) if re.search(rf'\b{name}: SLOW ', l))
start = int(re.search(r'epoch ms (\d+)', line).group(1))
slow = [(int(a), int(b)) for a, b in re.findall(r' (\d+)\+(\d+)', line.split(':', 2)[2])]
lo, hi = start - 500, start + int(span * 1000)
nb = (hi - lo) // BIN
def b(ms):
    return int((ms - lo) // BIN)

def epoch(t):
    t = t.replace('Z', '+00:00')
    m = re.match(r'(.*\.\d{6})\d*(.*)', t)
    if m:
        t = m.group(1) + m.group(2)
    return datetime.fromisoformat(t).timestamp() * 1000

def dur_ms(v):
    if isinstance(v, (int, float)):
        return v / 1e6
    m = re.match(r'PT(?:(\d+)M)?([\d.]+)S', v)
    return (int(m.group(1) or 0) * 60 + float(m.group(2))) * 1000 if m else 0.0

events = json.loads(subprocess.run(
    ['jfr', 'print', '--json', '--stack-depth', '40', '--events',
     'jdk.ExecutionSample,jdk.GCPhasePause,jdk.SafepointBegin,jdk.ObjectAllocationOutsideTLAB', f'{d}/{name}.jfr'],
    capture_output=True, text=True, check=True).stdout)['recording']['events']

tid_name = {}
gc = [0.0] * nb
pauses, safepoints = [], []
loop_frames = [collections.Counter() for _ in range(nb)]
top = collections.defaultdict(collections.Counter)
alloc = collections.Counter()

def frame_name(f):
    m = f['method']
    return f"{m['type']['name']}.{m['name']}"

def interesting(frames):
    for f in frames:
        n = frame_name(f)
        if n.startswith('io.sessiond') or n.startswith('io.vertx') and 'impl.' not in n:
            return n
    return frame_name(frames[0]) if frames else '?'

for e in events:
    v = e['values']
    t = epoch(v['startTime'])
    typ = e['type']
    if typ == 'jdk.ExecutionSample':
        th = v['sampledThread']
        tid_name[str(th.get('osThreadId'))] = th.get('javaName') or th.get('osName')
        if not lo <= t < hi:
            continue
        frames = (v.get('stackTrace') or {}).get('frames') or []
        jn = th.get('javaName') or ''
        group = 'loop' if 'eventloop' in jn else 'bulk' if 'sessiond-bulk' in jn else jn
        top[group][frame_name(frames[0]) if frames else '?'] += 1
        top[group + ' (first sessiond/vert.x frame)'][interesting(frames)] += 1
        if group == 'loop':
            loop_frames[b(t)][jn[-1] + ':' + interesting(frames).split('.', 2)[-1]] += 1
    elif typ == 'jdk.GCPhasePause' and lo <= t < hi:
        ms = dur_ms(v['duration'])
        pauses.append((t - start, ms, v.get('name')))
        gc[b(t)] += ms
    elif typ == 'jdk.SafepointBegin' and lo <= t < hi:
        ms = dur_ms(v['duration'])
        if ms > 2:
            safepoints.append((t - start, ms))
    elif typ == 'jdk.ObjectAllocationOutsideTLAB' and lo <= t < hi:
        frames = (v.get('stackTrace') or {}).get('frames') or []
        alloc[(v['eventThread'].get('javaName'), interesting(frames))] += v['allocationSize']

def group_of(pid_kind, comm, tid):
    if pid_kind == 'redis':
        return 'redis'
    if pid_kind == 'other':
        return 'curl' if comm == 'curl' else 'loadtool'
    jn = tid_name.get(tid, comm)
    if 'eventloop' in jn:
        return 'loop' + jn[-1]
    if 'sessiond-bulk' in jn:
        return 'bulk'
    if comm.startswith('GC') or comm.startswith('G1'):
        return 'gc'
    if 'Compiler' in comm:
        return 'jit'
    return 'daemon-other'

pids = {}
prev = {}
cpu = collections.defaultdict(lambda: [0.0] * nb)
wait = collections.defaultdict(lambda: [0.0] * nb)
first_pid = None
order = []
for l in open(f'{d}/{name}.sched'):
    ms, pid, tid, comm, c, w = l.split()
    ms = int(ms); c = int(c); w = int(w)
    if comm == 'machine':
        if 'machine' in prev and lo <= ms < hi:
            cpu['machine (all processes)'][b(ms)] += (c - prev['machine'][0]) / 1e6
            wait['machine (all processes)'][b(ms)] = max(wait['machine (all processes)'][b(ms)], w)
        prev['machine'] = (c, w)
        continue
    if first_pid is None:
        first_pid = pid
        order = [pid]
    if pid not in pids:
        pids[pid] = 'daemon' if pid == first_pid else 'redis' if comm.startswith('redis') and len(pids) == 1 else 'other'
    key = (pid, tid)
    if key in prev and lo <= ms < hi:
        g = group_of(pids[pid], comm, tid)
        cpu[g][b(ms)] += (c - prev[key][0]) / 1e6
        wait[g][b(ms)] += (w - prev[key][1]) / 1e6
    prev[key] = (c, w)

groups = sorted(cpu, key=lambda g: -sum(cpu[g]))
worst = [0] * nb
for s, ms in slow:
    i = b(start + s)
    if 0 <= i < nb:
        worst[i] = max(worst[i], ms)
print(f'window start {start} (epoch ms); bins of {BIN} ms from -500 ms; CPU ms / run-queue wait ms per group'
      ' (machine: CPU ms of every process / most threads runnable at once)')
print('  t(ms)  slowGET  gc  ' + '  '.join(f'{g:>14}' for g in groups) + '  loop samples')
for i in range(nb):
    t = lo + i * BIN - start
    cells = '  '.join(f'{cpu[g][i]:6.0f}/{wait[g][i]:<6.0f}' + ' ' * max(0, 14 - 13) for g in groups)
    lf = ', '.join(f'{k} {n}' for k, n in loop_frames[i].most_common(3))
    print(f'{t:6d}  {worst[i] or "":>7}  {gc[i]:4.0f}  {cells}  {lf}')
print('\ntotals over the span: ' + ', '.join(f'{g} cpu {sum(cpu[g]):.0f} wait {sum(wait[g]):.0f} ms' for g in groups))
print('\nGC pauses (ms from window start, ms): ' + ', '.join(f'{t:.0f}:{ms:.1f} {n}' for t, ms, n in pauses if ms >= 1))
print('safepoints over 2 ms: ' + ', '.join(f'{t:.0f}:{ms:.1f}' for t, ms in safepoints))
print('\nslow GETs: ' + ' '.join(f'{s}+{ms}' for s, ms in slow if s < span * 1000))
for g, c in sorted(top.items()):
    if g.startswith('loop') or g.startswith('bulk'):
        n = sum(c.values())
        print(f'\n{g}: {n} samples')
        for f, k in c.most_common(12):
            print(f'  {k:5d} {f}')
print('\nallocations outside TLABs (sampled bytes, thread, first sessiond/vert.x frame):')
for (th, f), n in alloc.most_common(12):
    print(f'  {n / 1e6:8.1f} MB  {th}  {f}')
