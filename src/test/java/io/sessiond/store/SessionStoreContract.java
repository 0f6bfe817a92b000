package io.sessiond.store;

import static io.sessiond.store.StoreRequests.ANY_VERSION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionState;
import io.sessiond.session.SessionStatus;
import io.sessiond.session.StoredMessage;
import io.sessiond.store.StoreRequests.AppendMessages;
import io.sessiond.store.StoreRequests.BlobChunk;
import io.sessiond.store.StoreRequests.BlobRef;
import io.sessiond.store.StoreRequests.BlobUpload;
import io.sessiond.store.StoreRequests.BlobWritten;
import io.sessiond.store.StoreRequests.CommitBlob;
import io.sessiond.store.StoreRequests.ReadBlobChunk;
import io.sessiond.store.StoreRequests.AppendResult;
import io.sessiond.store.StoreRequests.ImportSession;
import io.sessiond.store.StoreRequests.KeyValues;
import io.sessiond.store.StoreRequests.ListSessions;
import io.sessiond.store.StoreRequests.PatchSession;
import io.sessiond.store.StoreRequests.PutCreds;
import io.sessiond.store.StoreRequests.PutResult;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.QueryKeys;
import io.sessiond.store.StoreRequests.ReadMessages;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.store.StoreRequests.Transition;
import io.sessiond.store.StoreRequests.WriteKeys;
import io.sessiond.store.StoreRequests.Written;
import io.sessiond.tenant.TenantLimits;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@link SessionStore} contract, written once and run against every backend. A subclass only
 * says how to build its store; every test then talks to the store through the contract alone, on
 * one Vert.x context (single-threaded backends are always called from one thread), with a fresh
 * random tenant and session ids, so tests need no clean-up and may share a backing server.
 */
@ExtendWith(VertxExtension.class)
public abstract class SessionStoreContract {
  public static final long DEFAULT_TTL_SECONDS = 3600;
  public static final int MAX_MESSAGES = 5;
  /** Tenants whose id starts with this get {@link #SMALL_LIMITS}; every other tenant is unlimited. */
  public static final String SMALL_TENANT_PREFIX = "small-";
  public static final TenantLimits SMALL_LIMITS = new TenantLimits(3, 1024, 0);
  public static final String BUFFER_JSON = "{\"type\":\"Buffer\",\"data\":\"AAEC/w3+/Q==\"}";

  protected Vertx vertx;
  protected SessionStore store;
  protected String tenant;
  protected String id;
  private Context context;

  /** A new, not yet opened store for {@code settings}; called on the test's Vert.x context. */
  protected abstract SessionStore newStore(Vertx vertx, StoreSettings settings);

  /** Limits a test gives a tenant while it runs (a tenant's limits can change between start-ups). */
  private static final Map<String, TenantLimits> CHANGED_LIMITS = new java.util.concurrent.ConcurrentHashMap<>();

  public static StoreSettings settings() {
    return new StoreSettings(DEFAULT_TTL_SECONDS, MAX_MESSAGES, tenant -> CHANGED_LIMITS.getOrDefault(tenant,
        tenant.startsWith(SMALL_TENANT_PREFIX) ? SMALL_LIMITS : TenantLimits.UNLIMITED));
  }

  @BeforeEach
  void openStore(Vertx vertx, VertxTestContext tc) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.tenant = "t-" + random();
    this.id = "s-" + random();
    context.runOnContext(v -> {
      store = newStore(vertx, settings());
      store.open().onComplete(tc.succeedingThenComplete());
    });
  }

  @AfterEach
  void closeStore(VertxTestContext tc) {
    context.runOnContext(v -> store.close().onComplete(tc.succeedingThenComplete()));
  }

  // ---- documents: put, get, patch, delete, touch -------------------------------------------

  @Test
  void put_newSession_createsVersionOne_unregistered_withDefaultTtl(VertxTestContext tc) {
    long before = System.currentTimeMillis();
    run(tc, () -> store.put(putRequest(id, "{\"a\":1}", null, null, null, ANY_VERSION))
        .compose(checking(result -> {
          Session s = result.session();
          assertTrue(result.created());
          assertEquals(id, s.id());
          assertEquals(1, s.version());
          assertEquals(SessionState.UNREGISTERED, s.state());
          assertEquals("{\"a\":1}", s.dataJson());
          assertNull(s.credsJson());
          assertEquals(DEFAULT_TTL_SECONDS, s.ttlSeconds());
          assertTrue(s.createdAt() >= before && s.createdAt() <= System.currentTimeMillis(), "createdAt " + s.createdAt());
          assertEquals(s.createdAt(), s.updatedAt());
          assertEquals(s.createdAt(), s.lastActivityAt());
          assertEquals(s.updatedAt() + DEFAULT_TTL_SECONDS * 1000, s.expiresAt());
        }))
        .compose(r -> store.get(ref(id)))
        .compose(checking(s -> assertEquals(1, s.version()))));
  }

  @Test
  void put_withoutData_storesAnEmptyObject_andNamedStateAndTtlOnCreate(VertxTestContext tc) {
    run(tc, () -> store.put(putRequest(id, null, "{\"c\":1}", SessionState.REGISTERED, 0L, ANY_VERSION))
        .compose(checking(r -> {
          assertEquals("{}", r.session().dataJson());
          assertEquals("{\"c\":1}", r.session().credsJson());
          assertEquals(SessionState.REGISTERED, r.session().state());
          assertEquals(0, r.session().ttlSeconds());
          assertEquals(0, r.session().expiresAt());
        })));
  }

  @Test
  void put_existingSession_replacesData_bumpsVersion_keepsCreatedAt(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(first -> clockPasses(first.updatedAt())
            .compose(v -> store.put(putRequest(id, "{\"b\":2}", null, null, null, ANY_VERSION)))
            .compose(checking(r -> {
              assertFalse(r.created());
              assertEquals(2, r.session().version());
              assertEquals("{\"b\":2}", r.session().dataJson());
              assertEquals(first.createdAt(), r.session().createdAt());
              assertTrue(r.session().updatedAt() > first.updatedAt(), "updatedAt did not move: " + r.session().updatedAt());
              assertEquals(r.session().updatedAt(), r.session().lastActivityAt());
              assertEquals(r.session().updatedAt() + DEFAULT_TTL_SECONDS * 1000, r.session().expiresAt());
            }))));
  }

  @Test
  void put_withoutCredsStateOrTtl_keepsTheCurrentValues(VertxTestContext tc) {
    run(tc, () -> store.put(putRequest(id, "{}", "{\"me\":1}", SessionState.REGISTERING, 60L, ANY_VERSION))
        .compose(r -> store.put(putRequest(id, "{\"x\":1}", null, null, null, ANY_VERSION)))
        .compose(checking(r -> {
          assertEquals("{\"me\":1}", r.session().credsJson());
          assertEquals(SessionState.REGISTERING, r.session().state());
          assertEquals(60, r.session().ttlSeconds());
        })));
  }

  @Test
  void put_withCredsNullText_clearsTheCreds(VertxTestContext tc) {
    run(tc, () -> store.put(putRequest(id, "{}", "{\"me\":1}", null, null, ANY_VERSION))
        .compose(r -> store.put(putRequest(id, "{}", "null", null, null, ANY_VERSION)))
        .compose(checking(r -> assertNull(r.session().credsJson())))
        .compose(r -> store.status(ref(id)))
        .compose(checking(s -> assertFalse(s.hasCreds()))));
  }

  @Test
  void put_namingAnIllegalState_failsIllegalTransition_andChangesNothing(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(s -> failsWith(StoreFailure.ILLEGAL_TRANSITION,
            store.put(putRequest(id, "{\"new\":1}", null, SessionState.CONNECTED, null, ANY_VERSION))))
        .compose(v -> store.get(ref(id)))
        .compose(checking(s -> {
          assertEquals(1, s.version());
          assertEquals("{}", s.dataJson());
        }))
        .compose(s -> store.put(putRequest(id, "{}", null, SessionState.REGISTERING, null, ANY_VERSION)))
        .compose(checking(r -> assertEquals(SessionState.REGISTERING, r.session().state()))));
  }

  @Test
  void put_ifMatchZero_createsOnlyWhenAbsent(VertxTestContext tc) {
    run(tc, () -> store.put(putRequest(id, "{}", null, null, null, 0))
        .compose(checking(r -> assertTrue(r.created())))
        .compose(r -> failsWith(StoreFailure.VERSION_MISMATCH, store.put(putRequest(id, "{}", null, null, null, 0))))
        .compose(v -> failsWith(StoreFailure.VERSION_MISMATCH,
            store.put(putRequest("other-" + id, "{}", null, null, null, 3))))
        .compose(v -> store.put(putRequest(id, "{\"v\":2}", null, null, null, 1)))
        .compose(checking(r -> assertEquals(2, r.session().version()))));
  }

  @Test
  void put_repliesWithWhatAGetThenReads_credsKeptWhenNotGiven_andClearedByNull(VertxTestContext tc) {
    run(tc, () -> store.put(putRequest(id, "{\"d\":1}", "{\"c\":1}", null, null, ANY_VERSION))
        .compose(r -> store.put(putRequest(id, "{\"d\":2}", null, SessionState.REGISTERING, 60L, ANY_VERSION)))
        .compose(r -> store.get(ref(id)).compose(checking(s -> {
          assertEquals(s, r.session(), "the reply of a PUT without creds is the session a GET reads");
          assertEquals("{\"d\":2}", s.dataJson());
          assertEquals("{\"c\":1}", s.credsJson());
        })))
        .compose(v -> store.put(putRequest(id, "{\"d\":3}", "null", null, null, ANY_VERSION)))
        .compose(r -> store.get(ref(id)).compose(checking(s -> {
          assertEquals(s, r.session(), "the reply of a PUT clearing creds is the session a GET reads");
          assertNull(s.credsJson());
          assertEquals(SessionState.REGISTERING, s.state());
          assertEquals(60, s.ttlSeconds());
        }))));
  }

  @Test
  void get_whileWritesReplaceDataAndCreds_readsBothFromOneVersion(VertxTestContext tc) {
    // Each write sets data and creds to the same n: a read that took them from two versions shows two.
    int writes = 200;
    List<Future<Session>> reads = new ArrayList<>();
    run(tc, () -> store.put(putRequest(id, "{\"n\":0}", "{\"n\":0}", null, null, ANY_VERSION)).compose(first -> {
      List<Future<?>> all = new ArrayList<>();
      for (int n = 1; n <= writes; n++) {
        all.add(store.put(putRequest(id, "{\"n\":" + n + "}", "{\"n\":" + n + "}", null, null, ANY_VERSION)));
        Future<Session> read = store.get(ref(id));
        reads.add(read);
        all.add(read);
      }
      return Future.all(all);
    }).compose(checking(v -> {
      for (Future<Session> read : reads) {
        Session s = read.result();
        assertEquals(s.dataJson(), s.credsJson(), "data and creds of one read, at version " + s.version());
      }
    })));
  }

  @Test
  void get_missingSession_failsNotFound(VertxTestContext tc) {
    run(tc, () -> failsWith(StoreFailure.NOT_FOUND, store.get(ref(id))));
  }

  @Test
  void patch_mergesNestedObjects_andNullRemovesMembers(VertxTestContext tc) {
    run(tc, () -> store.put(putRequest(id, "{\"a\":{\"b\":1,\"c\":2},\"d\":3,\"keep\":true}", null, null, null,
            ANY_VERSION))
        .compose(r -> store.patch(new PatchSession(tenant, id, "{\"a\":{\"b\":10,\"c\":null,\"e\":[1]},\"d\":null}",
            ANY_VERSION)))
        .compose(checking(s -> {
          assertEquals(new JsonObject("{\"a\":{\"b\":10,\"e\":[1]},\"keep\":true}"), new JsonObject(s.dataJson()));
          assertEquals(2, s.version());
        }))
        .compose(s -> store.get(ref(id)))
        .compose(checking(s -> assertEquals(new JsonObject("{\"a\":{\"b\":10,\"e\":[1]},\"keep\":true}"),
            new JsonObject(s.dataJson())))));
  }

  @Test
  void patch_withNonObject_failsInvalid_andChangesNothing(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(s -> failsWith(StoreFailure.INVALID, store.patch(new PatchSession(tenant, id, "[1,2]", ANY_VERSION))))
        .compose(v -> store.get(ref(id)))
        .compose(checking(s -> assertEquals(1, s.version()))));
  }

  @Test
  void delete_removesTheSessionWithItsKeysAndMessages(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(s -> writeKeys(id, keyBatch("pre-key", "1", "{\"k\":1}")))
        .compose(w -> append(id, message("m1")))
        .compose(a -> store.delete(ref(id)))
        .compose(v -> failsWith(StoreFailure.NOT_FOUND, store.get(ref(id))))
        .compose(v -> failsWith(StoreFailure.NOT_FOUND, store.delete(ref(id))))
        .compose(v -> create(id))
        .compose(checking(s -> assertEquals(1, s.version())))
        .compose(s -> store.status(ref(id)))
        .compose(checking(status -> {
          assertEquals(Map.of(), status.keyCounts());
          assertEquals(0, status.messageCount());
        }))
        .compose(s -> append(id, message("again")))
        .compose(checking(a -> assertEquals(1, a.firstSeq()))));
  }

  @Test
  void countSessions_countsTheTenantsSessions_afterCreatesAndDeletes_andNoOtherTenants(VertxTestContext tc) {
    String other = "t-" + random();
    run(tc, () -> store.countSessions(new StoreRequests.CountSessions(tenant))
        .compose(checking(n -> assertEquals(0L, n)))
        .compose(v -> Future.all(create("c-1"), create("c-2"), create("c-3")))
        .compose(v -> store.put(new PutSession(other, "c-1", "{}", null, null, null, ANY_VERSION)))
        .compose(v -> create("c-1")) // a replace is not a second session
        .compose(v -> store.delete(ref("c-2")))
        .compose(v -> store.countSessions(new StoreRequests.CountSessions(tenant)))
        .compose(checking(n -> assertEquals(2L, n)))
        .compose(v -> store.countSessions(new StoreRequests.CountSessions(other)))
        .compose(checking(n -> assertEquals(1L, n))));
  }

  @Test
  void touch_refreshesExpiryAndActivity_bumpsVersion_keepsUpdatedAt(VertxTestContext tc) {
    run(tc, () -> store.put(putRequest(id, "{}", null, null, 100L, ANY_VERSION))
        .compose(created -> clockPasses(created.session().lastActivityAt()).compose(v -> store.touch(ref(id)))
            .compose(checking(status -> {
              Session s = created.session();
              assertEquals(2, status.version());
              assertEquals(s.updatedAt(), status.updatedAt());
              assertTrue(status.lastActivityAt() > s.lastActivityAt());
              assertEquals(status.lastActivityAt() + 100_000, status.expiresAt());
            }))));
  }

  @Test
  void reads_changeNeitherVersionNorActivity(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(created -> clockPasses(created.lastActivityAt())
            .compose(v -> store.get(ref(id)))
            .compose(s -> store.status(ref(id)))
            .compose(s -> store.queryKeys(new QueryKeys(tenant, id, "pre-key", List.of("1"))))
            .compose(k -> store.readMessages(new ReadMessages(tenant, id, 0, 10, false)))
            .compose(m -> store.export(ref(id)))
            .compose(e -> store.list(new ListSessions(tenant, null, null, null, 10)))
            .compose(p -> store.get(ref(id)))
            .compose(checking(s -> assertEquals(created, s)))));
  }

  // ---- change events --------------------------------------------------------------------------

  @Test
  void everyWrite_recordsOneEvent_inOrder_andAReadAfterAnIdGetsExactlyTheLaterOnes(VertxTestContext tc) {
    String[] start = new String[1];
    List<SessionEvent> all = new ArrayList<>();
    run(tc, () -> store.readEvents(new StoreRequests.ReadEvents(tenant, null, 100))
        .compose(checking(page -> assertTrue(page.events().isEmpty() && !page.lost(), page.toString())))
        .compose(page -> {
          start[0] = page.lastId();
          return create(id);
        })
        .compose(v -> store.transition(new Transition(tenant, id, SessionState.REGISTERING, ANY_VERSION)))
        .compose(v -> store.putCreds(new PutCreds(tenant, id, "{\"k\":1}", ANY_VERSION)))
        .compose(v -> store.putCreds(new PutCreds(tenant, id, "{\"k\":2}", ANY_VERSION)))
        .compose(v -> store.rollbackCreds(new StoreRequests.RollbackCreds(tenant, id, 3, ANY_VERSION,
            StoreRequests.NO_FENCE)))
        .compose(v -> store.touch(new SessionRef(tenant, id)))
        .compose(v -> store.delete(new SessionRef(tenant, id)))
        .compose(v -> store.readEvents(new StoreRequests.ReadEvents(tenant, start[0], 100)))
        .compose(checking(page -> {
          assertFalse(page.lost());
          assertEquals(List.of(EventType.CREATED, EventType.STATE_CHANGED, EventType.CREDS_CHANGED,
              EventType.CREDS_CHANGED, EventType.CREDS_CHANGED, EventType.UPDATED, EventType.DELETED),
              page.events().stream().map(SessionEvent::type).toList(), "a rollback changes the creds too");
          assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 6L), page.events().stream().map(SessionEvent::version).toList());
          assertTrue(page.events().stream().allMatch(e -> e.sessionId().equals(id)));
          assertEquals(page.events().get(6).id(), page.lastId());
          all.addAll(page.events());
        }))
        .compose(page -> store.readEvents(new StoreRequests.ReadEvents(tenant, all.get(2).id(), 100)))
        .compose(checking(page -> assertEquals(all.subList(3, 7), page.events())))
        .compose(page -> store.readEvents(new StoreRequests.ReadEvents(tenant, all.get(0).id(), 2)))
        .compose(checking(page -> {
          assertEquals(all.subList(1, 3), page.events(), "a page holds at most max events");
          assertEquals(all.get(2).id(), page.lastId());
        }))
        .compose(page -> store.readEvents(new StoreRequests.ReadEvents("t-" + random(), start[0], 100)))
        .compose(checking(page -> assertTrue(page.events().isEmpty(), "another tenant's log is its own"))));
  }

  @Test
  void readingAfterAnIdNewerThanTheLog_saysEventsWereLost(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(v -> store.readEvents(new StoreRequests.ReadEvents(tenant, "999999999999999-0", 100)))
        .compose(checking(page -> {
          assertTrue(page.lost());
          assertEquals(1, page.events().size(), "the log from its start follows: " + page.events());
          assertEquals(EventType.CREATED, page.events().get(0).type());
        })));
  }

  @Test
  void theSweep_dropsEventsPastTheLogsAge_withoutAWrite_andAReaderLeftBehindIsToldSo(VertxTestContext tc) {
    String[] first = new String[1];
    // 150 events fill more than one of Redis's stream nodes (100 entries), which an approximate trim drops whole.
    run(tc, () -> store.put(putRequest(id, "{}", null, null, 0L, ANY_VERSION))
        .compose(v -> touches(id, 149))
        .compose(v -> store.readEvents(new StoreRequests.ReadEvents(tenant, EventIds.ZERO, 1)))
        .compose(checking(page -> {
          assertFalse(page.lost(), "nothing was dropped yet");
          first[0] = page.events().get(0).id();
        }))
        // No write after this: the sweep alone trims a tenant's log by age.
        .compose(page -> store.sweepExpired(System.currentTimeMillis() + EventLogSettings.DEFAULT.maxAgeMs() + 1000))
        .compose(n -> store.readEvents(new StoreRequests.ReadEvents(tenant, first[0], 500)))
        .compose(checking(page -> {
          assertTrue(page.lost(), "the first events are past the log's age: a reader after them has missed some");
          List<Long> versions = page.events().stream().map(SessionEvent::version).toList();
          assertTrue(versions.size() < 150, "events were dropped: " + versions.size());
          for (int i = 1; i < versions.size(); i++) {
            assertEquals(versions.get(i - 1) + 1, versions.get(i), "what is left has no gap");
          }
        })));
  }

  private Future<Void> touches(String sessionId, int n) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < n; i++) {
      chain = chain.compose(v -> store.touch(new SessionRef(tenant, sessionId)).mapEmpty());
    }
    return chain;
  }

  // ---- listing: bounded work per page ---------------------------------------------------------

  @Test
  void list_byARareState_looksAtABoundedNumberOfSessionsPerPage_andItsCursorFindsEveryMatch(VertxTestContext tc) {
    int n = RequestChecks.MAX_SCANNED_PER_PAGE * 3 + 17;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(String.format("s%05d", i));
    }
    List<String> rare = List.of(ids.get(5), ids.get(n / 2), ids.get(n - 1));
    List<List<String>> pages = new ArrayList<>();
    run(tc, () -> createAll(ids)
        .compose(v -> Future.all(rare.stream().map(r -> store.transition(new Transition(tenant, r, SessionState.REGISTERING,
            ANY_VERSION))).toList()))
        .compose(v -> walk(SessionState.REGISTERING, null, pages))
        .compose(checking(v -> {
          assertEquals(rare, pages.stream().flatMap(List::stream).toList());
          assertTrue(pages.stream().allMatch(p -> p.size() <= 1), "a page holds at most the limit: " + pages);
          // Each page looked at no more than its bound, so the walk took at least n / bound pages.
          int bounded = (n + RequestChecks.MAX_SCANNED_PER_PAGE - 1) / RequestChecks.MAX_SCANNED_PER_PAGE;
          assertTrue(pages.size() >= bounded, pages.size() + " pages for " + n + " sessions");
        })));
  }

  // ---- listing by prefix ----------------------------------------------------------------------

  @Test
  void list_byPrefix_readsOnlyThatRange_pastMoreOtherSessionsThanAPageLooksAt(VertxTestContext tc) {
    // More sessions sort before the prefix than one page may look at: a listing that filtered the
    // tenant's sessions instead of reading the prefix's range would answer a short page with a cursor.
    List<String> before = new ArrayList<>();
    for (int i = 0; i < RequestChecks.MAX_SCANNED_PER_PAGE + 10; i++) {
      before.add(String.format("a%05d", i));
    }
    List<String> mine = List.of("p.", "p.1", "p.2", "p.3");
    List<String> near = List.of("p", "p-1", "p:1", "p_1", "q.1", "o.1");
    String otherTenant = "t-" + random();
    run(tc, () -> createAll(before)
        .compose(v -> Future.all(java.util.stream.Stream.concat(mine.stream(), near.stream()).map(this::create).toList()))
        .compose(v -> store.put(new PutSession(otherTenant, "p.0", "{}", null, null, null, ANY_VERSION)))
        .compose(v -> store.list(new ListSessions(tenant, null, "p.", null, 10)))
        .compose(checking(page -> {
          assertEquals(mine, page.sessions().stream().map(Session::id).toList());
          assertNull(page.nextAfterId());
        }))
        .compose(v -> store.list(new ListSessions(tenant, null, "p.", null, 2)))
        .compose(checking(page -> {
          assertEquals(List.of("p.", "p.1"), page.sessions().stream().map(Session::id).toList());
          assertEquals("p.1", page.nextAfterId());
        }))
        .compose(page -> store.list(new ListSessions(tenant, null, "p.", page.nextAfterId(), 2)))
        .compose(checking(page -> {
          assertEquals(List.of("p.2", "p.3"), page.sessions().stream().map(Session::id).toList());
          assertNull(page.nextAfterId());
        }))
        .compose(v -> store.list(new ListSessions(tenant, null, "p.", "a00001", 10)))
        .compose(checking(page -> assertEquals(mine, page.sessions().stream().map(Session::id).toList())))
        .compose(v -> store.list(new ListSessions(tenant, null, "p.", "p.3", 10)))
        .compose(checking(page -> assertEquals(List.of(), page.sessions())))
        .compose(v -> store.list(new ListSessions(tenant, null, "p.", "q", 10)))
        .compose(checking(page -> assertEquals(List.of(), page.sessions())))
        .compose(v -> store.list(new ListSessions(tenant, null, "p.1", null, 10)))
        .compose(checking(page -> assertEquals(List.of("p.1"), page.sessions().stream().map(Session::id).toList())))
        .compose(v -> store.list(new ListSessions(otherTenant, null, "p.", null, 10)))
        .compose(checking(page -> assertEquals(List.of("p.0"), page.sessions().stream().map(Session::id).toList()))));
  }

  @Test
  void statusAll_byPrefixAndState_combinesBothFilters(VertxTestContext tc) {
    run(tc, () -> create("x.1").compose(s -> create("x.2")).compose(s -> create("x.3")).compose(s -> create("y.1"))
        .compose(s -> transition("x.2", SessionState.REGISTERING))
        .compose(s -> transition("y.1", SessionState.REGISTERING))
        .compose(s -> store.statusAll(new ListSessions(tenant, SessionState.REGISTERING, "x.", null, 10)))
        .compose(checking(page -> {
          assertEquals(List.of("x.2"), page.statuses().stream().map(SessionStatus::id).toList());
          assertNull(page.nextAfterId());
        }))
        .compose(v -> store.statusAll(new ListSessions(tenant, null, "x.", null, 10)))
        .compose(checking(page -> assertEquals(List.of("x.1", "x.2", "x.3"),
            page.statuses().stream().map(SessionStatus::id).toList()))));
  }

  @Test
  void list_byPrefix_skipsExpiredSessions_andRefusesAnInvalidPrefix(VertxTestContext tc) {
    run(tc, () -> store.put(putRequest("e.short", "{}", null, null, 1L, ANY_VERSION))
        .compose(r -> create("e.long"))
        .compose(s -> eventually(5_000, () -> store.list(new ListSessions(tenant, null, "e.", null, 10))
            .map(page -> page.sessions().stream().map(Session::id).toList().equals(List.of("e.long")))))
        .compose(v -> failsWith(StoreFailure.INVALID, store.list(new ListSessions(tenant, null, "a/b", null, 10))))
        .compose(v -> failsWith(StoreFailure.INVALID, store.list(new ListSessions(tenant, null, "", null, 10))))
        .compose(v -> failsWith(StoreFailure.INVALID,
            store.statusAll(new ListSessions(tenant, null, "x".repeat(129), null, 10)))));
  }

  /** Follows the cursor of a state-filtered status listing with limit 1 to its end, one page per element of {@code pages}. */
  private Future<Void> walk(SessionState state, String afterId, List<List<String>> pages) {
    return store.statusAll(new ListSessions(tenant, state, null, afterId, 1)).compose(page -> {
      pages.add(page.statuses().stream().map(SessionStatus::id).toList());
      assertTrue(pages.size() < 1000, "the cursor must come to an end");
      return page.nextAfterId() == null ? Future.succeededFuture() : walk(state, page.nextAfterId(), pages);
    });
  }

  // ---- If-Match and missing sessions ---------------------------------------------------------

  @Test
  void everyWrite_withStaleIfMatch_failsVersionMismatch_andWithCurrentIfMatch_succeeds(VertxTestContext tc) {
    List<Function<Long, Future<?>>> writes = List.of(
        v -> store.put(putRequest(id, "{}", null, null, null, v)),
        v -> store.patch(new PatchSession(tenant, id, "{\"p\":1}", v)),
        v -> store.touch(new SessionRef(tenant, id, v)),
        v -> store.transition(new Transition(tenant, id, SessionState.REGISTERING, v)),
        v -> store.putCreds(new PutCreds(tenant, id, "{\"c\":1}", v)),
        v -> store.writeKeys(new WriteKeys(tenant, id, keyBatch("pre-key", "1", "1"), v)),
        v -> store.clearKeys(new SessionRef(tenant, id, v)),
        v -> store.appendMessages(new AppendMessages(tenant, id, List.of(message("m")), v)),
        v -> store.importSession(new ImportSession(tenant, exportOf(id, "{}"), v)),
        v -> store.delete(new SessionRef(tenant, id, v)));
    run(tc, () -> {
      Future<?> chain = create(id);
      for (Function<Long, Future<?>> write : writes) {
        chain = chain.compose(x -> store.get(ref(id)))
            .compose(s -> failsWith(StoreFailure.VERSION_MISMATCH, write.apply(s.version() + 7))
                .compose(v -> write.apply(s.version())));
      }
      return chain.compose(v -> failsWith(StoreFailure.NOT_FOUND, store.get(ref(id))));
    });
  }

  @Test
  void everyOperation_onAMissingSession_failsNotFound(VertxTestContext tc) {
    List<Supplier<Future<?>>> operations = List.of(
        () -> store.get(ref(id)),
        () -> store.patch(new PatchSession(tenant, id, "{}", ANY_VERSION)),
        () -> store.delete(ref(id)),
        () -> store.touch(ref(id)),
        () -> store.status(ref(id)),
        () -> store.transition(new Transition(tenant, id, SessionState.REGISTERING, ANY_VERSION)),
        () -> store.putCreds(new PutCreds(tenant, id, "{}", ANY_VERSION)),
        () -> store.queryKeys(new QueryKeys(tenant, id, "pre-key", List.of("1"))),
        () -> store.writeKeys(new WriteKeys(tenant, id, keyBatch("pre-key", "1", "1"), ANY_VERSION)),
        () -> store.clearKeys(ref(id)),
        () -> store.appendMessages(new AppendMessages(tenant, id, List.of(message("m")), ANY_VERSION)),
        () -> store.readMessages(new ReadMessages(tenant, id, 0, 10, false)),
        () -> store.export(ref(id)),
        () -> store.delete(new SessionRef(tenant, id, 1)));
    run(tc, () -> {
      Future<?> chain = Future.succeededFuture();
      for (Supplier<Future<?>> operation : operations) {
        chain = chain.compose(v -> failsWith(StoreFailure.NOT_FOUND, operation.get()));
      }
      return chain.compose(v -> store.list(new ListSessions(tenant, null, null, null, 10)))
          .compose(checking(page -> assertEquals(List.of(), page.sessions())));
    });
  }

  // ---- expiry -----------------------------------------------------------------------------------

  @Test
  void expiredSession_isGone_fromEveryOperation(VertxTestContext tc) {
    run(tc, () -> store.put(putRequest(id, "{\"old\":true}", null, null, 1L, ANY_VERSION))
        .compose(r -> writeKeys(id, keyBatch("pre-key", "1", "1")))
        .compose(w -> append(id, message("m")))
        .compose(a -> eventually(5000, () -> store.get(ref(id)).transform(ar -> Future.succeededFuture(ar.failed()))))
        .compose(v -> failsWith(StoreFailure.NOT_FOUND, store.status(ref(id))))
        .compose(v -> failsWith(StoreFailure.NOT_FOUND, store.touch(ref(id))))
        .compose(v -> failsWith(StoreFailure.NOT_FOUND, store.export(ref(id))))
        .compose(v -> failsWith(StoreFailure.NOT_FOUND,
            store.writeKeys(new WriteKeys(tenant, id, keyBatch("pre-key", "2", "2"), ANY_VERSION))))
        .compose(v -> store.list(new ListSessions(tenant, null, null, null, 10)))
        .compose(checking(page -> assertEquals(List.of(), page.sessions())))
        .compose(v -> store.statusAll(new ListSessions(tenant, null, null, null, 10)))
        .compose(checking(page -> assertEquals(List.of(), page.statuses())))
        .compose(v -> store.put(putRequest(id, "{}", null, null, null, 0)))
        .compose(checking(r -> {
          assertTrue(r.created());
          assertEquals(1, r.session().version());
        }))
        .compose(r -> store.status(ref(id)))
        .compose(checking(s -> {
          assertEquals(Map.of(), s.keyCounts());
          assertEquals(0, s.messageCount());
        })));
  }

  @Test
  void sweepExpired_removesOnlySessionsExpiredAtTheGivenInstant(VertxTestContext tc) {
    String forever = id + "-forever";
    String later = id + "-later";
    run(tc, () -> store.put(putRequest(id, "{}", null, null, 60L, ANY_VERSION))
        .compose(r -> store.put(putRequest(forever, "{}", null, null, 0L, ANY_VERSION)))
        .compose(r -> store.put(putRequest(later, "{}", null, null, 7200L, ANY_VERSION)))
        .compose(r -> store.sweepExpired(System.currentTimeMillis() + 3_600_000))
        .compose(checking(removed -> assertEquals(1, removed, "only " + id + " had expired (each test has a store of its own)")))
        .compose(n -> failsWith(StoreFailure.NOT_FOUND, store.get(ref(id))))
        .compose(v -> store.get(ref(forever)))
        .compose(s -> store.get(ref(later)))
        .compose(checking(s -> assertEquals(later, s.id()))));
  }

  // ---- listing and status -----------------------------------------------------------------------

  @Test
  void list_pagesInIdOrder_withAndWithoutStateFilter(VertxTestContext tc) {
    List<String> ids = List.of("a1", "a2", "b1", "b2", "c1", "c2", "d1");
    List<String> registering = List.of("a2", "b1", "c2", "d1");
    run(tc, () -> {
      Future<?> chain = Future.succeededFuture();
      for (String each : ids) {
        SessionState state = registering.contains(each) ? SessionState.REGISTERING : null;
        chain = chain.compose(v -> store.put(putRequest(each, "{}", null, state, null, ANY_VERSION)));
      }
      return chain
          .compose(v -> listAll(null, 3))
          .compose(checking(all -> assertEquals(ids, all)))
          .compose(v -> listAll(SessionState.REGISTERING, 2))
          .compose(checking(some -> assertEquals(registering, some)))
          .compose(v -> store.list(new ListSessions(tenant, null, null, "b1", 2)))
          .compose(checking(page -> {
            assertEquals(List.of("b2", "c1"), page.sessions().stream().map(Session::id).toList());
            assertEquals("c1", page.nextAfterId());
          }))
          .compose(v -> store.list(new ListSessions(tenant, SessionState.REGISTERING, null, "c2", 5)))
          .compose(checking(page -> {
            assertEquals(List.of("d1"), page.sessions().stream().map(Session::id).toList());
            assertNull(page.nextAfterId());
          }))
          .compose(v -> store.list(new ListSessions(tenant, null, null, null, 7)))
          .compose(checking(page -> assertNull(page.nextAfterId())));
    });
  }

  @Test
  void statusAll_pagesStatuses_withKeyCountsAndMessageCounts(VertxTestContext tc) {
    run(tc, () -> create("x1")
        .compose(s -> create("x2"))
        .compose(s -> create("x3"))
        .compose(s -> writeKeys("x2", keyBatch("session", "a", "1", "b", "2")))
        .compose(w -> append("x3", message("m")))
        .compose(a -> store.statusAll(new ListSessions(tenant, null, null, null, 2)))
        .compose(checking(page -> {
          assertEquals(List.of("x1", "x2"), page.statuses().stream().map(SessionStatus::id).toList());
          assertEquals("x2", page.nextAfterId());
          assertEquals(Map.of("session", 2L), page.statuses().get(1).keyCounts());
        }))
        .compose(page -> store.statusAll(new ListSessions(tenant, SessionState.UNREGISTERED, null, page.nextAfterId(), 2)))
        .compose(checking(page -> {
          assertEquals(1, page.statuses().size());
          assertEquals(1, page.statuses().get(0).messageCount());
          assertNull(page.nextAfterId());
        })));
  }

  @Test
  void status_countsKeysPerType_listingOnlyTypesWithKeys(VertxTestContext tc) {
    run(tc, () -> store.put(putRequest(id, "{}", "{\"c\":1}", null, null, ANY_VERSION))
        .compose(r -> writeKeys(id, merge(keyBatch("pre-key", "1", "1", "2", "2", "3", "3"),
            keyBatch("sender-key", "g", "1"))))
        .compose(w -> writeKeys(id, keyBatch("sender-key", "g", null)))
        .compose(w -> append(id, message("a"), message("b")))
        .compose(a -> store.status(ref(id)))
        .compose(checking(s -> {
          assertEquals(Map.of("pre-key", 3L), s.keyCounts());
          assertEquals(2, s.messageCount());
          assertTrue(s.hasCreds());
          assertEquals(SessionState.UNREGISTERED, s.state());
          assertEquals(4, s.version());
        })));
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  @Test
  void transition_legal_movesStateAndBumpsVersion(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(s -> transition(id, SessionState.REGISTERING))
        .compose(s -> transition(id, SessionState.REGISTERED))
        .compose(s -> transition(id, SessionState.CONNECTED))
        .compose(s -> transition(id, SessionState.DISCONNECTED))
        .compose(s -> transition(id, SessionState.CONNECTED))
        .compose(checking(s -> {
          assertEquals(SessionState.CONNECTED, s.state());
          assertEquals(6, s.version());
        }))
        .compose(s -> transition(id, SessionState.LOGGED_OUT))
        .compose(s -> transition(id, SessionState.UNREGISTERED))
        .compose(checking(s -> assertEquals(8, s.version()))));
  }

  @Test
  void transition_illegal_failsIllegalTransition_andChangesNothing(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(s -> failsWith(StoreFailure.ILLEGAL_TRANSITION, transition(id, SessionState.CONNECTED)))
        .compose(v -> store.get(ref(id)))
        .compose(checking(s -> {
          assertEquals(SessionState.UNREGISTERED, s.state());
          assertEquals(1, s.version());
        })));
  }

  @Test
  void transition_toTheCurrentState_succeedsWithoutChangingAnything(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(created -> transition(id, SessionState.UNREGISTERED)
            .compose(checking(s -> {
              assertEquals(SessionState.UNREGISTERED, s.state());
              assertEquals(1, s.version());
            }))
            .compose(s -> store.get(ref(id)))
            .compose(checking(s -> assertEquals(created, s)))));
  }

  // ---- creds and keys ------------------------------------------------------------------------

  @Test
  void putCreds_replacesCreds_andNullTextClearsThem(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(s -> store.putCreds(new PutCreds(tenant, id, "{\"noiseKey\":" + BUFFER_JSON + "}", ANY_VERSION)))
        .compose(checking(w -> assertEquals(2, w.version())))
        .compose(w -> store.get(ref(id)))
        .compose(checking(s -> assertEquals("{\"noiseKey\":" + BUFFER_JSON + "}", s.credsJson())))
        .compose(s -> store.putCreds(new PutCreds(tenant, id, "null", ANY_VERSION)))
        .compose(w -> store.get(ref(id)))
        .compose(checking(s -> {
          assertNull(s.credsJson());
          assertEquals(3, s.version());
        })));
  }

  @Test
  void keyBatch_upserts_andNullDeletesOnlyThatKey(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(s -> writeKeys(id, merge(keyBatch("pre-key", "1", "\"one\"", "2", "\"two\""),
            keyBatch("session", "x", "\"x\""))))
        .compose(checking(w -> assertEquals(2, w.version())))
        .compose(w -> writeKeys(id, merge(keyBatch("pre-key", "1", null, "2", "\"TWO\"", "3", "\"three\""),
            keyBatch("session", "nope", null))))
        .compose(w -> query(id, "pre-key", "1", "2", "3"))
        .compose(checking(k -> assertEquals(orderedMap("2", "\"TWO\"", "3", "\"three\""), k.values())))
        .compose(k -> query(id, "session", "x"))
        .compose(checking(k -> assertEquals(Map.of("x", "\"x\""), k.values()))));
  }

  @Test
  void keyBatch_rewritingAValueAtItsByteLength_readsTheNewValue_whileAnEarlierExportKeepsTheOld(VertxTestContext tc) {
    // "é" and "ab" are both 4 UTF-8 bytes with their quotes: a rewrite a store may do in place.
    run(tc, () -> create(id)
        .compose(s -> writeKeys(id, keyBatch("pre-key", "1", "\"é\"", "2", "\"cd\"")))
        .compose(w -> store.export(ref(id)))
        .compose(before -> writeKeys(id, keyBatch("pre-key", "1", "\"ab\"", "2", "\"ü\""))
            .compose(w -> query(id, "pre-key", "1", "2"))
            .compose(checking(k -> {
              assertEquals(orderedMap("1", "\"ab\"", "2", "\"ü\""), k.values());
              assertEquals(orderedMap("1", "\"é\"", "2", "\"cd\""), before.keys().get("pre-key"));
            }))));
  }

  @Test
  void queryKeys_leavesMissingIdsAbsent(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(s -> writeKeys(id, keyBatch("pre-key", "1", "1")))
        .compose(w -> query(id, "pre-key", "0", "1", "9"))
        .compose(checking(k -> assertEquals(Map.of("1", "1"), k.values())))
        .compose(k -> query(id, "no-such-type", "1"))
        .compose(checking(k -> assertEquals(Map.of(), k.values()))));
  }

  @Test
  void clearKeys_removesEveryKey_andBumpsVersion(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(s -> writeKeys(id, merge(keyBatch("pre-key", "1", "1"), keyBatch("session", "s", "2"))))
        .compose(w -> store.clearKeys(ref(id)))
        .compose(checking(w -> assertEquals(3, w.version())))
        .compose(w -> store.status(ref(id)))
        .compose(checking(s -> assertEquals(Map.of(), s.keyCounts())))
        .compose(s -> query(id, "pre-key", "1"))
        .compose(checking(k -> assertEquals(Map.of(), k.values()))));
  }

  @Test
  void bufferJsonValues_roundTripByteForByte(VertxTestContext tc) {
    String creds = "{\"noiseKey\":{\"private\":" + BUFFER_JSON + ",\"public\":" + BUFFER_JSON + "},\"n\":1.50}";
    String unicode = "{\"type\":\"Buffer\",\"data\":\"é€😀\",\"extra\":\"\\u0000\"}";
    run(tc, () -> store.put(putRequest(id, "{\"b\":" + BUFFER_JSON + "}", creds, null, null, ANY_VERSION))
        .compose(r -> writeKeys(id, keyBatch("app-state-sync-key", "AAAAAK7b", BUFFER_JSON, "u", unicode)))
        .compose(w -> query(id, "app-state-sync-key", "AAAAAK7b", "u"))
        .compose(checking(k -> {
          assertEquals(BUFFER_JSON, k.values().get("AAAAAK7b"));
          assertEquals(unicode, k.values().get("u"));
        }))
        .compose(k -> store.get(ref(id)))
        .compose(checking(s -> assertEquals(creds, s.credsJson())))
        .compose(s -> store.export(ref(id)))
        .compose(checking(e -> assertEquals(BUFFER_JSON, e.keys().get("app-state-sync-key").get("AAAAAK7b")))));
  }

  // ---- messages ------------------------------------------------------------------------------

  @Test
  void appendMessages_numbersFromOne_andTrimsTheWindowToMaxMessages(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(s -> append(id, message("1"), message("2"), message("3")))
        .compose(checking(a -> {
          assertEquals(1, a.firstSeq());
          assertEquals(3, a.lastSeq());
          assertEquals(3, a.messageCount());
          assertEquals(2, a.version());
        }))
        .compose(a -> append(id, message("4"), message("5"), message("6"), message("7")))
        .compose(checking(a -> {
          assertEquals(4, a.firstSeq());
          assertEquals(7, a.lastSeq());
          assertEquals(MAX_MESSAGES, a.messageCount());
        }))
        .compose(a -> store.readMessages(new ReadMessages(tenant, id, 0, 100, true)))
        .compose(checking(page -> {
          assertEquals(List.of(3L, 4L, 5L, 6L, 7L), seqs(page.messages()));
          assertEquals("{\"seq\":3,\"id\":\"3\",\"role\":\"user\",\"content\":\"text 3\"}",
              page.messages().get(0).json());
          assertEquals(0, page.nextBeforeSeq());
        })));
  }

  @Test
  void readMessages_pagesNewestFirstOrAscending_withBeforeCursor(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(s -> append(id, message("1"), message("2"), message("3"), message("4"), message("5")))
        .compose(a -> store.readMessages(new ReadMessages(tenant, id, 0, 2, false)))
        .compose(checking(page -> {
          assertEquals(List.of(5L, 4L), seqs(page.messages()));
          assertEquals(4, page.nextBeforeSeq());
        }))
        .compose(page -> store.readMessages(new ReadMessages(tenant, id, page.nextBeforeSeq(), 2, false)))
        .compose(checking(page -> {
          assertEquals(List.of(3L, 2L), seqs(page.messages()));
          assertEquals(2, page.nextBeforeSeq());
        }))
        .compose(page -> store.readMessages(new ReadMessages(tenant, id, page.nextBeforeSeq(), 2, false)))
        .compose(checking(page -> {
          assertEquals(List.of(1L), seqs(page.messages()));
          assertEquals(0, page.nextBeforeSeq());
        }))
        .compose(page -> store.readMessages(new ReadMessages(tenant, id, 5, 3, true)))
        .compose(checking(page -> {
          assertEquals(List.of(2L, 3L, 4L), seqs(page.messages()));
          assertEquals(2, page.nextBeforeSeq());
        }))
        .compose(page -> store.readMessages(new ReadMessages(tenant, id, 0, 5, true)))
        .compose(checking(page -> {
          assertEquals(List.of(1L, 2L, 3L, 4L, 5L), seqs(page.messages()));
          assertEquals(0, page.nextBeforeSeq());
        })));
  }

  // ---- export and import ---------------------------------------------------------------------

  @Test
  void exportThenImport_intoAnotherTenant_roundTripsTheWholeSession(VertxTestContext tc) {
    String otherTenant = "t-" + random();
    run(tc, () -> store.put(putRequest(id, "{\"d\":[1,2]}", "{\"c\":" + BUFFER_JSON + "}",
            SessionState.REGISTERING, 0L, ANY_VERSION))
        .compose(r -> writeKeys(id, merge(keyBatch("pre-key", "1", BUFFER_JSON), keyBatch("session", "s", "{}"))))
        .compose(w -> append(id, message("1"), message("2")))
        .compose(a -> store.export(ref(id)))
        .compose(exported -> store.importSession(new ImportSession(otherTenant, exported, ANY_VERSION))
            .compose(checking(r -> {
              assertTrue(r.created());
              assertEquals(exported.session().version(), r.session().version());
              assertEquals(exported.session().createdAt(), r.session().createdAt());
            }))
            .compose(r -> store.export(new SessionRef(otherTenant, id)))
            .compose(checking(copy -> {
              assertEquals(exported.keys(), copy.keys());
              assertEquals(exported.messages(), copy.messages());
              assertEquals(exported.session().dataJson(), copy.session().dataJson());
              assertEquals(exported.session().credsJson(), copy.session().credsJson());
              assertEquals(SessionState.REGISTERING, copy.session().state());
              assertEquals(0, copy.session().expiresAt());
            })))
        .compose(copy -> store.appendMessages(new AppendMessages(otherTenant, id, List.of(message("3")), ANY_VERSION)))
        .compose(checking(a -> assertEquals(3, a.firstSeq()))));
  }

  @Test
  void import_overAnExistingSession_replacesKeysAndMessages_andMovesTheVersionForward(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(s -> writeKeys(id, keyBatch("pre-key", "old", "1")))
        .compose(w -> append(id, message("old")))
        .compose(a -> store.touch(ref(id)))
        .compose(s -> store.importSession(new ImportSession(tenant, exportOf(id, "{\"imported\":1}"), ANY_VERSION)))
        .compose(checking(r -> {
          assertFalse(r.created());
          assertEquals(5, r.session().version());
        }))
        .compose(r -> store.export(ref(id)))
        .compose(checking(e -> {
          assertEquals(Map.of("pre-key", Map.of("new", "\"v\"")), e.keys());
          assertEquals(List.of(StoredMessage.of(9, message("nine"))), e.messages());
          assertEquals("{\"imported\":1}", e.session().dataJson());
        })));
  }

  @Test
  void restoreImport_createsAMissingSession_andReplacesOnlyAnOlderOne(VertxTestContext tc) {
    String missing = "missing-" + random();
    run(tc, () -> store.importSession(ImportSession.restore(tenant, exportOf(missing, "{\"restored\":1}"), 2))
        .compose(checking(r -> {
          assertTrue(r.created());
          assertEquals(2, r.session().version());
        }))
        .compose(r -> create(id))
        .compose(s -> store.put(putRequest(id, "{\"current\":1}", null, null, null, ANY_VERSION)))
        .compose(r -> failsWith(StoreFailure.VERSION_MISMATCH, store.importSession(ImportSession.restore(tenant,
            exportOf(id, "{\"older\":1}"), 2))))
        .compose(v -> store.get(ref(id)))
        .compose(checking(s -> {
          assertEquals("{\"current\":1}", s.dataJson());
          assertEquals(2, s.version());
        }))
        .compose(s -> failsWith(StoreFailure.VERSION_MISMATCH, store.importSession(ImportSession.restore(tenant,
            exportWithVersion(id, s.createdAt() - 1, 9), 9))))
        .compose(v -> store.get(ref(id)))
        .compose(s -> store.importSession(ImportSession.restore(tenant, exportWithVersion(id, s.createdAt(), 7), 7)))
        .compose(checking(r -> {
          assertFalse(r.created());
          assertEquals(7, r.session().version());
        }))
        .compose(r -> store.export(ref(id)))
        .compose(checking(e -> {
          assertEquals("{\"restored\":7}", e.session().dataJson());
          assertEquals(Map.of("pre-key", Map.of("new", "\"v\"")), e.keys());
        })));
  }

  @Test
  void restoreAll_treatsEachSessionAsItsRestoreAlone(VertxTestContext tc) {
    String a = "a-" + random();
    String b = "b-" + random();
    String tooBig = "big-" + random();
    run(tc, () -> create(id)
        .compose(s -> store.put(putRequest(id, "{\"current\":1}", null, null, null, ANY_VERSION)))
        .compose(r -> store.restoreAll(new StoreRequests.RestoreImports(List.of(
            ImportSession.restore(tenant, exportWithVersion(a, 1_000, 3), 3),
            ImportSession.restore(tenant, exportOf(id, "{\"older\":1}"), 2),
            ImportSession.restore(tenant, exportWithVersion(b, 1_000, 5), 5)))))
        .compose(checking(done -> {
          assertEquals(3, done.outcomes().size());
          assertEquals(3, done.outcomes().get(0).session().version());
          assertEquals(StoreFailure.VERSION_MISMATCH, done.outcomes().get(1).failure());
          assertEquals(5, done.outcomes().get(2).session().version());
        }))
        .compose(done -> store.get(ref(id)))
        .compose(checking(s -> assertEquals("{\"current\":1}", s.dataJson())))
        .compose(s -> store.export(ref(b)))
        .compose(checking(e -> {
          assertEquals("{\"restored\":5}", e.session().dataJson());
          assertEquals(5, e.session().version());
          assertEquals(Map.of("pre-key", Map.of("new", "\"v\"")), e.keys());
          assertEquals(List.of(StoredMessage.of(9, message("nine"))), e.messages());
        }))
        .compose(e -> store.list(new ListSessions(tenant, null, null, null, 10)))
        .compose(checking(page -> assertEquals(java.util.Set.of(a, b, id),
            page.sessions().stream().map(Session::id).collect(java.util.stream.Collectors.toSet()))))
        // A tenant of maxSessions 3 and 1,024 bytes a session: a replace, a too large session, a third, no fourth.
        .compose(page -> {
          tenant = SMALL_TENANT_PREFIX + random();
          return create("y").compose(s -> create("x"));
        })
        .compose(x -> store.restoreAll(new StoreRequests.RestoreImports(List.of(
            ImportSession.restore(tenant, exportWithVersion("x", x.createdAt(), 9), 9),
            ImportSession.restore(tenant, exportOf(tooBig, "{\"d\":\"" + "x".repeat(1100) + "\"}"), 2),
            ImportSession.restore(tenant, exportWithVersion(a, 1_000, 3), 3),
            ImportSession.restore(tenant, exportWithVersion(b, 1_000, 5), 5)))))
        .compose(checking(done -> {
          assertEquals(9, done.outcomes().get(0).session().version());
          assertEquals(StoreFailure.TOO_LARGE, done.outcomes().get(1).failure());
          assertEquals(3, done.outcomes().get(2).session().version());
          assertEquals(StoreFailure.LIMIT_REACHED, done.outcomes().get(3).failure());
        }))
        .compose(done -> store.list(new ListSessions(tenant, null, null, null, 10)))
        .compose(checking(page -> assertEquals(List.of(a, "x", "y").stream().sorted().toList(),
            page.sessions().stream().map(Session::id).toList()))));
  }

  /** {@link #exportOf} created at {@code createdAt}, at {@code version}, with data {@code {"restored":version}}. */
  private static SessionExport exportWithVersion(String sessionId, long createdAt, long version) {
    SessionExport e = exportOf(sessionId, "{\"restored\":" + version + "}");
    Session s = e.session();
    return new SessionExport(new Session(s.id(), s.state(), s.dataJson(), s.credsJson(), version, createdAt,
        s.updatedAt(), s.lastActivityAt(), s.ttlSeconds(), s.expiresAt()), e.keys(), e.messages());
  }

  // ---- tenants and limits --------------------------------------------------------------------

  @Test
  void tenants_areIsolated_evenWithTheSameSessionId(VertxTestContext tc) {
    String otherTenant = "t-" + random();
    run(tc, () -> create(id)
        .compose(s -> writeKeys(id, keyBatch("pre-key", "1", "mine")))
        .compose(w -> failsWith(StoreFailure.NOT_FOUND, store.get(new SessionRef(otherTenant, id))))
        .compose(v -> store.put(new PutSession(otherTenant, id, "{\"other\":1}", null, null, null, ANY_VERSION)))
        .compose(checking(r -> assertTrue(r.created())))
        .compose(r -> store.queryKeys(new QueryKeys(otherTenant, id, "pre-key", List.of("1"))))
        .compose(checking(k -> assertEquals(Map.of(), k.values())))
        .compose(k -> store.delete(new SessionRef(otherTenant, id)))
        .compose(v -> store.get(ref(id)))
        .compose(checking(s -> assertEquals("{}", s.dataJson())))
        .compose(s -> store.list(new ListSessions(otherTenant, null, null, null, 10)))
        .compose(checking(page -> assertEquals(List.of(), page.sessions()))));
  }

  @Test
  void maxSessions_refusesANewSession_withLimitReached_butReplacesStillWork(VertxTestContext tc) {
    tenant = SMALL_TENANT_PREFIX + random();
    run(tc, () -> create("a").compose(s -> create("b")).compose(s -> create("c"))
        .compose(s -> failsWith(StoreFailure.LIMIT_REACHED, create("d")))
        .compose(v -> failsWith(StoreFailure.LIMIT_REACHED,
            store.importSession(new ImportSession(tenant, exportOf("d", "{}"), ANY_VERSION))))
        .compose(v -> store.put(putRequest("c", "{\"again\":1}", null, null, null, ANY_VERSION)))
        .compose(checking(r -> assertEquals(2, r.session().version())))
        .compose(r -> store.delete(ref("a")))
        .compose(v -> create("d"))
        .compose(s -> store.list(new ListSessions(tenant, null, null, null, 10)))
        .compose(checking(page -> assertEquals(List.of("b", "c", "d"),
            page.sessions().stream().map(Session::id).toList()))));
  }

  @Test
  void maxBytesPerSession_refusesAnyGrowingWrite_withTooLarge_andAppliesNothing(VertxTestContext tc) {
    tenant = SMALL_TENANT_PREFIX + random();
    String big = "\"" + "x".repeat(1100) + "\"";
    run(tc, () -> create(id)
        .compose(s -> writeKeys(id, keyBatch("pre-key", "small", "1")))
        .compose(w -> failsWith(StoreFailure.TOO_LARGE, writeKeys(id, keyBatch("pre-key", "ok", "2", "big", big))))
        .compose(v -> failsWith(StoreFailure.TOO_LARGE, append(id, "{\"content\":" + big + "}")))
        .compose(v -> failsWith(StoreFailure.TOO_LARGE,
            store.put(putRequest(id, "{\"d\":" + big + "}", null, null, null, ANY_VERSION))))
        .compose(v -> failsWith(StoreFailure.TOO_LARGE, store.patch(new PatchSession(tenant, id,
            "{\"d\":" + big + "}", ANY_VERSION))))
        .compose(v -> failsWith(StoreFailure.TOO_LARGE, store.putCreds(new PutCreds(tenant, id,
            "{\"d\":" + big + "}", ANY_VERSION))))
        .compose(v -> failsWith(StoreFailure.TOO_LARGE, store.put(putRequest("new-" + id, "{\"d\":" + big + "}",
            null, null, null, ANY_VERSION))))
        .compose(v -> failsWith(StoreFailure.NOT_FOUND, store.get(ref("new-" + id))))
        .compose(v -> store.status(ref(id)))
        .compose(checking(s -> {
          assertEquals(2, s.version());
          assertEquals(Map.of("pre-key", 1L), s.keyCounts());
          assertEquals(0, s.messageCount());
        }))
        .compose(s -> query(id, "pre-key", "small", "ok"))
        .compose(checking(k -> assertEquals(Map.of("small", "1"), k.values()))));
  }

  @Test
  void maxBytesPerSession_countsAKeyOnce_acrossOverwritesAndDeletesInOneBatch(VertxTestContext tc) {
    tenant = SMALL_TENANT_PREFIX + random();
    String v400 = "\"" + "x".repeat(398) + "\""; // with a one-letter id: 401 of the 1,024 bytes allowed
    run(tc, () -> create(id)
        .compose(s -> writeKeys(id, keyBatch("pre-key", "a", v400)))
        // Overwriting the same key with a value of the same size never grows the session.
        .compose(w -> writeKeys(id, keyBatch("pre-key", "a", v400, "gone", null)))
        .compose(w -> writeKeys(id, keyBatch("pre-key", "a", v400)))
        // A delete frees its bytes for a set in the same batch, of the same type or another.
        .compose(w -> writeKeys(id, merge(keyBatch("pre-key", "a", null, "b", v400), keyBatch("session", "s", v400))))
        .compose(w -> failsWith(StoreFailure.TOO_LARGE, writeKeys(id, keyBatch("sender-key", "c", v400))))
        .compose(v -> store.status(ref(id)))
        .compose(checking(s -> {
          assertEquals(5, s.version());
          assertEquals(Map.of("pre-key", 1L, "session", 1L), s.keyCounts());
        }))
        .compose(s -> query(id, "pre-key", "a", "b"))
        .compose(checking(k -> assertEquals(Map.of("b", v400), k.values()))));
  }

  @Test
  void maxBytesPerSession_setLater_countsWhatTheSessionAlreadyHolds(VertxTestContext tc) {
    String v300 = "\"" + "x".repeat(298) + "\"";
    run(tc, () -> create(id)
        // Written without a limit: 3 keys of ~300 bytes, one of them overwritten, one deleted.
        .compose(s -> writeKeys(id, keyBatch("pre-key", "1", v300, "2", v300, "3", v300)))
        .compose(w -> writeKeys(id, merge(keyBatch("pre-key", "2", v300, "3", null), keyBatch("session", "s", v300))))
        .compose(w -> {
          CHANGED_LIMITS.put(tenant, SMALL_LIMITS); // 1,024 bytes; the session holds ~900 of keys
          return failsWith(StoreFailure.TOO_LARGE, append(id, "{\"m\":" + v300 + "}"));
        })
        .compose(v -> failsWith(StoreFailure.TOO_LARGE, writeKeys(id, keyBatch("pre-key", "4", v300))))
        // Shrinking is allowed, and frees room for the message.
        .compose(v -> writeKeys(id, keyBatch("pre-key", "1", null, "2", null)))
        .compose(w -> append(id, "{\"m\":" + v300 + "}"))
        .compose(checking(a -> assertEquals(1, a.messageCount())))
        .compose(a -> failsWith(StoreFailure.TOO_LARGE, writeKeys(id, keyBatch("pre-key", "5", v300, "6", v300))))
        .compose(v -> store.clearKeys(ref(id)))
        .compose(w -> writeKeys(id, keyBatch("pre-key", "5", v300, "6", v300)))
        .compose(checking(w -> assertEquals(7, w.version())))
        .eventually(() -> {
          CHANGED_LIMITS.remove(tenant);
          return Future.succeededFuture();
        }));
  }

  @Test
  void keyBatchesAndQueriesOfThousandsOfIds_applyWhole_andCountBytesExactly(VertxTestContext tc) {
    // Bigger than one Redis call's argument chunk (1,000), counted under a byte limit set at the start.
    CHANGED_LIMITS.put(tenant, new TenantLimits(0, 10_000_000, 0));
    Map<String, String> first = new LinkedHashMap<>();
    Map<String, String> second = new LinkedHashMap<>();
    Map<String, String> expected = new LinkedHashMap<>();
    for (int i = 0; i < 2_500; i++) {
      first.put("k" + i, "\"v" + i + "\"");
    }
    for (int i = 0; i < 3_700; i++) {
      if (i < 1_200) {
        second.put("k" + i, null);
      } else {
        second.put("k" + i, "\"w" + i + "\"");
        expected.put("k" + i, "\"w" + i + "\"");
      }
    }
    long keyBytes = expected.entrySet().stream().mapToLong(e -> e.getKey().length() + e.getValue().length()).sum();
    long sessionBytes = "{}".length() + keyBytes;
    String[] ids = second.keySet().toArray(new String[0]);
    run(tc, () -> create(id)
        .compose(s -> writeKeys(id, Map.of("pre-key", first)))
        .compose(w -> writeKeys(id, Map.of("pre-key", second)))
        .compose(w -> query(id, "pre-key", ids))
        .compose(checking(k -> assertEquals(expected, k.values())))
        .compose(k -> store.status(ref(id)))
        .compose(checking(s -> assertEquals(Map.of("pre-key", 2_500L), s.keyCounts())))
        .compose(s -> {
          CHANGED_LIMITS.put(tenant, new TenantLimits(0, sessionBytes + 20, 0));
          return failsWith(StoreFailure.TOO_LARGE, writeKeys(id, keyBatch("session", "z", "\"123456789012345678\"")));
        })
        .compose(v -> writeKeys(id, keyBatch("session", "z", "\"1234567890123456\"")))
        .eventually(() -> {
          CHANGED_LIMITS.remove(tenant);
          return Future.succeededFuture();
        }));
  }

  @Test
  void maxBytesPerSession_countsEveryPartOfTheSession(VertxTestContext tc) {
    tenant = SMALL_TENANT_PREFIX + random();
    String third = "x".repeat(300);
    // data 308 + creds 108 and their kept version 108 (CREDS_HISTORY) + a key 303 = 827; a message of 308 is too many.
    String creds = "{\"c\":\"" + "x".repeat(100) + "\"}";
    run(tc, () -> store.put(putRequest(id, "{\"d\":\"" + third + "\"}", creds, null, null, ANY_VERSION))
        .compose(r -> writeKeys(id, keyBatch("pre-key", "k", "\"" + third + "\"")))
        .compose(w -> failsWith(StoreFailure.TOO_LARGE, append(id, "{\"m\":\"" + third + "\"}")))
        .compose(v -> store.clearKeys(ref(id)))
        .compose(w -> append(id, "{\"m\":\"" + third + "\"}"))
        .compose(checking(a -> assertEquals(1, a.messageCount()))));
  }

  // ---- blobs -----------------------------------------------------------------------------------

  public static Buffer bytes(int length, int seed) {
    byte[] b = new byte[length];
    new java.util.Random(seed).nextBytes(b);
    return Buffer.buffer(b);
  }

  /** Stages {@code data} as an upload in chunks of BLOB_CHUNK_BYTES; the number of chunks. */
  protected Future<Integer> stage(String sessionId, String uploadId, Buffer data) {
    int chunk = StoreRequests.BLOB_CHUNK_BYTES;
    int n = (data.length() + chunk - 1) / chunk;
    Future<Void> f = Future.succeededFuture();
    for (int i = 0; i < n; i++) {
      int index = i;
      f = f.compose(v -> store.stageBlobChunk(new BlobChunk(tenant, sessionId, uploadId, index,
          data.getBuffer(index * chunk, Math.min(data.length(), (index + 1) * chunk)))));
    }
    return f.map(n);
  }

  protected Future<BlobWritten> putBlob(String sessionId, String name, Buffer data, long ifMatch) {
    String upload = "u-" + random();
    return stage(sessionId, upload, data)
        .compose(n -> store.commitBlob(new CommitBlob(tenant, sessionId, name, upload, n, data.length(), ifMatch)));
  }

  protected Future<Buffer> readBlob(String sessionId, String name) {
    return store.blobInfo(new BlobRef(tenant, sessionId, name, ANY_VERSION)).compose(info -> {
      Future<Buffer> f = Future.succeededFuture(Buffer.buffer());
      for (int i = 0; i < info.chunks(); i++) {
        int index = i;
        f = f.compose(all -> store.readBlobChunk(new ReadBlobChunk(tenant, sessionId, name, info.generation(), index))
            .map(d -> all.appendBuffer(d.data())));
      }
      return f.compose(checking(all -> assertEquals(info.size(), all.length())));
    });
  }

  @Test
  void blob_committedInChunks_readsBackByteForByte_andIsAWrite(VertxTestContext tc) {
    Buffer data = bytes(2 * StoreRequests.BLOB_CHUNK_BYTES + 10, 1);
    run(tc, () -> create(id)
        .compose(s -> putBlob(id, "session.zip", data, 1))
        .compose(checking(w -> {
          assertTrue(w.created());
          assertEquals(2, w.version());
        }))
        .compose(w -> store.blobInfo(new BlobRef(tenant, id, "session.zip", ANY_VERSION)))
        .compose(checking(info -> {
          assertEquals(3, info.chunks());
          assertEquals(data.length(), info.size());
          assertEquals(2, info.version());
        }))
        .compose(info -> readBlob(id, "session.zip"))
        .compose(checking(read -> assertEquals(data, read)))
        .compose(b -> putBlob(id, "empty", Buffer.buffer(), ANY_VERSION))
        .compose(w -> readBlob(id, "empty"))
        .compose(checking(read -> assertEquals(0, read.length()))));
  }

  @Test
  void listBlobs_namesEveryCommittedBlob_withItsGeneration_atTheSessionsVersion(VertxTestContext tc) {
    run(tc, () -> failsWith(StoreFailure.NOT_FOUND, store.listBlobs(new SessionRef(tenant, id)))
        .compose(v -> create(id))
        .compose(s -> store.listBlobs(new SessionRef(tenant, id)))
        .compose(checking(list -> {
          assertEquals(1, list.version());
          assertTrue(list.blobs().isEmpty());
        }))
        .compose(l -> putBlob(id, "b", bytes(StoreRequests.BLOB_CHUNK_BYTES + 1, 7), ANY_VERSION))
        .compose(w -> putBlob(id, "a", Buffer.buffer(), ANY_VERSION))
        .compose(w -> stage(id, "staged-only", bytes(10, 8)))
        .compose(n -> store.blobInfo(new BlobRef(tenant, id, "b", ANY_VERSION)))
        .compose(b -> store.listBlobs(new SessionRef(tenant, id)).compose(checking(list -> {
          assertEquals(3, list.version());
          assertEquals(List.of("a", "b"), list.blobs().stream().map(StoreRequests.BlobInfo::name).toList());
          StoreRequests.BlobInfo listed = list.blobs().get(1);
          assertEquals(b.generation(), listed.generation());
          assertEquals(StoreRequests.BLOB_CHUNK_BYTES + 1, listed.size());
          assertEquals(2, listed.chunks());
          assertEquals(0, list.blobs().get(0).chunks());
        }))));
  }

  @Test
  void blob_stagedUpload_isInvisible_untilCommitted_andReplacesAtomically(VertxTestContext tc) {
    Buffer first = bytes(1000, 2);
    Buffer second = bytes(StoreRequests.BLOB_CHUNK_BYTES + 5, 3);
    run(tc, () -> create(id)
        .compose(s -> putBlob(id, "b", first, ANY_VERSION))
        .compose(w -> store.blobInfo(new BlobRef(tenant, id, "b", ANY_VERSION)))
        .compose(oldInfo -> stage(id, "next", second)
            .compose(n -> readBlob(id, "b"))
            .compose(checking(read -> assertEquals(first, read)))
            .compose(read -> store.commitBlob(new CommitBlob(tenant, id, "b", "next", 2, second.length(), ANY_VERSION)))
            .compose(checking(w -> assertFalse(w.created())))
            .compose(w -> failsWith(StoreFailure.NOT_FOUND,
                store.readBlobChunk(new ReadBlobChunk(tenant, id, "b", oldInfo.generation(), 0)))))
        .compose(v -> readBlob(id, "b"))
        .compose(checking(read -> assertEquals(second, read))));
  }

  @Test
  void blob_failedUpload_leavesTheOldBlobIntact(VertxTestContext tc) {
    Buffer first = bytes(100, 4);
    run(tc, () -> create(id)
        .compose(s -> putBlob(id, "b", first, ANY_VERSION))
        .compose(w -> stage(id, "partial", bytes(StoreRequests.BLOB_CHUNK_BYTES + 1, 5)))
        .compose(n -> failsWith(StoreFailure.INVALID, store.commitBlob(new CommitBlob(tenant, id, "b", "partial", 3,
            2L * StoreRequests.BLOB_CHUNK_BYTES + 1, ANY_VERSION))))
        .compose(v -> store.abortBlob(new BlobUpload(tenant, id, "partial", 2)))
        .compose(v -> failsWith(StoreFailure.INVALID, store.commitBlob(new CommitBlob(tenant, id, "b", "partial", 2,
            StoreRequests.BLOB_CHUNK_BYTES + 1, ANY_VERSION))))
        .compose(v -> readBlob(id, "b"))
        .compose(checking(read -> assertEquals(first, read))));
  }

  @Test
  void blob_writes_checkIfMatch_andMissingSessionsAndBlobs_areNotFound(VertxTestContext tc) {
    run(tc, () -> failsWith(StoreFailure.NOT_FOUND,
            store.stageBlobChunk(new BlobChunk(tenant, id, "u1", 0, Buffer.buffer("x"))))
        .compose(v -> create(id))
        .compose(s -> failsWith(StoreFailure.NOT_FOUND, store.blobInfo(new BlobRef(tenant, id, "b", ANY_VERSION))))
        .compose(v -> failsWith(StoreFailure.NOT_FOUND, store.deleteBlob(new BlobRef(tenant, id, "b", ANY_VERSION))))
        .compose(v -> failsWith(StoreFailure.VERSION_MISMATCH, putBlob(id, "b", Buffer.buffer("x"), 7)))
        .compose(v -> putBlob(id, "b", Buffer.buffer("x"), 1))
        .compose(w -> failsWith(StoreFailure.VERSION_MISMATCH, store.deleteBlob(new BlobRef(tenant, id, "b", 1))))
        .compose(v -> store.deleteBlob(new BlobRef(tenant, id, "b", 2)))
        .compose(checking(w -> assertEquals(3, w.version())))
        .compose(w -> failsWith(StoreFailure.NOT_FOUND, store.blobInfo(new BlobRef(tenant, id, "b", ANY_VERSION)))));
  }

  @Test
  void blob_isGone_withItsSession_andAfterAnImportReplacesTheSession(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(s -> putBlob(id, "b", bytes(10, 6), ANY_VERSION))
        .compose(w -> store.delete(ref(id)))
        .compose(v -> create(id))
        .compose(s -> failsWith(StoreFailure.NOT_FOUND, store.blobInfo(new BlobRef(tenant, id, "b", ANY_VERSION))))
        .compose(v -> putBlob(id, "b", bytes(10, 7), ANY_VERSION))
        .compose(w -> store.importSession(new ImportSession(tenant, exportOf(id, "{}"), ANY_VERSION)))
        .compose(r -> failsWith(StoreFailure.NOT_FOUND, store.blobInfo(new BlobRef(tenant, id, "b", ANY_VERSION)))));
  }

  @Test
  void import_withKeepBlobs_keepsTheSessionsBlobs(VertxTestContext tc) {
    Buffer zip = bytes(StoreRequests.BLOB_CHUNK_BYTES + 17, 13);
    run(tc, () -> create(id)
        .compose(s -> writeKeys(id, keyBatch("pre-key", "old", "1")))
        .compose(w -> putBlob(id, "RemoteAuth.zip", zip, ANY_VERSION))
        .compose(w -> store.importSession(new ImportSession(tenant, exportOf(id, "{\"imported\":1}"), ANY_VERSION,
            true)))
        .compose(checking(r -> assertFalse(r.created())))
        .compose(r -> store.export(ref(id)))
        .compose(checking(e -> {
          assertEquals(Map.of("pre-key", Map.of("new", "\"v\"")), e.keys());
          assertEquals("{\"imported\":1}", e.session().dataJson());
        }))
        .compose(e -> readBlob(id, "RemoteAuth.zip"))
        .compose(checking(read -> assertEquals(zip, read)))
        // the default import still replaces the blobs
        .compose(read -> store.importSession(new ImportSession(tenant, exportOf(id, "{}"), ANY_VERSION)))
        .compose(r -> failsWith(StoreFailure.NOT_FOUND,
            store.blobInfo(new BlobRef(tenant, id, "RemoteAuth.zip", ANY_VERSION)))));
  }

  @Test
  void import_withKeepBlobs_countsTheKeptBlobsTowardMaxBytesPerSession(VertxTestContext tc) {
    tenant = SMALL_TENANT_PREFIX + random();
    run(tc, () -> create(id)
        .compose(s -> putBlob(id, "a", bytes(700, 14), ANY_VERSION))
        .compose(w -> store.importSession(new ImportSession(tenant, exportOf(id, "{}"), ANY_VERSION, true)))
        .compose(r -> failsWith(StoreFailure.TOO_LARGE, putBlob(id, "b", bytes(600, 15), ANY_VERSION)))
        .compose(v -> readBlob(id, "a"))
        .compose(checking(read -> assertEquals(bytes(700, 14), read)))
        .compose(read -> store.deleteBlob(new BlobRef(tenant, id, "a", ANY_VERSION)))
        .compose(w -> putBlob(id, "b", bytes(900, 16), ANY_VERSION)));
  }

  @Test
  void blob_countsTowardMaxBytesPerSession(VertxTestContext tc) {
    tenant = SMALL_TENANT_PREFIX + random();
    run(tc, () -> create(id)
        .compose(s -> failsWith(StoreFailure.TOO_LARGE, putBlob(id, "big", bytes(1100, 8), ANY_VERSION)))
        .compose(v -> failsWith(StoreFailure.NOT_FOUND, store.blobInfo(new BlobRef(tenant, id, "big", ANY_VERSION))))
        .compose(v -> putBlob(id, "a", bytes(600, 9), ANY_VERSION))
        .compose(w -> failsWith(StoreFailure.TOO_LARGE, putBlob(id, "b", bytes(600, 10), ANY_VERSION)))
        .compose(v -> failsWith(StoreFailure.TOO_LARGE,
            writeKeys(id, keyBatch("pre-key", "1", "\"" + "x".repeat(500) + "\""))))
        .compose(v -> putBlob(id, "a", bytes(900, 11), ANY_VERSION))
        .compose(w -> store.deleteBlob(new BlobRef(tenant, id, "a", ANY_VERSION)))
        .compose(w -> putBlob(id, "b", bytes(1000, 12), ANY_VERSION)));
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** Runs {@code body} on the test's context; its outcome completes or fails the test. */
  protected void run(VertxTestContext tc, Supplier<Future<?>> body) {
    context.runOnContext(v -> {
      Future<?> outcome;
      try {
        outcome = body.get();
      } catch (Throwable t) {
        outcome = Future.failedFuture(t);
      }
      outcome.onComplete(tc.succeedingThenComplete());
    });
  }

  /** Runs assertions inside a chain: a failed assertion fails the chain, and so the test. */
  public static <T> Function<T, Future<T>> checking(Consumer<T> assertions) {
    return value -> {
      try {
        assertions.accept(value);
        return Future.succeededFuture(value);
      } catch (Throwable t) {
        return Future.failedFuture(t);
      }
    };
  }

  /** Succeeds when {@code operation} failed with {@code expected}; fails the chain otherwise. */
  public static Future<Void> failsWith(StoreFailure expected, Future<?> operation) {
    return operation.transform(ar -> {
      if (ar.succeeded()) {
        return Future.failedFuture(new AssertionError("expected " + expected + " but got " + ar.result()));
      }
      if (ar.cause() instanceof StoreException e && e.failure() == expected) {
        assertNotNull(e.getMessage());
        return Future.succeededFuture();
      }
      return Future.failedFuture(new AssertionError("expected " + expected + " but got " + ar.cause(), ar.cause()));
    });
  }

  /** Polls {@code condition} every 50 ms until it holds, failing after {@code timeoutMillis}. */
  protected Future<Void> eventually(long timeoutMillis, Supplier<Future<Boolean>> condition) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    return pollUntil(deadline, condition);
  }

  private Future<Void> pollUntil(long deadline, Supplier<Future<Boolean>> condition) {
    return condition.get().compose(holds -> {
      if (holds) {
        return Future.succeededFuture();
      }
      if (System.currentTimeMillis() > deadline) {
        return Future.failedFuture(new AssertionError("condition still false at the deadline"));
      }
      return later(50).compose(v -> pollUntil(deadline, condition));
    });
  }

  /**
   * Completes once the wall clock is past {@code millis}, polled with a deadline: a write after it
   * gets a later timestamp than one at {@code millis}, so a test can tell the two apart.
   */
  protected Future<Void> clockPasses(long millis) {
    long deadline = System.currentTimeMillis() + 1000;
    return pollUntilClock(millis, deadline);
  }

  private Future<Void> pollUntilClock(long millis, long deadline) {
    long now = System.currentTimeMillis();
    if (now > millis) {
      return Future.succeededFuture();
    }
    if (now > deadline) {
      return Future.failedFuture(new AssertionError("the clock did not pass " + millis));
    }
    return later(1).compose(v -> pollUntilClock(millis, deadline));
  }

  /** Lets a little wall-clock time pass without blocking the context. */
  protected Future<Void> later(long millis) {
    return vertx.timer(millis).mapEmpty();
  }

  public static String random() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  protected SessionRef ref(String sessionId) {
    return new SessionRef(tenant, sessionId);
  }

  protected PutSession putRequest(String sessionId, String data, String creds, SessionState state, Long ttl,
                                  long ifMatch) {
    return new PutSession(tenant, sessionId, data, creds, state, ttl, ifMatch);
  }

  protected Future<Session> create(String sessionId) {
    return store.put(putRequest(sessionId, "{}", null, null, null, ANY_VERSION)).map(PutResult::session);
  }

  /**
   * Creates the sessions 500 at a time: thousands sent at once would queue behind each other, and the
   * last ones would outwait the store's per-request timeout on a busy machine.
   */
  protected Future<Void> createAll(List<String> sessionIds) {
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < sessionIds.size(); from += 500) {
      List<String> chunk = sessionIds.subList(from, Math.min(sessionIds.size(), from + 500));
      chain = chain.compose(v -> Future.all(chunk.stream().map(this::create).toList()).mapEmpty());
    }
    return chain;
  }

  protected Future<Written> writeKeys(String sessionId, Map<String, Map<String, String>> batch) {
    return store.writeKeys(new WriteKeys(tenant, sessionId, batch, ANY_VERSION));
  }

  protected Future<KeyValues> query(String sessionId, String type, String... ids) {
    return store.queryKeys(new QueryKeys(tenant, sessionId, type, Arrays.asList(ids)));
  }

  protected Future<AppendResult> append(String sessionId, String... messagesJson) {
    return store.appendMessages(new AppendMessages(tenant, sessionId, Arrays.asList(messagesJson), ANY_VERSION));
  }

  protected Future<SessionStatus> transition(String sessionId, SessionState to) {
    return store.transition(new Transition(tenant, sessionId, to, ANY_VERSION));
  }

  /** A message as the HTTP edge hands it over: compact JSON without {@code seq}. */
  public static String message(String messageId) {
    return "{\"id\":\"" + messageId + "\",\"role\":\"user\",\"content\":\"text " + messageId + "\"}";
  }

  /** {@code type → {id: value, ...}} from alternating ids and values; a {@code null} value deletes. */
  public static Map<String, Map<String, String>> keyBatch(String type, String... idsAndValues) {
    return Map.of(type, orderedMap(idsAndValues));
  }

  public static Map<String, String> orderedMap(String... idsAndValues) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < idsAndValues.length; i += 2) {
      values.put(idsAndValues[i], idsAndValues[i + 1]);
    }
    return values;
  }

  @SafeVarargs
  public static Map<String, Map<String, String>> merge(Map<String, Map<String, String>>... batches) {
    Map<String, Map<String, String>> merged = new LinkedHashMap<>();
    for (Map<String, Map<String, String>> batch : batches) {
      merged.putAll(batch);
    }
    return merged;
  }

  /** A small export: one key, one message numbered 9, version 2. */
  public static SessionExport exportOf(String sessionId, String data) {
    Session session = new Session(sessionId, SessionState.REGISTERED, data, null, 2, 1_000, 2_000, 2_000, 0, 0);
    return new SessionExport(session, Map.of("pre-key", Map.of("new", "\"v\"")),
        List.of(StoredMessage.of(9, message("nine"))));
  }

  protected Future<List<String>> listAll(SessionState state, int pageSize) {
    return listFrom(state, null, pageSize, new ArrayList<>());
  }

  private Future<List<String>> listFrom(SessionState state, String afterId, int pageSize, List<String> seen) {
    return store.list(new ListSessions(tenant, state, null, afterId, pageSize)).compose(page -> {
      page.sessions().forEach(s -> seen.add(s.id()));
      if (page.nextAfterId() == null) {
        return Future.succeededFuture(seen);
      }
      if (seen.size() > 1000) {
        return Future.failedFuture(new AssertionError("paging does not end"));
      }
      return listFrom(state, page.nextAfterId(), pageSize, seen);
    });
  }

  public static List<Long> seqs(List<StoredMessage> messages) {
    return messages.stream().map(StoredMessage::seq).toList();
  }
}
