# Where a write script's Redis time goes: Redis's own CPU time per EVALSHA (from /proc) for scripts that
# stop at successive points of put.lua, sent over one pipelined connection (redis-cli --pipe), alternated
# over the rounds. Run against a Redis seeded the way bench/redis-ops.py expects (bench/Seed.java through
# sessiond with REDIS_PREFIX=x:, tenant bench, 2,000 sessions); scripts come from src/main/resources/lua.
#   python3 bench/lua-cost.py PORT [N] [ROUNDS]
# Rows: empty (EVALSHA of 'return 1' with put's arguments: the floor of any script), prelude (common.lua,
# then return), open (common.lua and open(): one HMGET of the meta hash and the If-Match rules), put
# (put.lua, change events off), put+events (put.lua with the change event log on, as by default: XADD and
# the length trim, XTRIM MAXLEN), put+events+agetrim (plus the age trim, XTRIM MINID, in the write as before
# the sweeper took it over), put+events-untrimmed (no XTRIM at all); on Redis 7 also fcall empty and
# fcall put+events: the same as functions of one library (FUNCTION LOAD once, FCALL per call, as LuaLibrary).
import os, random, re, subprocess, sys, json
PORT = sys.argv[1]; N = int(sys.argv[2]) if len(sys.argv) > 2 else 20000; ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'main', 'resources', 'lua')
def cli(*a):
    return subprocess.run(['redis-cli', '-p', PORT] + list(a), capture_output=True, text=True).stdout.strip()
def resp(*args):
    out = [b'*%d\r\n' % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b'$%d\r\n%s\r\n' % (len(a), a))
    return b''.join(out)
common = open(os.path.join(LUA, 'common.lua')).read()
put = open(os.path.join(LUA, 'put.lua')).read()
PH = "local EVENTS, EVENTS_MAX_LEN, EVENTS_MAX_AGE_MS = false, 0, 0\n"
events = common.replace(PH, "local EVENTS, EVENTS_MAX_LEN, EVENTS_MAX_AGE_MS = [==[x:events:]==], 10000, 86400000\n")
# The write's trim: the length bound only since the sweeper keeps the age bound (events_trim.lua).
TRIM = re.search(r"  local dropped = redis.call\('XTRIM', stream, 'MAXLEN'.*?\n", events).group(0)
AGE_TRIM = TRIM.rstrip('\n') + "\n    + redis.call('XTRIM', stream, 'MINID', '~', now - EVENTS_MAX_AGE_MS)\n"
common += '\nbind()\n'
events += '\nbind()\n'
variants = {
    'empty': 'return 1',
    'prelude': common + '\nreturn 1',
    'open': common + '\nlocal m = open(tonumber(ARGV[1]), ARGV[2], true)\nreturn 1',
    'put': common + '\n' + put,
    'put+events': events + '\n' + put,
    'put+events+agetrim': events.replace(TRIM, AGE_TRIM) + '\n' + put,
    'put+events-untrimmed': events.replace(TRIM, "  local dropped = 0\n") + '\n' + put,
}
sha = {k: cli('SCRIPT', 'LOAD', v) for k, v in variants.items()}
# The same scripts as functions of one library (Redis 7, as LuaLibrary builds it): the prelude runs once,
# at FUNCTION LOAD; each call binds KEYS/ARGV and the session's key names. Rows 'fcall ...'.
lib = ['#!lua name=luacost', 'local KEYS, ARGV']
fvariants = {'fcall empty': 'return 1', 'fcall put+events': put}
lib.append(events.replace('\nbind()\n', '\n'))
for i, (k, body) in enumerate(fvariants.items()):
    lib.append("redis.register_function('luacost_%d', function(keys, args)\nKEYS, ARGV = keys, args\nbind()\n%s\nend)" % (i, body))
functions = 'ERR' not in cli('FUNCTION', 'LOAD', 'REPLACE', '\n'.join(lib))
if functions:
    for i, k in enumerate(fvariants):
        variants[k] = None
        sha[k] = 'luacost_%d' % i
data = json.dumps({"me": {"id": "x" * 20}, "pad": "p" * 950})
now = int(cli('TIME').split()[0]) * 1000
pid = int(re.search(r'process_id:(\d+)', cli('INFO', 'server')).group(1))
hz = os.sysconf('SC_CLK_TCK')
def cpu():
    f = open('/proc/%d/stat' % pid).read().rsplit(')', 1)[1].split()
    return (int(f[11]) + int(f[12])) / hz
res = {k: [] for k in variants}
for rnd in range(ROUNDS):
    for k in variants:
        b = bytearray()
        for _ in range(N):
            key = 'x:{bench:bench-%d}' % random.randrange(2000)
            b += resp('FCALL' if k.startswith('fcall') else 'EVALSHA', sha[k], 1, key, now, '-1', '1', data, '0', '',
                      '', '', '86400', '0', '*', '0')
        c0 = cpu()
        p = subprocess.run(['redis-cli', '-p', PORT, '--pipe'], input=bytes(b), capture_output=True)
        c1 = cpu()
        if b'errors: 0' not in p.stdout:
            sys.exit('%s: %s' % (k, p.stdout.decode()))
        res[k].append((c1 - c0) * 1e6 / N)
load = open('/proc/loadavg').read().split()[0]
print('| script | Redis CPU µs per EVALSHA or FCALL (each round) | median |')
print('| --- | --- | ---: |')
for k, v in res.items():
    print('| %s | %s | %.1f |' % (k, ', '.join('%.1f' % x for x in v), sorted(v)[len(v) // 2]))
print('\n%d EVALSHA per row and round, %d rounds alternated; 1-minute load %s at the end.' % (N, ROUNDS, load))
