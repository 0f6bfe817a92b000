package io.sessiond.store.redis;

import io.sessiond.store.EventLogSettings;
import io.sessiond.store.LeaseRequests;
import io.sessiond.store.LeaseRequests.AcquireLease;
import io.sessiond.store.LeaseRequests.LeaseGrant;
import io.sessiond.store.LeaseRequests.LeaseInfo;
import io.sessiond.store.LeaseRequests.LeaseReleased;
import io.sessiond.store.LeaseRequests.ReleaseLease;
import io.sessiond.store.OnceRequests.AppendOnce;
import io.sessiond.store.OnceRequests.Claim;
import io.sessiond.store.OnceRequests.ClaimKey;
import io.sessiond.store.OnceRequests.ClaimState;
import io.sessiond.store.OnceRequests.Once;
import io.sessiond.store.OnceRequests.Outcome;
import io.sessiond.store.OnceRequests.ReleaseKey;
import io.sessiond.store.OnceRequests.SettleKey;
import io.sessiond.store.OnceRequests.TransitionOnce;
import io.sessiond.store.RequestChecks;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreSettings;
import io.sessiond.store.memory.MemorySessionStore;
import io.sessiond.config.RedisConfig;
import io.sessiond.session.MergePatch;
import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionState;
import io.sessiond.session.SessionStatus;
import io.sessiond.session.StoredMessage;
import io.sessiond.store.redis.LuaScripts.Script;
import io.sessiond.store.redis.RedisReplies.Absent;
import io.sessiond.store.StoreRequests.CountSessions;
import io.sessiond.store.StoreRequests.AppendMessages;
import io.sessiond.store.StoreRequests.AppendResult;
import io.sessiond.store.StoreRequests.ImportSession;
import io.sessiond.store.StoreRequests.KeyValues;
import io.sessiond.store.StoreRequests.ListSessions;
import io.sessiond.store.StoreRequests.MessagePage;
import io.sessiond.store.StoreRequests.PatchSession;
import io.sessiond.store.StoreRequests.PutCreds;
import io.sessiond.store.StoreRequests.PutResult;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.QueryKeys;
import io.sessiond.store.StoreRequests.ReadMessages;
import io.sessiond.store.StoreRequests.SessionPage;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.store.StoreRequests.StatusPage;
import io.sessiond.store.StoreRequests.Transition;
import io.sessiond.store.StoreRequests.WriteKeys;
import io.sessiond.store.StoreRequests.Written;
import io.sessiond.tenant.TenantLimits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Redis backend ({@code SESSION_STORE=redis}): any number of sessiond instances share the
 * sessions through one Redis (standalone, Sentinel or Cluster). Every operation on a session is one
 * Lua script over the session's keys, which share one hash tag, so it is atomic and cluster-safe;
 * the per-tenant indexes are a second step ({@link RedisIndex}). Values are stored as the exact JSON
 * text received. The semantics follow {@link MemorySessionStore}, the reference.
 */
final class RedisSessionStore implements SessionStore {
  /** Concurrent patches of one session retry their read-merge-write this many times before giving up. */
  private static final int PATCH_ATTEMPTS = 16;
  private static final String EMPTY_DATA = "{}";

  private final StoreSettings settings;
  private final RedisKeys keys;
  private final LuaScripts scripts = new LuaScripts();
  private final ChangeRecording recording;
  private final RedisLink link;
  /** Restores' own connections on a single Redis, or null (Sentinel, Cluster): {@link #restoreDirect}. */
  private final RestorePipe pipe;
  private final RedisIndex index;
  private final RedisPages pages;
  /** Whether to run the scripts from a Redis function library where Redis allows it ({@code REDIS_FUNCTIONS}, default on). */
  private final boolean functions;

  RedisSessionStore(Vertx vertx, StoreSettings settings, RedisConfig config) {
    this(vertx, settings, config, false);
  }

  /**
   * @param recordChanges whether every change is also recorded in the PostgreSQL change stream
   *                      ({@code <prefix>sync}), atomically in the script that makes it
   */
  RedisSessionStore(Vertx vertx, StoreSettings settings, RedisConfig config, boolean recordChanges) {
    this(vertx, settings, config, !recordChanges ? ChangeRecording.off()
        : RedisConfig.CLUSTER.equals(config.mode()) ? ChangeRecording.perSlot(new SlotStreams(config.prefix()))
        : ChangeRecording.stream(changeStream(config.prefix())));
  }

  /** @param recording how every change is recorded for PostgreSQL sync (off, one stream, or per cluster slot) */
  RedisSessionStore(Vertx vertx, StoreSettings settings, RedisConfig config, ChangeRecording recording) {
    // On Redis Cluster a session script may not touch a stream outside its slot: no events there.
    EventLogSettings events = RedisConfig.CLUSTER.equals(config.mode()) || recording.perSlot() ? EventLogSettings.OFF
        : settings.events();
    this.recording = recording.withEvents(RedisKeys.eventsPrefix(config.prefix()), events);
    this.settings = settings;
    this.keys = new RedisKeys(config.prefix());
    this.link = new RedisLink(vertx, config);
    this.pipe = RestorePipe.of(vertx, config);
    this.functions = config.functions();
    this.index = new RedisIndex(link, keys, scripts, this.recording);
    this.pages = new RedisPages(link, keys, index);
  }

  @Override
  public Future<Void> open() {
    return link.open(scripts).compose(v -> recording.enabled() ? loadRecordingScripts() : Future.succeededFuture())
        .compose(v -> functions && !link.cluster() ? link.loadFunctions(LuaLibrary.of(scripts, recording))
            : Future.succeededFuture());
  }

  /** The change feed sync reads, on this store's connections and scripts. */
  RedisChangeFeed changeFeed(String prefix) {
    return new RedisChangeFeed(link, scripts, prefix);
  }

  /** The change feed over a cluster's per-slot streams, on this store's connections and scripts. */
  RedisChangeFeed slotChangeFeed(SlotStreams streams, SlotActivity activity) {
    return new SlotChangeFeed(link, scripts, streams, activity);
  }

  /** The key of the PostgreSQL change stream under {@code prefix}. */
  static String changeStream(String prefix) {
    return prefix + "sync";
  }

  /** Loads the recording variants of the scripts, so the first writes need no NOSCRIPT round trip. */
  private Future<Void> loadRecordingScripts() {
    return link.with(conn -> {
      List<Future<Response>> loads = new ArrayList<>();
      for (Script s : scripts.all()) {
        Script recorded = recording.of(s);
        if (recorded != s) {
          loads.add(link.send(conn, io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.SCRIPT).arg("LOAD")
              .arg(recorded.source())));
        }
      }
      return Future.all(loads).mapEmpty();
    });
  }

  @Override
  public Future<Void> close() {
    if (pipe != null) {
      pipe.close();
    }
    return link.close();
  }

  /**
   * Whether Redis answers now (a PING on a shared connection), for readiness probes: fails with
   * UNAVAILABLE at once while the store considers Redis down.
   */
  @Override
  public Future<Void> ping() {
    return link.cluster() ? pingAny(CLUSTER_PING_TRIES) : pingOnce();
  }

  /**
   * On a cluster a PING goes to a node the driver picks at random, and the store counts as up when
   * any of {@link #CLUSTER_PING_TRIES} answers: one failed node (its slots moving to a replica) must
   * not take the whole instance out of a load balancer while the other masters serve their slots. A
   * PING to the failed node fails at once ("Connection is closed"), so the tries cost nothing then;
   * with three tries, probes during a killed master's failover still drew it every time.
   */
  private Future<Void> pingAny(int tries) {
    return tries <= 1 ? pingOnce() : pingOnce().recover(e -> pingAny(tries - 1));
  }

  private static final int CLUSTER_PING_TRIES = 10;

  /** One PING on a shared connection. */
  private Future<Void> pingOnce() {
    return link.with(conn -> link.send(conn, io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.PING)))
        .mapEmpty();
  }

  // ---- documents ------------------------------------------------------------------------------

  @Override
  public Future<PutResult> put(PutSession r) {
    return checked(() -> {
      RequestChecks.sessionId(r.id());
      RequestChecks.ttl(r.ttlSeconds());
      long now = now();
      long ttl = r.ttlSeconds() != null ? r.ttlSeconds() : settings.defaultTtlSeconds();
      Function<Boolean, List<String>> args = mustExist -> List.of(Long.toString(now), r.precondition(r.ifMatch()),
          flag(mustExist), r.dataJson() == null ? EMPTY_DATA : r.dataJson(), flag(r.credsJson() != null),
          r.credsJson() == null ? "" : r.credsJson(), r.state() == null ? "" : r.state().wire(),
          r.ttlSeconds() == null ? "" : Long.toString(r.ttlSeconds()), Long.toString(settings.defaultTtlSeconds()),
          Long.toString(limits(r.tenant()).maxBytesPerSession()), sources(r.state()),
          Integer.toString(settings.credsHistory()));
      return createOrReplace(r.tenant(), r.id(), r.state(), scripts.put, args, Session.expiryFor(now, ttl), now, false)
          .map(written -> new PutResult(sent(written.session(), r), written.created()));
    });
  }

  /**
   * put.lua does not read back what the request itself wrote (the data, and the creds when given):
   * the reply leaves them out, and they are taken from the request.
   */
  private static Session sent(Session s, PutSession r) {
    String creds = r.credsJson() == null ? s.credsJson() : RequestChecks.clearable(r.credsJson());
    return new Session(s.id(), s.state(), r.dataJson() == null ? EMPTY_DATA : r.dataJson(), creds, s.version(),
        s.createdAt(), s.updatedAt(), s.lastActivityAt(), s.ttlSeconds(), s.expiresAt());
  }

  @Override
  public Future<Session> get(SessionRef ref) {
    if (!link.cluster()) {
      return read(ref);
    }
    // A cluster connection routes by key: MULTI and EXEC name none, so a cluster reads by script.
    return script(ref.tenant(), ref.id(), scripts.get, List.of(Long.toString(now())), null)
        .map(r -> RedisReplies.session(ref.id(), r.get(1), r.get(2)));
  }

  /**
   * A session read without a script: its fields (one HMGET of the meta hash) and its creds (one GET)
   * in one MULTI ... EXEC, written in one piece so that no other request's command lands in between:
   * both come from the same version. Expiry is checked here, as get.lua does. Redis spends a quarter
   * of get.lua's time on it (docs/decisions.md).
   */
  private Future<Session> read(SessionRef ref) {
    String base = keys.session(ref.tenant(), ref.id());
    long now = now();
    List<Request> tx = List.of(Request.cmd(Command.MULTI),
        Request.cmd(Command.HMGET).arg(base + ":meta").arg("ver").arg("state").arg("data").arg("created").arg("updated")
            .arg("activity").arg("ttl").arg("expires"),
        Request.cmd(Command.GET).arg(base + ":creds"),
        Request.cmd(Command.EXEC));
    return link.with(conn -> link.batch(conn, tx)).map(replies -> {
      Response exec = replies.get(3);
      Response fields = exec.get(0);
      long expires = fields.get(0) == null ? 0 : RedisReplies.number(fields.get(7));
      if (fields.get(0) == null || (expires > 0 && expires <= now)) {
        throw StoreException.notFound(null, ref.id());
      }
      return RedisReplies.session(ref.id(), fields, exec.get(1));
    });
  }

  @Override
  public Future<Session> patch(PatchSession r) {
    return patchAttempt(r, PATCH_ATTEMPTS);
  }

  /**
   * Lua's cjson does not keep member order, so the merge runs here on the version just read and is
   * written back only if the session is still at that version; a concurrent write means read again.
   */
  private Future<Session> patchAttempt(PatchSession r, int attemptsLeft) {
    return get(new SessionRef(r.tenant(), r.id())).compose(current -> {
      if (r.ifMatch() != StoreRequests.ANY_VERSION && r.ifMatch() != current.version()) {
        return Future.failedFuture(StoreException.staleVersion(r.ifMatch(), current.version()));
      }
      String data = MergePatch.apply(new JsonObject(current.dataJson()), RequestChecks.patchObject(r.patchJson())).encode();
      List<String> args = List.of(Long.toString(now()), r.precondition(current.version()), data,
          Long.toString(limits(r.tenant()).maxBytesPerSession()));
      return script(r.tenant(), r.id(), scripts.patch, args, null)
          .map(reply -> RedisReplies.session(r.id(), reply.get(3), reply.get(4)))
          .recover(e -> {
            boolean raced = e instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH;
            return raced && r.ifMatch() == StoreRequests.ANY_VERSION && attemptsLeft > 1
                ? patchAttempt(r, attemptsLeft - 1)
                : Future.failedFuture(e);
          });
    });
  }

  @Override
  public Future<Void> delete(SessionRef ref) {
    return link.with(conn -> eval(conn, ref.tenant(), ref.id(), scripts.delete, writeArgs(ref), null)
        .compose(r -> index.remove(conn, ref.tenant(), ref.id()).otherwiseEmpty()));
  }

  @Override
  public Future<SessionStatus> touch(SessionRef ref) {
    return script(ref.tenant(), ref.id(), scripts.touch, writeArgs(ref), null)
        .map(r -> RedisReplies.status(ref.id(), r));
  }

  // ---- listing and status -----------------------------------------------------------------------

  @Override
  public Future<SessionPage> list(ListSessions r) {
    return pages.page(r, scripts.get, (id, reply) -> RedisReplies.session(id, reply.get(1), reply.get(2)), Session::state)
        .map(p -> new SessionPage(p.items(), p.nextAfterId()));
  }

  @Override
  public Future<SessionStatus> status(SessionRef ref) {
    return script(ref.tenant(), ref.id(), scripts.status, List.of(Long.toString(now())), null)
        .map(r -> RedisReplies.status(ref.id(), r));
  }

  @Override
  public Future<StatusPage> statusAll(ListSessions r) {
    return pages.page(r, scripts.status, RedisReplies::status, SessionStatus::state)
        .map(p -> new StatusPage(p.items(), p.nextAfterId()));
  }

  @Override
  public Future<Long> countSessions(CountSessions r) {
    return index.count(r.tenant());
  }

  @Override
  public Future<SessionStatus> transition(Transition r) {
    return transitionScript(r, null).map(reply -> RedisReplies.status(r.id(), reply));
  }

  @Override
  public Future<Outcome<SessionStatus>> transitionOnce(TransitionOnce r) {
    Transition t = r.transition();
    return transitionScript(t, r.once())
        .map(reply -> new Outcome<>(RedisReplies.status(t.id(), reply), RedisReplies.replayed(reply)));
  }

  private Future<Response> transitionScript(Transition r, Once once) {
    List<String> args = new ArrayList<>(7);
    args.addAll(List.of(Long.toString(now()), r.precondition(r.ifMatch()), r.to().wire(), sources(r.to())));
    onceArgs(args, once);
    return script(r.tenant(), r.id(), scripts.transition, args, r.to());
  }

  @Override
  public Future<Written> putCreds(PutCreds r) {
    return checked(() -> {
      RequestChecks.credsText(r.credsJson());
      List<String> args = List.of(Long.toString(now()), r.precondition(r.ifMatch()), r.credsJson(),
          Long.toString(limits(r.tenant()).maxBytesPerSession()), Integer.toString(settings.credsHistory()));
      return script(r.tenant(), r.id(), scripts.creds, args, null).map(RedisSessionStore::written);
    });
  }

  @Override
  public Future<StoreRequests.CredsHistory> credsHistory(SessionRef ref) {
    return script(ref.tenant(), ref.id(), scripts.credsHistory, List.of(Long.toString(now())), null)
        .map(reply -> new StoreRequests.CredsHistory(RedisReplies.number(reply.get(1)), RedisReplies.history(reply.get(2))));
  }

  @Override
  public Future<Written> rollbackCreds(StoreRequests.RollbackCreds r) {
    return checked(() -> {
      RequestChecks.sessionId(r.id());
      List<String> args = List.of(Long.toString(now()), r.precondition(r.ifMatch()), Long.toString(r.version()),
          Long.toString(limits(r.tenant()).maxBytesPerSession()), Integer.toString(settings.credsHistory()));
      return script(r.tenant(), r.id(), scripts.credsRollback, args, null).map(RedisSessionStore::written);
    });
  }

  // ---- keys and messages ------------------------------------------------------------------------

  @Override
  public Future<KeyValues> queryKeys(QueryKeys r) {
    return checked(() -> {
      RequestChecks.keyType(r.type());
      if (r.ids().isEmpty()) {
        // keys_query.lua would call HMGET with no field (a Redis error): ask only whether the session lives.
        return status(new SessionRef(r.tenant(), r.id())).map(live -> new KeyValues(Map.of()));
      }
      List<String> args = new ArrayList<>(r.ids().size() + 2);
      args.add(Long.toString(now()));
      args.add(r.type());
      args.addAll(r.ids());
      return script(r.tenant(), r.id(), scripts.keysQuery, args, null).map(reply -> {
        Map<String, String> found = new LinkedHashMap<>();
        Response values = reply.get(1);
        for (int i = 0; i < r.ids().size(); i++) {
          Response v = values.get(i);
          if (v != null) {
            found.put(r.ids().get(i), v.toString());
          }
        }
        return new KeyValues(found);
      });
    });
  }

  @Override
  public Future<Written> writeKeys(WriteKeys r) {
    return checked(() -> {
      RequestChecks.keyBatch(r.batch());
      if (!link.cluster() && staged(r.batch())) {
        return writeKeysStaged(r);
      }
      List<String> args = new ArrayList<>(3 + 3 * r.batch().size() + 3 * keyCount(r.batch()));
      args.add(Long.toString(now()));
      args.add(r.precondition(r.ifMatch()));
      args.add(Long.toString(limits(r.tenant()).maxBytesPerSession()));
      // Per type: type, set count, delete count, the ids (set ones first), the set pairs (see keys_write.lua).
      r.batch().forEach((type, values) -> {
        int sets = 0;
        for (String value : values.values()) {
          if (value != null) {
            sets++;
          }
        }
        args.add(type);
        args.add(Integer.toString(sets));
        args.add(Integer.toString(values.size() - sets));
        values.forEach((keyId, value) -> {
          if (value != null) {
            args.add(keyId);
          }
        });
        values.forEach((keyId, value) -> {
          if (value == null) {
            args.add(keyId);
          }
        });
        values.forEach((keyId, value) -> {
          if (value != null) {
            args.add(keyId);
            args.add(value);
          }
        });
      });
      return script(r.tenant(), r.id(), scripts.keysWrite, args, null, RedisLink.bulk(args)).map(RedisSessionStore::written);
    });
  }

  /**
   * Key batches past this many keys, or whose ids and values pass this many characters, are written by
   * {@link #writeKeysStaged}; smaller ones are one keys_write.lua call.
   */
  static final int STAGE_BATCH_KEYS = 1000;
  static final long STAGE_BATCH_CHARS = 256 * 1024;
  /** Pairs (and characters) per plain HSET of a staged key batch: Redis parses each command of the transaction apart. */
  private static final int STAGE_COMMAND_PAIRS = 1000;
  private static final long STAGE_COMMAND_CHARS = 256 * 1024;
  /** The staging hashes' expiry, as common.lua's STAGE_MS: what a transaction does not take over goes by itself. */
  private static final long STAGE_MS = 3_600_000;
  /** Staged key batches: past {@link #STAGE_BATCH_KEYS} keys; a test may lower it to stage every batch. */
  private int stageBatchKeys = STAGE_BATCH_KEYS;

  /** Stages every key batch of more than {@code keys} keys (0: every batch), whatever its size in characters. */
  void stageKeyBatchesAbove(int keys) {
    this.stageBatchKeys = keys;
  }

  private boolean staged(Map<String, Map<String, String>> batch) {
    int count = 0;
    long chars = 0;
    for (Map<String, String> values : batch.values()) {
      count += values.size();
      if (count > stageBatchKeys) {
        return true;
      }
      for (Map.Entry<String, String> e : values.entrySet()) {
        chars += e.getKey().length() + (e.getValue() == null ? 0 : e.getValue().length());
      }
    }
    return chars > STAGE_BATCH_CHARS;
  }

  /**
   * A large key batch, without passing its values through Lua: keys_write.lua with 10,000 keys of 8 MB
   * held Redis for 25 ms on a quiet machine (80-120 ms under load), 20 of them turning the arguments into
   * Lua strings. One MULTI ... EXEC of keys_stage_open.lua (the checks; it moves the named types' hashes
   * to staging names), plain HSET and HDEL commands of at most {@link #STAGE_COMMAND_PAIRS} pairs on the
   * staging hashes, and keys_stage_commit.lua (moves them back, bumps the session, records the change and
   * the event). Written in one piece on the bulk connection: Redis parses each command apart, as it
   * arrives, and runs them together at EXEC, so a reader sees the whole batch or none of it; a refused
   * batch leaves nothing (see the scripts). Not on a cluster, whose connection cannot run a MULTI.
   */
  private Future<Written> writeKeysStaged(WriteKeys r) {
    String base = keys.session(r.tenant(), r.id());
    String stagingId = UUID.randomUUID().toString();
    long maxBytes = limits(r.tenant()).maxBytesPerSession();
    boolean sync = recording.recordsSync();
    long now = now();
    Request open = Request.cmd(Command.EVAL).arg(recording.of(scripts.keysStageOpen).source()).arg(1).arg(base)
        .arg(now).arg(r.precondition(r.ifMatch())).arg(maxBytes).arg(stagingId);
    List<Request> writes = new ArrayList<>();
    List<Object> named = sync ? new ArrayList<>() : null;
    long setBytes = 0;
    List<String> groups = new ArrayList<>();
    List<String> committed = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> type : r.batch().entrySet()) {
      String t = type.getKey();
      String staging = base + ":stage:" + stagingId + ":keys:" + t;
      Request hset = null;
      Request hdel = null;
      int sets = 0;
      int inCommand = 0;
      long charsInCommand = 0;
      for (Map.Entry<String, String> e : type.getValue().entrySet()) {
        if (e.getValue() == null) {
          continue;
        }
        if (hset == null || inCommand == STAGE_COMMAND_PAIRS || charsInCommand > STAGE_COMMAND_CHARS) {
          hset = Request.cmd(Command.HSET).arg(staging);
          writes.add(hset);
          inCommand = 0;
          charsInCommand = 0;
        }
        // Encoded once, counted and sent as they are (as many bytes as Lua's # counts: the edge refuses lone
        // surrogates). A char-by-char count of the 10,000-key batch's 8 MB held the event loop for
        // several hundred milliseconds in this rarely run path; the JDK's encoder is vectorised.
        byte[] keyId = e.getKey().getBytes(StandardCharsets.UTF_8);
        byte[] value = e.getValue().getBytes(StandardCharsets.UTF_8);
        hset.arg(keyId).arg(value);
        inCommand++;
        charsInCommand += e.getKey().length() + e.getValue().length();
        setBytes += keyId.length + value.length;
        sets++;
      }
      inCommand = 0;
      for (Map.Entry<String, String> e : type.getValue().entrySet()) {
        if (e.getValue() != null) {
          continue;
        }
        if (hdel == null || inCommand == STAGE_COMMAND_PAIRS) {
          hdel = Request.cmd(Command.HDEL).arg(staging);
          writes.add(hdel);
          inCommand = 0;
        }
        hdel.arg(e.getKey());
        inCommand++;
      }
      // A staging hash that the commit script does not take over (a refused batch) goes by itself.
      writes.add(Request.cmd(Command.PEXPIRE).arg(staging).arg(STAGE_MS));
      groups.add(t);
      groups.add(Integer.toString(sets));
      groups.add(Integer.toString(type.getValue().size() - sets));
      committed.add(t);
      committed.add(sets > 0 ? "1" : "0");
      // Ids in keys_write.lua's order: the set ones, then the deleted ones.
      for (boolean setOnes : new boolean[] {true, false}) {
        type.getValue().forEach((keyId, value) -> {
          if ((value != null) == setOnes) {
            if (maxBytes > 0) {
              ids.add(keyId);
            }
            if (named != null) {
              named.add(t);
              named.add(keyId);
            }
          }
        });
      }
    }
    open.arg(setBytes).arg(r.batch().size());
    groups.forEach(open::arg);
    ids.forEach(open::arg);
    Request commit = Request.cmd(Command.EVAL).arg(recording.of(scripts.keysStageCommit).source()).arg(1).arg(base)
        .arg(now).arg(stagingId).arg(named == null ? "" : new JsonArray(named).encode()).arg(r.batch().size());
    committed.forEach(commit::arg);
    List<Request> tx = new ArrayList<>(writes.size() + 4);
    tx.add(Request.cmd(Command.MULTI));
    tx.add(open);
    tx.addAll(writes);
    tx.add(commit);
    tx.add(Request.cmd(Command.EXEC));
    return link.withBulk(conn -> link.batch(conn, tx)).map(replies -> {
      Response exec = replies.get(replies.size() - 1);
      if (exec == null) {
        throw new IllegalStateException("Redis discarded the key batch's transaction");
      }
      RedisReplies.ok(exec.get(0), r.id(), null);
      return written(RedisReplies.ok(exec.get(exec.size() - 1), r.id(), null));
    });
  }

  @Override
  public Future<Written> clearKeys(SessionRef ref) {
    return script(ref.tenant(), ref.id(), scripts.keysClear, writeArgs(ref), null)
        .map(RedisSessionStore::written);
  }

  @Override
  public Future<AppendResult> appendMessages(AppendMessages r) {
    return appendScript(r, null).map(RedisSessionStore::appended);
  }

  @Override
  public Future<Outcome<AppendResult>> appendMessagesOnce(AppendOnce r) {
    return appendScript(r.append(), r.once()).map(reply -> new Outcome<>(appended(reply), RedisReplies.replayed(reply)));
  }

  private Future<Response> appendScript(AppendMessages r, Once once) {
    return checked(() -> {
      RequestChecks.messages(r.messagesJson());
      List<String> args = new ArrayList<>(r.messagesJson().size() + 7);
      args.add(Long.toString(now()));
      args.add(r.precondition(r.ifMatch()));
      args.add(Long.toString(limits(r.tenant()).maxBytesPerSession()));
      args.add(Integer.toString(settings.maxMessages()));
      onceArgs(args, once);
      // The script writes '{"seq":N,' in front of what follows the opening brace, as StoredMessage.of does.
      r.messagesJson().forEach(json -> args.add(json.substring(1).trim()));
      return script(r.tenant(), r.id(), scripts.append, args, null, RedisLink.bulk(args));
    });
  }

  private static AppendResult appended(Response reply) {
    return new AppendResult(RedisReplies.number(reply.get(1)), RedisReplies.number(reply.get(2)),
        RedisReplies.number(reply.get(3)), RedisReplies.number(reply.get(4)));
  }

  /** The idempotency arguments of append.lua and transition.lua (see once.lua): key, digest, TTL; empty without a key. */
  private static void onceArgs(List<String> args, Once once) {
    if (once == null) {
      args.add("");
      args.add("");
      args.add("0");
    } else {
      args.add(once.key());
      args.add(once.digest());
      args.add(Long.toString(once.ttlSeconds()));
    }
  }

  // ---- claimed idempotency keys (requests that are not one script) ------------------------------

  @Override
  public Future<Claim> claimKey(ClaimKey r) {
    return link.with(conn -> link.eval(conn, scripts.keyClaim, keys.once(r.tenant(), r.key()),
        List.of(r.digest(), Long.toString(r.pendingMs())))).map(reply -> switch (RedisReplies.text(reply.get(0))) {
          case "CLAIMED" -> new Claim(ClaimState.CLAIMED, null, 0);
          case "CONFLICT" -> new Claim(ClaimState.CONFLICT, null, 0);
          case "IN_FLIGHT" -> new Claim(ClaimState.IN_FLIGHT, null, Math.max(0, RedisReplies.number(reply.get(1))));
          default -> new Claim(ClaimState.DONE, reply.get(1).toString(), 0);
        });
  }

  @Override
  public Future<Void> settleKey(SettleKey r) {
    return link.with(conn -> link.eval(conn, scripts.keySettle, keys.once(r.tenant(), r.key()),
        List.of(r.digest(), r.answer(), Long.toString(r.ttlSeconds())))).mapEmpty();
  }

  @Override
  public Future<Void> releaseKey(ReleaseKey r) {
    if (r.sessionId() != null) {
      return script(r.tenant(), r.sessionId(), scripts.onceForget, List.of(r.key(), r.digest()), null).mapEmpty();
    }
    return link.with(conn -> link.eval(conn, scripts.keyRelease, keys.once(r.tenant(), r.key()), List.of(r.digest())))
        .mapEmpty();
  }

  @Override
  public Future<MessagePage> readMessages(ReadMessages r) {
    return checked(() -> {
      RequestChecks.pageLimit(r.limit());
      List<String> args = List.of(Long.toString(now()), Long.toString(r.beforeSeq()), Integer.toString(r.limit()));
      return script(r.tenant(), r.id(), scripts.messages, args, null).map(reply -> {
        List<StoredMessage> page = RedisReplies.messages(reply.get(1));
        if (!r.ascending()) {
          Collections.reverse(page);
        }
        return new MessagePage(page, RedisReplies.number(reply.get(2)));
      });
    });
  }

  // ---- export and import ------------------------------------------------------------------------

  @Override
  public Future<SessionExport> export(SessionRef ref) {
    return script(ref.tenant(), ref.id(), scripts.export, List.of(Long.toString(now())), null)
        .map(r -> RedisReplies.export(ref.id(), r));
  }

  @Override
  public Future<PutResult> importSession(ImportSession r) {
    return checked(() -> {
      RequestChecks.export(r.export());
      long now = now();
      Session in = r.export().session();
      List<StoredMessage> all = r.export().messages() == null ? List.of() : r.export().messages();
      List<StoredMessage> window = all.subList(Math.max(0, all.size() - settings.maxMessages()), all.size());
      long expiresAt = Session.expiryFor(now, in.ttlSeconds());
      if (r.isRestore()) {
        // A restore mostly fills an empty store: straight to the create step, which the script
        // turns into a replace (or a refusal) when the session is there after all.
        return link.with(conn -> create(conn, r.tenant(), in.id(), null, scripts.importSession,
            importArgs(r, false, now, all, window), expiresAt, now, true));
      }
      Function<Boolean, List<String>> args = mustExist -> importArgs(r, mustExist, now, all, window);
      return createOrReplace(r.tenant(), in.id(), null, scripts.importSession, args, expiresAt, now, r.staged() != null);
    });
  }

  /**
   * Sessions restored together in one transaction (restore_staged.lua, or restore.lua after a lost script)
   * on a single Redis: each holds Redis for about a tenth of a millisecond, so one of this many holds it for
   * a millisecond or two.
   */
  static final int RESTORES_PER_SCRIPT = 16;

  /**
   * Restore imports of one tenant on a single Redis (standalone or Sentinel): {@link #RESTORES_PER_SCRIPT}
   * sessions to a staged transaction ({@link #restoreStaged}), which restores each by import.lua's rules and
   * takes its index step in the same atomic call, instead of three scripts per session (index reserve,
   * import, index add).
   * On a cluster the sessions are in different slots, and imports of several tenants are rare: both go
   * one by one ({@link SessionStore#restoreAll}). A session refused for the tenant's maxSessions is
   * restored alone, which sweeps the tenant's expired sessions first.
   */
  @Override
  public Future<StoreRequests.RestoreOutcomes> restoreAll(StoreRequests.RestoreImports r) {
    List<ImportSession> all = r.imports();
    String tenant = all.isEmpty() ? null : all.get(0).tenant();
    if (link.cluster() || tenant == null || !all.stream().allMatch(i -> i.tenant().equals(tenant))) {
      return SessionStore.super.restoreAll(r);
    }
    StoreRequests.RestoreOutcomes.Outcome[] out = new StoreRequests.RestoreOutcomes.Outcome[all.size()];
    List<Future<Void>> calls = new ArrayList<>();
    int step = pipe != null ? DIRECT_PER_TRANSACTION : RESTORES_PER_SCRIPT;
    for (int from = 0; from < all.size(); from += step) {
      int to = Math.min(all.size(), from + step);
      List<Integer> group = range(from, to);
      calls.add(pipe != null ? restoreDirect(tenant, all, group, out) : restoreStaged(tenant, all, group, out, true));
    }
    return Future.all(calls).map(v -> new StoreRequests.RestoreOutcomes(java.util.Arrays.asList(out)));
  }

  /** Sessions restored in one direct transaction ({@link #restoreDirect}): a millisecond or two of Redis. */
  static final int DIRECT_PER_TRANSACTION = 32;

  private static List<Integer> range(int from, int to) {
    List<Integer> r = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      r.add(i);
    }
    return r;
  }

  /** The key names (tests). */
  RedisKeys keysForTests() {
    return keys;
  }

  /** Sessions restored by a direct transaction (tests read it). */
  final java.util.concurrent.atomic.AtomicLong restoredDirectly = new java.util.concurrent.atomic.AtomicLong();
  /** Runs between a direct restore's check and its commit when set (tests: a write that lands in between). */
  volatile Supplier<Future<Void>> betweenCheckAndCommit;

  /** The last direct restore of each tenant with a session limit: those take turns ({@link #restoreDirect}). */
  private final Map<String, Future<Void>> limitedTurns = new java.util.HashMap<>();

  /**
   * Restores {@code all[group]} on a single Redis by {@link DirectRestore}: those Redis holds nothing of are
   * written straight into place in one MULTI ... EXEC on a connection of the {@link RestorePipe}, under a
   * WATCH of their keys; the rest (a session Redis holds, or has a tombstone of; one with a TTL, a version
   * of 0 or past the byte limit; the whole group when a watched key changed before the EXEC, the tenant's
   * limit has no room for all, or the pipe failed) the staged way, by restore_staged.lua's rules. A tenant
   * with a session limit also watches its index, so its direct restores take turns (they would make each
   * other's EXEC fail).
   */
  private Future<Void> restoreDirect(String tenant, List<ImportSession> all, List<Integer> group,
                                     StoreRequests.RestoreOutcomes.Outcome[] out) {
    long maxSessions = limits(tenant).maxSessions();
    if (maxSessions <= 0) {
      return directOnce(tenant, all, group, out, 0);
    }
    Future<Void> before = limitedTurns.getOrDefault(tenant, Future.succeededFuture());
    Future<Void> mine = before.transform(ar -> directOnce(tenant, all, group, out, maxSessions));
    limitedTurns.put(tenant, mine);
    mine.onComplete(ar -> limitedTurns.remove(tenant, mine));
    return mine;
  }

  private Future<Void> directOnce(String tenant, List<ImportSession> all, List<Integer> group,
                                  StoreRequests.RestoreOutcomes.Outcome[] out, long maxSessions) {
    DirectRestore tx = new DirectRestore(keys, tenant, now(), settings.maxMessages(), settings.credsHistory());
    List<Integer> staged = new ArrayList<>();
    long maxBytes = limits(tenant).maxBytesPerSession();
    for (int i : group) {
      ImportSession r = all.get(i);
      if (!exportAccepted(r, out, i)) {
        continue;
      }
      if (!DirectRestore.eligible(r.export().session()) || !tx.add(i, r, maxBytes)) {
        staged.add(i);
      }
    }
    if (tx.planned.isEmpty()) {
      return staged.isEmpty() ? Future.succeededFuture() : restoreStaged(tenant, all, staged, out, true);
    }
    byte[] ids = DirectRestore.bytes(keys.ids(tenant));
    byte[] limitedIds = maxSessions > 0 ? ids : null;
    return pipe.take().transform(taken -> {
      if (taken.failed()) {
        return Future.succeededFuture(tx.planned);
      }
      RestorePipe.Conn conn = taken.result();
      return conn.send(tx.check(limitedIds), tx.checkReplies(limitedIds != null))
          .compose(checked -> betweenCheckAndCommit == null ? commitAbsent(conn, tx, checked, maxSessions, ids, out)
              : betweenCheckAndCommit.get().compose(v -> commitAbsent(conn, tx, checked, maxSessions, ids, out)))
          .eventually(() -> {
            pipe.release(conn);
            return Future.succeededFuture();
          })
          // A failed exchange may or may not have run its EXEC: the staged way refuses what it restored.
          .otherwise(tx.planned);
    }).compose(left -> {
      for (DirectRestore.Planned p : left) {
        staged.add(p.index());
      }
      return staged.isEmpty() ? Future.succeededFuture() : restoreStaged(tenant, all, staged, out, true);
    });
  }

  /** Commits the sessions the check found absent; the planned sessions left to the staged way. */
  private Future<List<DirectRestore.Planned>> commitAbsent(RestorePipe.Conn conn, DirectRestore tx,
                                                           List<Response> checked, long maxSessions, byte[] ids,
                                                           StoreRequests.RestoreOutcomes.Outcome[] out) {
    List<DirectRestore.Planned> absent = new ArrayList<>(tx.planned.size());
    List<DirectRestore.Planned> left = new ArrayList<>();
    for (int j = 0; j < tx.planned.size(); j++) {
      (DirectRestore.absent(checked, j) ? absent : left).add(tx.planned.get(j));
    }
    if (maxSessions > 0 && !absent.isEmpty()) {
      Response count = checked.get(checked.size() - 1);
      if (count == null || count.type() != io.vertx.redis.client.ResponseType.NUMBER
          || count.toLong() + absent.size() > maxSessions) {
        left.addAll(absent);
        absent.clear();
      }
    }
    if (absent.isEmpty()) {
      Buffer unwatch = Buffer.buffer();
      RestorePipe.array(unwatch, 1).bulk(unwatch, "UNWATCH");
      return conn.send(unwatch, 1).map(r -> left);
    }
    int[] replies = new int[1];
    Buffer commit = tx.commit(absent, ids, DirectRestore.bytes(keys.tenants()), replies);
    return conn.send(commit, replies[0]).map(r -> {
      Response exec = r.get(r.size() - 1);
      if (exec == null || exec.type() != io.vertx.redis.client.ResponseType.MULTI) {
        // A watched key changed (nil), or Redis refused the transaction (EXECABORT): nothing was written.
        left.addAll(absent);
        return left;
      }
      for (DirectRestore.Planned p : absent) {
        out[p.index()] = new StoreRequests.RestoreOutcomes.Outcome(tx.restored(p), null, null);
      }
      restoredDirectly.addAndGet(absent.size());
      return left;
    });
  }

  /** Names each staged restore's staging keys apart from every other's, of this instance and others. */
  private final String stagePrefix = Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1, 36);
  private final java.util.concurrent.atomic.AtomicLong stageCount = new java.util.concurrent.atomic.AtomicLong();

  /** Whether a restored session's export passes the import checks; if not, its outcome says why. */
  private static boolean exportAccepted(ImportSession r, StoreRequests.RestoreOutcomes.Outcome[] out, int i) {
    try {
      RequestChecks.export(r.export());
      return true;
    } catch (StoreException e) {
      out[i] = new StoreRequests.RestoreOutcomes.Outcome(null, e.failure(), e.getMessage());
      return false;
    }
  }

  /**
   * Restores {@code all[from, to)} like {@link #restoreTogether}, but their values never pass through Lua:
   * one MULTI ... EXEC writes each session's parts with plain commands (HSET, RPUSH, SET) into staging keys
   * beside it (its hash tag), then runs restore_staged.lua, which checks restore.lua's rules for each and
   * RENAMEs the staged keys of those it restores into place, then UNLINKs every staging key (those of
   * refused sessions; none is left even if the script failed). Readers never see staging keys, and the
   * transaction is all or nothing for them: a connection lost before EXEC runs none of it. When Redis lost
   * the script (NOSCRIPT, a flushed function library) it is loaded again and the group sent once more;
   * should that fail too, the group goes through {@link #restoreTogether}.
   */
  private Future<Void> restoreStaged(String tenant, List<ImportSession> all, List<Integer> group,
                                     StoreRequests.RestoreOutcomes.Outcome[] out, boolean firstTry) {
    long now = now();
    StagedRestore tx = new StagedRestore(tenant, stagePrefix + "." + Long.toString(stageCount.incrementAndGet(), 36),
        now, group.size());
    List<Integer> sent = new ArrayList<>(group.size());
    for (int i : group) {
      ImportSession r = all.get(i);
      if (!exportAccepted(r, out, i)) {
        continue;
      }
      tx.add(r);
      sent.add(i);
    }
    if (sent.isEmpty()) {
      return Future.succeededFuture();
    }
    Script script = recording.of(scripts.restoreStaged);
    List<Request> requests = tx.requests(script);
    Function<RedisConnection, Future<List<Response>>> send = conn -> link.batch(conn, requests);
    return (tx.bytes > RedisLink.BULK_CHARS ? link.withBulk(send) : link.with(send)).transform(ar -> {
      Response reply = ar.succeeded() ? tx.scriptReply(ar.result()) : null;
      if (reply != null && reply.type() != io.vertx.redis.client.ResponseType.ERROR) {
        return restoredOutcomes(all, sent, reply, now, out);
      }
      String why = ar.failed() ? String.valueOf(ar.cause().getMessage()) : String.valueOf(reply);
      if (!why.contains("NOSCRIPT") && !why.contains("Function not found")) {
        return Future.failedFuture(ar.failed() ? ar.cause()
            : new StoreException(StoreFailure.UNAVAILABLE, "Redis refused the staged restore: " + why));
      }
      // The script did not run (Redis lost it); the transaction's UNLINK dropped the staging keys.
      return firstTry ? link.scriptLost(script, why).compose(v -> restoreStaged(tenant, all, group, out, false))
          : restoreTogether(tenant, all, group, out);
    });
  }

  /**
   * The commands of one staged restore ({@link #restoreStaged}): MULTI, each session's staging writes, the
   * script, the UNLINK of every staging key, EXEC. Built in small steps (the JIT compiles a large method
   * for seconds, which a restore of tens of thousands of sessions pays in full).
   */
  private final class StagedRestore {
    final String tenant;
    final String stagingId;
    final long now;
    final List<String> sessionKeys;
    final List<String> args;
    final List<Request> tx;
    final Request unstage = Request.cmd(Command.UNLINK);
    /** The values' bytes in all (whether the transaction goes on the bulk connection). */
    long bytes;
    private int scriptAt;

    StagedRestore(String tenant, String stagingId, long now, int sessions) {
      this.tenant = tenant;
      this.stagingId = stagingId;
      this.now = now;
      sessionKeys = new ArrayList<>(sessions + 2);
      sessionKeys.add(keys.tenant(tenant));
      sessionKeys.add(keys.tenants());
      args = new ArrayList<>(5 + sessions * 11);
      Collections.addAll(args, Long.toString(now), Long.toString(limits(tenant).maxSessions()), tenant, stagingId,
          Long.toString(limits(tenant).maxBytesPerSession()));
      tx = new ArrayList<>(sessions * 5 + 4);
      tx.add(Request.cmd(Command.MULTI));
    }

    /** Stages one session and adds its script arguments. */
    void add(ImportSession r) {
      Session in = r.export().session();
      String base = keys.session(tenant, in.id());
      String stage = base + ":rs:" + stagingId;
      List<StoredMessage> messages = r.export().messages() == null ? List.of() : r.export().messages();
      long createdAt = in.createdAt() > 0 ? in.createdAt() : now;
      long lastSeq = messages.isEmpty() ? 0 : messages.get(messages.size() - 1).seq();
      // Sizes are counted in UTF-8 bytes as the arguments are encoded (what Lua's # counts in import.lua).
      Request meta = Request.cmd(Command.HSET).arg(stage + ":meta").arg("state").arg(in.state().wire()).arg("data");
      long size = arg(meta, in.dataJson());
      meta.arg("ttl").arg(in.ttlSeconds()).arg("created").arg(createdAt).arg("seq").arg(lastSeq);
      tx.add(meta);
      unstage.arg(stage + ":meta");
      StringBuilder parts = new StringBuilder(3);
      size += creds(stage, RequestChecks.clearable(in.credsJson()), parts);
      size += history(stage, r.export().credsHistory(), parts);
      size += messages(stage, messages, parts);
      List<String> types = new ArrayList<>(2);
      long kbytes = keyTypes(stage, r.export().keys(), types);
      size += kbytes;
      bytes += size;
      // What bump would write for a session new in Redis without a TTL: the script skips bump then.
      meta.arg("ver").arg(Math.max(in.version(), 1)).arg("updated").arg(now).arg("activity").arg(now)
          .arg("expires").arg(0L).arg("bytes").arg(size).arg("kbytes").arg(kbytes).arg("pexp").arg(0L);
      sessionKeys.add(base);
      Collections.addAll(args, in.id(), Long.toString(in.ttlSeconds()), Long.toString(createdAt),
          Long.toString(in.version()), Long.toString(r.durableVersion()), Long.toString(size), Long.toString(kbytes),
          parts.toString(), Integer.toString(types.size()));
      args.addAll(types);
    }

    private long creds(String stage, String creds, StringBuilder parts) {
      if (creds == null || creds.isEmpty()) {
        return 0;
      }
      Request set = Request.cmd(Command.SET).arg(stage + ":creds");
      long size = arg(set, creds);
      tx.add(set);
      unstage.arg(stage + ":creds");
      parts.append('c');
      return size;
    }

    private long history(String stage, List<io.sessiond.session.CredsVersion> all, StringBuilder parts) {
      List<io.sessiond.session.CredsVersion> kept = all.subList(0, Math.min(all.size(), settings.credsHistory()));
      if (kept.isEmpty()) {
        return 0;
      }
      long size = 0;
      Request push = Request.cmd(Command.RPUSH).arg(stage + ":credsh");
      for (io.sessiond.session.CredsVersion h : kept) {
        String entry = RedisReplies.historyEntry(h);
        // Only the creds text counts; '<version> <at> ' is ASCII.
        size += arg(push, entry) - (entry.length() - h.credsJson().length());
      }
      tx.add(push);
      unstage.arg(stage + ":credsh");
      parts.append('h');
      return size;
    }

    private long messages(String stage, List<StoredMessage> all, StringBuilder parts) {
      List<StoredMessage> window = all.subList(Math.max(0, all.size() - settings.maxMessages()), all.size());
      if (window.isEmpty()) {
        return 0;
      }
      long size = 0;
      Request push = Request.cmd(Command.RPUSH).arg(stage + ":msgs");
      for (StoredMessage m : window) {
        size += arg(push, m.json());
      }
      tx.add(push);
      unstage.arg(stage + ":msgs");
      parts.append('m');
      return size;
    }

    /** Stages each non-empty key type (its name added to {@code types}); the key bytes. */
    private long keyTypes(String stage, Map<String, Map<String, String>> all, List<String> types) {
      if (all == null) {
        return 0;
      }
      long kbytes = 0;
      for (Map.Entry<String, Map<String, String>> type : all.entrySet()) {
        if (!type.getValue().isEmpty()) {
          kbytes += keyType(stage + ":keys:" + type.getKey(), type.getValue());
          types.add(type.getKey());
        }
      }
      return kbytes;
    }

    private long keyType(String key, Map<String, String> values) {
      long kbytes = 0;
      Request hset = Request.cmd(Command.HSET).arg(key);
      int pairs = 0;
      for (Map.Entry<String, String> kv : values.entrySet()) {
        if (pairs == STAGED_PAIRS_PER_COMMAND) {
          tx.add(hset);
          hset = Request.cmd(Command.HSET).arg(key);
          pairs = 0;
        }
        kbytes += arg(hset, kv.getKey()) + arg(hset, kv.getValue());
        pairs++;
      }
      tx.add(hset);
      unstage.arg(key);
      return kbytes;
    }

    /** The whole transaction, the script call (FCALL or EVALSHA) before the UNLINK and EXEC. */
    List<Request> requests(Script script) {
      scriptAt = tx.size() - 1; // in EXEC's reply: every command after MULTI
      tx.add(link.scriptRequest(script, sessionKeys, args));
      tx.add(unstage);
      tx.add(Request.cmd(Command.EXEC));
      return tx;
    }

    /** The script's reply in the transaction's replies, or null when EXEC returned none. */
    Response scriptReply(List<Response> replies) {
      Response exec = replies.get(replies.size() - 1);
      return exec == null || exec.size() <= scriptAt ? null : exec.get(scriptAt);
    }
  }

  /** A staged restore's HSET of one type's keys takes at most this many pairs (larger sessions: several). */
  static final int STAGED_PAIRS_PER_COMMAND = 1000;

  /** Adds {@code s} to the command, UTF-8 encoded; its length in bytes (what Lua's {@code #} counts). */
  private static int arg(Request command, String s) {
    byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    command.arg(b);
    return b.length;
  }

  /** Restores {@code all[from, to)} in one restore.lua call, filling their outcomes. */
  private Future<Void> restoreTogether(String tenant, List<ImportSession> all, List<Integer> group,
                                       StoreRequests.RestoreOutcomes.Outcome[] out) {
    long now = now();
    List<String> sessionKeys = new ArrayList<>(group.size() + 2);
    sessionKeys.add(keys.tenant(tenant));
    sessionKeys.add(keys.tenants());
    List<String> args = new ArrayList<>();
    Collections.addAll(args, Long.toString(now), Long.toString(limits(tenant).maxSessions()), tenant);
    List<Integer> sent = new ArrayList<>(group.size());
    for (int i : group) {
      ImportSession r = all.get(i);
      if (!exportAccepted(r, out, i)) {
        continue;
      }
      Session in = r.export().session();
      List<StoredMessage> messages = r.export().messages() == null ? List.of() : r.export().messages();
      List<StoredMessage> window = messages.subList(Math.max(0, messages.size() - settings.maxMessages()), messages.size());
      List<String> block = importArgs(r, false, now, messages, window);
      sessionKeys.add(keys.session(tenant, in.id()));
      args.add(in.id());
      args.add(Integer.toString(block.size()));
      args.addAll(block);
      sent.add(i);
    }
    if (sent.isEmpty()) {
      return Future.succeededFuture();
    }
    Script script = recording.of(scripts.restore);
    Function<RedisConnection, Future<Response>> call = conn -> link.eval(conn, script, sessionKeys, args);
    return (RedisLink.bulk(args) ? link.withBulk(call) : link.with(call))
        .compose(reply -> restoredOutcomes(all, sent, reply, now, out));
  }

  /** Fills the outcomes of {@code sent} from a restore script's reply; those refused for maxSessions are restored alone. */
  private Future<Void> restoredOutcomes(List<ImportSession> all, List<Integer> sent, Response reply, long now,
                                      StoreRequests.RestoreOutcomes.Outcome[] out) {
    List<Future<Void>> alone = new ArrayList<>();
    for (int j = 0; j < sent.size(); j++) {
      int i = sent.get(j);
      ImportSession r = all.get(i);
      Session in = r.export().session();
      Response one = reply.get(j);
      if ("OK".equals(RedisReplies.text(one.get(0)))) {
        out[i] = new StoreRequests.RestoreOutcomes.Outcome(new Session(in.id(), in.state(), in.dataJson(),
            in.credsJson(), RedisReplies.number(one.get(2)), in.createdAt() > 0 ? in.createdAt() : now,
            RedisReplies.number(one.get(3)), RedisReplies.number(one.get(4)), in.ttlSeconds(),
            RedisReplies.number(one.get(5))), null, null);
      } else if ("LIMIT_REACHED".equals(RedisReplies.text(one.get(1)))) {
        alone.add(importSession(r).transform(ar -> {
          out[i] = ar.succeeded() ? new StoreRequests.RestoreOutcomes.Outcome(ar.result().session(), null, null)
              : ar.cause() instanceof StoreException se ? new StoreRequests.RestoreOutcomes.Outcome(null, se.failure(),
                  se.getMessage()) : null;
          return ar.succeeded() || ar.cause() instanceof StoreException ? Future.<Void>succeededFuture()
              : Future.<Void>failedFuture(ar.cause());
        }));
      } else {
        try {
          RedisReplies.ok(one, in.id(), null);
          throw new IllegalStateException("restore.lua replied neither OK nor an error for session " + in.id());
        } catch (StoreException e) {
          out[i] = new StoreRequests.RestoreOutcomes.Outcome(null, e.failure(), e.getMessage());
        }
      }
    }
    return Future.all(alone).mapEmpty();
  }

  private List<String> importArgs(ImportSession r, boolean mustExist, long now, List<StoredMessage> all,
                                  List<StoredMessage> window) {
    Session in = r.export().session();
    String creds = RequestChecks.clearable(in.credsJson());
    Map<String, Map<String, String>> keys = r.export().keys() == null ? Map.of() : r.export().keys();
    StoreRequests.StagedImport staged = r.staged();
    List<String> stagedTypes = staged == null ? List.of() : staged.types();
    List<io.sessiond.session.CredsVersion> history = r.export().credsHistory();
    history = history.subList(0, Math.min(history.size(), settings.credsHistory()));
    List<String> args = new ArrayList<>(18 + stagedTypes.size() + history.size() + keys.size() * 2 + keyCount(keys) * 2
        + window.size());
    Collections.addAll(args, Long.toString(now), r.precondition(r.ifMatch()), flag(mustExist),
        Long.toString(limits(r.tenant()).maxBytesPerSession()), in.state().wire(), in.dataJson(),
        creds == null ? "" : creds, Long.toString(in.ttlSeconds()),
        Long.toString(in.createdAt() > 0 ? in.createdAt() : now), Long.toString(in.version()),
        Long.toString(all.isEmpty() ? 0 : all.get(all.size() - 1).seq()), "", flag(r.keepBlobs()),
        Long.toString(r.durableVersion()), staged == null ? "" : staged.stagingId(),
        Long.toString(staged == null ? 0 : staged.bytes()), Integer.toString(stagedTypes.size()));
    args.addAll(stagedTypes);
    args.add(Integer.toString(history.size()));
    history.forEach(h -> args.add(RedisReplies.historyEntry(h)));
    int types = 0;
    for (Map.Entry<String, Map<String, String>> type : keys.entrySet()) {
      if (type.getValue().isEmpty() || stagedTypes.contains(type.getKey())) {
        continue;
      }
      types++;
      args.add(type.getKey());
      args.add(Integer.toString(type.getValue().size()));
      type.getValue().forEach((keyId, value) -> {
        args.add(keyId);
        args.add(value);
      });
    }
    args.set(11, Integer.toString(types));
    for (StoredMessage m : window) {
      args.add(m.json());
    }
    return args;
  }

  /**
   * Stages a batch of an import's keys beside the session (import_stage.lua), invisible until the
   * import commits; a batch of a few thousand pairs holds Redis for about a millisecond.
   */
  @Override
  public Future<StoreRequests.StagedKeys> stageImportKeys(StoreRequests.StageImportKeys r) {
    return checked(() -> {
      RequestChecks.sessionId(r.id());
      RequestChecks.keyType(r.type());
      RequestChecks.uploadId(r.stagingId());
      if (r.pairs().size() % 2 != 0 || r.pairs().isEmpty()) {
        throw RequestChecks.invalid("staged keys come in pairs of id and value");
      }
      List<String> args = new ArrayList<>(r.pairs().size() + 2);
      args.add(r.stagingId());
      args.add(r.type());
      for (int i = 0; i < r.pairs().size(); i += 2) {
        RequestChecks.keyId(r.pairs().get(i));
        args.add(r.pairs().get(i));
        args.add(r.pairs().get(i + 1));
      }
      return script(r.tenant(), r.id(), scripts.importStage, args, null, true).map(reply -> {
        if (RedisReplies.number(reply.get(2)) * 2 != r.pairs().size()) {
          throw RequestChecks.invalid("the import names a key of type '" + r.type() + "' twice");
        }
        return new StoreRequests.StagedKeys(RedisReplies.number(reply.get(1)));
      });
    });
  }

  @Override
  public Future<Void> dropStagedImport(StoreRequests.DropStagedImport r) {
    return checked(() -> {
      RequestChecks.uploadId(r.staged().stagingId());
      if (r.staged().types().isEmpty()) {
        return Future.succeededFuture();
      }
      List<String> args = new ArrayList<>(r.staged().types().size() + 1);
      args.add(r.staged().stagingId());
      args.addAll(r.staged().types());
      return script(r.tenant(), r.id(), scripts.importUnstage, args, null).mapEmpty();
    });
  }

  // ---- blobs ------------------------------------------------------------------------------------

  @Override
  public Future<Void> stageBlobChunk(StoreRequests.BlobChunk r) {
    return checked(() -> {
      RequestChecks.blobChunk(r);
      List<Object> args = List.of(Long.toString(now()), r.uploadId(), Integer.toString(r.index()), r.data());
      return binaryScript(r.tenant(), r.id(), scripts.blobStage, args).mapEmpty();
    });
  }

  @Override
  public Future<StoreRequests.BlobWritten> commitBlob(StoreRequests.CommitBlob r) {
    return checked(() -> {
      RequestChecks.blobCommit(r);
      List<String> args = List.of(Long.toString(now()), r.precondition(r.ifMatch()),
          Long.toString(limits(r.tenant()).maxBytesPerSession()), r.name(), r.uploadId(), Integer.toString(r.chunks()),
          Long.toString(r.size()));
      return script(r.tenant(), r.id(), scripts.blobCommit, args, null)
          .map(reply -> new StoreRequests.BlobWritten(RedisReplies.number(reply.get(1)), RedisReplies.number(reply.get(2)) == 1));
    });
  }

  @Override
  public Future<Void> abortBlob(StoreRequests.BlobUpload r) {
    return checked(() -> {
      RequestChecks.uploadId(r.uploadId());
      return script(r.tenant(), r.id(), scripts.blobAbort, List.of(r.uploadId(), Integer.toString(r.chunks())), null)
          .mapEmpty();
    });
  }

  @Override
  public Future<StoreRequests.BlobInfo> blobInfo(StoreRequests.BlobRef ref) {
    return checked(() -> {
      RequestChecks.blobName(ref.name());
      return script(ref.tenant(), ref.id(), scripts.blobInfo, List.of(Long.toString(now()), ref.name()), null)
          .map(reply -> new StoreRequests.BlobInfo(ref.name(), reply.get(2).toString(), RedisReplies.number(reply.get(3)),
              (int) RedisReplies.number(reply.get(4)), RedisReplies.number(reply.get(1))));
    });
  }

  @Override
  public Future<StoreRequests.BlobList> listBlobs(SessionRef ref) {
    return script(ref.tenant(), ref.id(), scripts.blobList, List.of(Long.toString(now())), null).map(reply -> {
      long version = RedisReplies.number(reply.get(1));
      Response items = reply.get(2);
      List<StoreRequests.BlobInfo> blobs = new ArrayList<>();
      for (int i = 0; i + 3 < items.size(); i += 4) {
        blobs.add(new StoreRequests.BlobInfo(items.get(i).toString(), items.get(i + 1).toString(),
            RedisReplies.number(items.get(i + 2)), (int) RedisReplies.number(items.get(i + 3)), version));
      }
      blobs.sort(java.util.Comparator.comparing(StoreRequests.BlobInfo::name));
      return new StoreRequests.BlobList(version, blobs);
    });
  }

  @Override
  public Future<StoreRequests.BlobData> readBlobChunk(StoreRequests.ReadBlobChunk r) {
    return checked(() -> {
      RequestChecks.blobName(r.name());
      List<String> args = List.of(Long.toString(now()), r.name(), r.generation(), Integer.toString(r.index()));
      return script(r.tenant(), r.id(), scripts.blobRead, args, null)
          .map(reply -> new StoreRequests.BlobData(reply.get(1).toBuffer()));
    });
  }

  @Override
  public Future<Written> deleteBlob(StoreRequests.BlobRef ref) {
    return checked(() -> {
      RequestChecks.blobName(ref.name());
      List<String> args = List.of(Long.toString(now()), ref.precondition(ref.ifMatch()), ref.name());
      return script(ref.tenant(), ref.id(), scripts.blobDelete, args, null).map(RedisSessionStore::written);
    });
  }

  // ---- leases -----------------------------------------------------------------------------------

  @Override
  public Future<LeaseGrant> acquireLease(AcquireLease r) {
    return checked(() -> {
      LeaseRequests.check(r);
      List<String> args = List.of(Long.toString(now()), r.holder(), Long.toString(r.ttlSeconds() * 1000),
          r.fence() == StoreRequests.NO_FENCE ? "" : Long.toString(r.fence()));
      return script(r.tenant(), r.id(), scripts.lease, args, null).map(reply -> {
        String lapsed = RedisReplies.text(reply.get(4));
        return new LeaseGrant(r.holder(), RedisReplies.number(reply.get(2)), RedisReplies.number(reply.get(3)),
            RedisReplies.number(reply.get(1)) == 1, lapsed.isEmpty() ? null : lapsed, RedisReplies.number(reply.get(5)));
      });
    });
  }

  @Override
  public Future<LeaseReleased> releaseLease(ReleaseLease r) {
    return checked(() -> {
      RequestChecks.sessionId(r.id());
      return script(r.tenant(), r.id(), scripts.leaseRelease, List.of(Long.toString(now()), Long.toString(r.token())), null)
          .map(reply -> new LeaseReleased(RedisReplies.text(reply.get(1)), r.token()));
    });
  }

  @Override
  public Future<LeaseInfo> lease(SessionRef ref) {
    return checked(() -> {
      RequestChecks.sessionId(ref.id());
      return script(ref.tenant(), ref.id(), scripts.leaseGet, List.of(Long.toString(now())), null).map(reply -> {
        String holder = RedisReplies.text(reply.get(1));
        return holder.isEmpty() ? LeaseInfo.FREE : new LeaseInfo(holder, RedisReplies.number(reply.get(2)),
            RedisReplies.number(reply.get(3)), RedisReplies.number(reply.get(4)));
      });
    });
  }

  private Future<Response> binaryScript(String tenant, String id, Script script, List<Object> args) {
    return link.with(conn -> link.eval(conn, script, keys.session(tenant, id), args)
        .map(reply -> RedisReplies.ok(reply, id, null)));
  }

  @Override
  public Future<StoreRequests.EventPage> readEvents(StoreRequests.ReadEvents r) {
    List<String> args = List.of(r.afterId() == null ? "" : r.afterId(), Integer.toString(r.max()));
    return link.with(conn -> link.eval(conn, scripts.eventsRead, keys.events(r.tenant()), args))
        .map(RedisEvents::page);
  }

  @Override
  public Future<Integer> sweepExpired(long now) {
    return index.sweep(now);
  }

  // ---- shared steps -----------------------------------------------------------------------------

  /**
   * A put or import: first as a replace of an existing session (one round trip, the common case);
   * when there is none, a place is reserved in the tenant's index (refused when the tenant is full,
   * after sweeping its expired sessions), the script runs again allowing a create, and the index
   * entry is written again after it (see {@link RedisIndex}). An index step that follows a session
   * script that succeeded never fails the operation: the session did change, so the caller must hear
   * success; a missed index step is left to the repairs {@link RedisIndex} describes. On the bulk
   * connection when {@code bulk} or when the arguments are large ({@link RedisLink#bulk}).
   */
  private Future<PutResult> createOrReplace(String tenant, String id, SessionState target, Script script,
                                            Function<Boolean, List<String>> args, long expiresAt, long now,
                                            boolean bulk) {
    List<String> replace = args.apply(true);
    Function<RedisConnection, Future<PutResult>> work = conn -> eval(conn, tenant, id, script, replace, target)
        .compose(reply -> afterReplace(conn, tenant, id, reply))
        .recover(e -> e instanceof Absent
            ? create(conn, tenant, id, target, script, args.apply(false), expiresAt, now, false)
            : Future.failedFuture(e));
    return bulk || RedisLink.bulk(replace) ? link.withBulk(work) : link.with(work);
  }

  private Future<PutResult> afterReplace(RedisConnection conn, String tenant, String id, Response reply) {
    PutResult result = new PutResult(RedisReplies.session(id, reply.get(3), reply.get(4)), false);
    return RedisReplies.number(reply.get(2)) == 1
        ? index.add(conn, tenant, id, result.session().expiresAt()).otherwiseEmpty().map(result)
        : Future.succeededFuture(result);
  }

  /**
   * @param mayExist the script may find the session there (a restore): a VERSION_MISMATCH then means
   *                 it exists, so its index entry stays
   */
  private Future<PutResult> create(RedisConnection conn, String tenant, String id, SessionState target, Script script,
                                   List<String> args, long expiresAt, long now, boolean mayExist) {
    long max = limits(tenant).maxSessions();
    return index.reserve(conn, tenant, id, expiresAt, max)
        .compose(room -> room ? Future.succeededFuture(true)
            : index.sweepTenant(conn, tenant, now).compose(n -> index.reserve(conn, tenant, id, expiresAt, max)))
        .compose(room -> {
          if (!room) {
            return Future.failedFuture(new StoreException(StoreFailure.LIMIT_REACHED,
                "the tenant already holds its maximum of " + max + " sessions"));
          }
          return eval(conn, tenant, id, script, args, target)
              .recover(e -> mayExist && e instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH
                  ? Future.failedFuture(e)
                  : index.remove(conn, tenant, id).transform(ar -> Future.failedFuture(e)))
              .compose(reply -> {
                Session session = RedisReplies.session(id, reply.get(3), reply.get(4));
                return index.add(conn, tenant, id, session.expiresAt()).otherwiseEmpty()
                    .map(new PutResult(session, RedisReplies.number(reply.get(1)) == 1));
              });
        });
  }

  private Future<Response> script(String tenant, String id, Script script, List<String> args, SessionState target) {
    return link.with(conn -> eval(conn, tenant, id, script, args, target));
  }

  /** {@link #script}, on the bulk connection when {@code bulk} ({@link RedisLink#withBulk}). */
  private Future<Response> script(String tenant, String id, Script script, List<String> args, SessionState target,
                                  boolean bulk) {
    return bulk ? link.withBulk(conn -> eval(conn, tenant, id, script, args, target)) : script(tenant, id, script, args, target);
  }

  private Future<Response> eval(RedisConnection conn, String tenant, String id, Script script, List<String> args,
                                SessionState target) {
    return recording.eval(link, conn, script, keys.session(tenant, id), args).map(reply -> RedisReplies.ok(reply, id, target));
  }

  private static int keyCount(Map<String, ? extends Map<String, String>> byType) {
    int n = 0;
    for (Map<String, String> values : byType.values()) {
      n += values.size();
    }
    return n;
  }

  private static List<String> writeArgs(SessionRef ref) {
    return List.of(Long.toString(now()), ref.precondition(ref.ifMatch()));
  }

  private static Written written(Response reply) {
    return new Written(RedisReplies.number(reply.get(1)));
  }

  /** The states from which a move to {@code to} is legal, as the scripts expect them: {@code ' a b '}. */
  private static String sources(SessionState to) {
    if (to == null) {
      return "*";
    }
    StringBuilder b = new StringBuilder(" ");
    for (SessionState s : SessionState.values()) {
      if (s.canMoveTo(to)) {
        b.append(s.wire()).append(' ');
      }
    }
    return b.toString();
  }

  private static String flag(boolean b) {
    return b ? "1" : "0";
  }

  private TenantLimits limits(String tenant) {
    TenantLimits limits = settings.limits().apply(tenant);
    return limits == null ? TenantLimits.UNLIMITED : limits;
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  /** Runs {@code operation}, turning a validation exception thrown before any I/O into a failed future. */
  private static <T> Future<T> checked(Supplier<Future<T>> operation) {
    try {
      return operation.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
