#!/usr/bin/env python3
# What Redis Cluster itself loses on an unclean failover, without sessiond in the way: a local cluster
# of 3 masters + 3 replicas (the machine's redis-server, node timeout 1 s), 20 connections sending
# INCR to 20 keys of the first master, one command at a time, each acknowledged value recorded; after
# SECONDS the master is killed with SIGKILL, and once its replica is promoted the keys are read there.
# Lost = acknowledged increments the promoted replica does not have (asynchronous replication).
#   python3 bench/cluster-failover-loss.py [BASE_PORT=27000] [SECONDS=3]
# Loopback only; every process it starts is killed at the end.
import socket, subprocess, time, os, sys, threading
base = int(sys.argv[1]) if len(sys.argv) > 1 else 27000
ports = [base + i for i in range(6)]
procs = {}
d = "/tmp/sessiond-cluster-loss-%d" % base
subprocess.run(["rm", "-rf", d]); os.makedirs(d)
def start(p):
    os.makedirs(f"{d}/{p}", exist_ok=True)
    procs[p] = subprocess.Popen(["redis-server", "--port", str(p), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
        "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000", "--save", "", "--appendonly", "no",
        "--dir", f"{d}/{p}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def cmd(p, *a):
    s = socket.create_connection(("127.0.0.1", p)); f = s.makefile("rb")
    s.sendall(enc(a)); r = read(f); s.close(); return r
def enc(a):
    out = b"*%d\r\n" % len(a)
    for x in a:
        x = str(x).encode(); out += b"$%d\r\n%s\r\n" % (len(x), x)
    return out
def read(f):
    l = f.readline(); t = l[:1]; v = l[1:-2]
    if t == b"+": return v.decode()
    if t == b"-": return Exception(v.decode())
    if t == b":": return int(v)
    if t == b"$":
        n = int(v)
        if n < 0: return None
        b = f.read(n + 2); return b[:-2].decode()
    if t == b"*":
        return [read(f) for _ in range(int(v))]
import atexit
atexit.register(lambda: [p.kill() for p in procs.values()])
for p in ports: start(p)
def up(p):
    try:
        return cmd(p, "PING") == "PONG"
    except OSError:
        return False
for p in ports:
    while not up(p): time.sleep(0.05)
for i in range(3):
    lo, hi = [(0,5460),(5461,10922),(10923,16383)][i]
    cmd(ports[i], "CLUSTER", "SET-CONFIG-EPOCH", i + 1)
    cmd(ports[i], "CLUSTER", "ADDSLOTS", *range(lo, hi + 1))
for p in ports[1:]: cmd(p, "CLUSTER", "MEET", "127.0.0.1", ports[0])
time.sleep(2)
for i in range(3, 6):
    mid = cmd(ports[i-3], "CLUSTER", "MYID")
    while mid not in cmd(ports[i], "CLUSTER", "NODES"): time.sleep(0.05)
    cmd(ports[i], "CLUSTER", "REPLICATE", mid)
while not all("cluster_state:ok" in cmd(p, "CLUSTER", "INFO") for p in ports): time.sleep(0.05)
while not all("master_link_status:up" in cmd(p, "INFO", "replication") for p in ports[3:]): time.sleep(0.05)
# keys on master 0: find 20 keys of slots 0..5460
keys = []
n = 0
while len(keys) < 20:
    k = "k%d" % n; n += 1
    if cmd(ports[0], "CLUSTER", "KEYSLOT", k) <= 5460: keys.append(k)
acked = {k: 0 for k in keys}
stop = False
def writer(k):
    s = socket.create_connection(("127.0.0.1", ports[0])); f = s.makefile("rb")
    try:
        while not stop:
            s.sendall(enc(("INCR", k))); r = read(f)
            if isinstance(r, int): acked[k] = r
            else: break
    except Exception:
        pass
ts = [threading.Thread(target=writer, args=(k,)) for k in keys]
for t in ts: t.start()
time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 3)
procs[ports[0]].kill(); killed = time.time()
stop = True
for t in ts: t.join()
total = sum(acked.values())
def promoted():
    try:
        return "role:master" in cmd(ports[3], "INFO", "replication")
    except OSError:
        return False
while not promoted(): time.sleep(0.02)
took = time.time() - killed
kept = sum(int(cmd(ports[3], "GET", k) or 0) for k in keys)
print(f"acked {total} INCRs on the killed master, promoted replica holds {kept}: lost {total-kept} ({(total-kept)/max(total,1)*100:.3f} %); replica promoted after {took:.2f} s")
for p in procs.values(): p.kill()
subprocess.run(["rm", "-rf", d])
