# Redis's own CPU time per store operation, old scripts against new: sends N operations of each kind named over
# one pipelined connection (redis-cli --pipe) to a Redis seeded by bench/Seed.java through sessiond (REDIS_PREFIX=x:,
# tenant bench, 2,000 sessions), and reads redis-server's CPU time from /proc and the script's (or EXEC's) usec
# from INFO commandstats.
#   python3 bench/redis-ops.py PORT N KIND... with KIND among get (get.lua), multi (MULTI HMGET GET EXEC),
#   put_old, put_new, append_old, append_new; OLD and NEW (environment) are folders holding the scripts of each
#   side (common.lua, get.lua, put.lua, append.lua), e.g. from `git show REV:src/main/resources/lua/put.lua`.
import random, subprocess, sys, json, re
PORT = sys.argv[1]; N = int(sys.argv[2]); which = sys.argv[3:]
def resp(*args):
    out = [b'*%d\r\n' % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b'$%d\r\n%s\r\n' % (len(a), a))
    return b''.join(out)
def cli(*a):
    return subprocess.run(['redis-cli', '-p', PORT] + list(a), capture_output=True, text=True).stdout.strip()
def load(src):
    return cli('SCRIPT', 'LOAD', src)
import os
OLD, NEW = os.environ['OLD'], os.environ['NEW']
def src(d, name):
    return open(os.path.join(d, name + '.lua')).read()
scripts = {'get': src(OLD, 'get'), 'put_old': src(OLD, 'common') + '\n' + src(OLD, 'put'),
           'put_new': src(NEW, 'common') + '\n' + src(NEW, 'put'),
           'append_old': src(OLD, 'common') + '\n' + src(OLD, 'append'),
           'append_new': src(NEW, 'common') + '\n' + src(NEW, 'append')}
sha = {k: load(v) for k, v in scripts.items()}
data = json.dumps({"me": {"id": "x" * 20}, "pad": "p" * 950})
now = int(cli('TIME').split()[0]) * 1000
def base(): return 'x:{bench:bench-%d}' % random.randrange(2000)
def ops(kind):
    b = bytearray()
    for _ in range(N):
        k = base()
        if kind == 'get':
            b += resp('EVALSHA', sha['get'], 1, k, now)
        elif kind == 'multi':
            b += resp('MULTI') + resp('HMGET', k + ':meta', 'ver', 'state', 'data', 'created', 'updated', 'activity', 'ttl', 'expires') + resp('GET', k + ':creds') + resp('EXEC')
        elif kind in ('put_old', 'put_new'):
            b += resp('EVALSHA', sha[kind], 1, k, now, '-1', '1', data, '0', '', '', '', '86400', '0', '*')
        elif kind in ('append_old', 'append_new'):
            b += resp('EVALSHA', sha[kind], 1, k, now, '-1', '0', '1000', '"id":"%032x","role":"user","content":"hello there, a message of about a hundred bytes","timestamp":"2026-12-05T12:00:00.000Z"}' % random.getrandbits(128))
    return bytes(b)
res = {}
import os
pid = int(re.search(r'process_id:(\d+)', cli('INFO','server')).group(1))
hz = os.sysconf('SC_CLK_TCK')
def cpu():
    f = open('/proc/%d/stat' % pid).read().rsplit(')',1)[1].split()
    return (int(f[11]) + int(f[12])) / hz
for kind in which:
    payload = ops(kind)
    cli('CONFIG', 'RESETSTAT')
    c0 = cpu()
    p = subprocess.run(['redis-cli', '-p', PORT, '--pipe'], input=payload, capture_output=True)
    c1 = cpu()
    stats = cli('INFO', 'commandstats')
    total = 0; calls = {}
    for line in stats.splitlines():
        m = re.match(r'cmdstat_(\w+):calls=(\d+),usec=(\d+)', line)
        if m and m.group(1) not in ('config', 'info'):
            total += int(m.group(3)); calls[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    res[kind] = total / N
    top = max(calls.items(), key=lambda kv: kv[1][1] if kv[0] in ('evalsha', 'exec') else -1)
    print('%-8s redis CPU %6.1f us/op; script or EXEC %6.1f us/op (%s)' % (kind, (c1 - c0) * 1e6 / N, top[1][1] / N, top[0]), p.stdout.decode().strip().splitlines()[-1:], flush=True)
