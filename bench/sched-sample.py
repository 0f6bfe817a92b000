#!/usr/bin/env python3
"""Every 50 ms, each thread's CPU time and run-queue wait (/proc/PID/task/TID/schedstat) of the given processes and of
any process whose command line contains one of the --match words, until the first pid exits.

  bench/sched-sample.py OUT PID [PID ...] [--match WORD ...]

OUT gets one line per thread per sample: epoch_ms pid tid comm cpu_ns runqueue_wait_ns, and one for the whole machine:
epoch_ms 0 0 machine busy_ns runnable_threads (from /proc/stat: every process's CPU, and procs_running). bench/jfr-window.py reads it:
a thread that waits on the run queue is ready but has no core (the machine is oversubscribed)."""
import os, sys, time

args = sys.argv[1:]
out = args[0]
pids, words, i = [], [], 1
while i < len(args):
    if args[i] == '--match':
        words.append(args[i + 1]); i += 2
    else:
        pids.append(args[i]); i += 1
first = pids[0]

def matched():
    found = []
    for p in os.listdir('/proc'):
        if p.isdigit() and p not in pids and p != str(os.getpid()):
            try:
                with open(f'/proc/{p}/cmdline', 'rb') as f:
                    cmd = f.read().decode(errors='replace')
            except OSError:
                continue
            if any(w in cmd for w in words):
                found.append(p)
    return found

extra, last_scan = [], 0.0
with open(out, 'w') as o:
    while os.path.exists(f'/proc/{first}'):
        now = time.time()
        if words and now - last_scan > 1:
            extra, last_scan = matched(), now
        ms = int(now * 1000)
        with open('/proc/stat') as f:
            stat = f.read().split('\n')
        cpu = [int(x) for x in stat[0].split()[1:]]
        busy = (sum(cpu) - cpu[3] - cpu[4]) * 10_000_000  # jiffies (100 Hz) to ns, idle and iowait left out
        running = next(l.split()[1] for l in stat if l.startswith('procs_running'))
        o.write(f'{ms} 0 0 machine {busy} {running}\n')
        for p in pids + extra:
            try:
                tids = os.listdir(f'/proc/{p}/task')
            except OSError:
                continue
            for t in tids:
                try:
                    with open(f'/proc/{p}/task/{t}/schedstat') as f:
                        cpu, wait, _ = f.read().split()
                    with open(f'/proc/{p}/task/{t}/comm') as f:
                        comm = f.read().strip().replace(' ', '_')
                except (OSError, ValueError):
                    continue
                o.write(f'{ms} {p} {t} {comm} {cpu} {wait}\n')
        time.sleep(0.05)
