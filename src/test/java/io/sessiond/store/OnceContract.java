package io.sessiond.store;

import static io.sessiond.store.StoreRequests.ANY_VERSION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.session.SessionState;
import io.sessiond.store.OnceRequests.AppendOnce;
import io.sessiond.store.OnceRequests.ClaimKey;
import io.sessiond.store.OnceRequests.ClaimState;
import io.sessiond.store.OnceRequests.Once;
import io.sessiond.store.OnceRequests.ReleaseKey;
import io.sessiond.store.OnceRequests.SettleKey;
import io.sessiond.store.OnceRequests.TransitionOnce;
import io.sessiond.store.StoreRequests.AppendMessages;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.ReadMessages;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.store.StoreRequests.Transition;
import io.sessiond.testing.Poll;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The store's part of {@code Idempotency-Key}, run against every backend: appends and transitions
 * made once per key (the outcome recorded with the write), and the claim, settle and release of a key
 * for other requests.
 */
@ExtendWith(VertxExtension.class)
public abstract class OnceContract {
  private static final String DIGEST_A = "a".repeat(64);
  private static final String DIGEST_B = "b".repeat(64);
  protected Vertx vertx;
  protected SessionStore store;
  private Context context;
  private String tenant;
  private String id;

  protected abstract SessionStore newStore(Vertx vertx, StoreSettings settings);

  @BeforeEach
  void openStore(Vertx vertx, VertxTestContext tc) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
    this.id = "s-" + UUID.randomUUID().toString().substring(0, 8);
    context.runOnContext(v -> {
      store = newStore(vertx, SessionStoreContract.settings());
      store.open().onComplete(tc.succeedingThenComplete());
    });
  }

  @AfterEach
  void closeStore(VertxTestContext tc) {
    context.runOnContext(v -> store.close().onComplete(tc.succeedingThenComplete()));
  }

  @Test
  void appendOnce_repeated_replaysTheFirstOutcome_andAppendsNothing(VertxTestContext tc) {
    Once once = new Once("k-1", DIGEST_A, 60);
    run(tc, () -> create(id)
        .compose(v -> store.appendMessagesOnce(new AppendOnce(append(id, "one"), once)))
        .compose(first -> {
          assertFalse(first.replayed());
          return store.appendMessagesOnce(new AppendOnce(append(id, "one"), once)).map(again -> {
            assertTrue(again.replayed());
            assertEquals(first.result(), again.result());
            return again;
          });
        })
        .compose(v -> messageCount(id))
        .map(n -> {
          assertEquals(1, n);
          return n;
        }));
  }

  @Test
  void appendOnce_sameKeyOtherRequest_isKeyReused_andAppendsNothing(VertxTestContext tc) {
    run(tc, () -> create(id)
        .compose(v -> store.appendMessagesOnce(new AppendOnce(append(id, "one"), new Once("k", DIGEST_A, 60))))
        .compose(v -> store.appendMessagesOnce(new AppendOnce(append(id, "two"), new Once("k", DIGEST_B, 60))))
        .<Object>transform(ar -> {
          assertTrue(ar.failed(), "a reused key was accepted");
          assertEquals(StoreFailure.KEY_REUSED, ((StoreException) ar.cause()).failure());
          return messageCount(id).map(n -> {
            assertEquals(1, n);
            return n;
          });
        }));
  }

  @Test
  void appendOnce_thatFailed_isNotRecorded_soItsRetryRuns(VertxTestContext tc) {
    Once once = new Once("k", DIGEST_A, 60);
    run(tc, () -> store.appendMessagesOnce(new AppendOnce(append(id, "one"), once))
        .<Object>transform(ar -> {
          assertTrue(ar.failed(), "an append to a missing session succeeded");
          assertEquals(StoreFailure.NOT_FOUND, ((StoreException) ar.cause()).failure());
          return create(id).compose(v -> store.appendMessagesOnce(new AppendOnce(append(id, "one"), once))).map(o -> (Object) o);
        })
        .map(o -> {
          assertFalse(((OnceRequests.Outcome<?>) o).replayed());
          return o;
        })
        .compose(v -> messageCount(id))
        .map(n -> {
          assertEquals(1, n);
          return n;
        }));
  }

  @Test
  void onceKeys_areScopedToTheirSession(VertxTestContext tc) {
    String other = id + "-2";
    Once once = new Once("shared", DIGEST_A, 60);
    run(tc, () -> create(id).compose(v -> create(other))
        .compose(v -> store.appendMessagesOnce(new AppendOnce(append(id, "x"), once)))
        .compose(v -> store.appendMessagesOnce(new AppendOnce(append(other, "x"), once)))
        .map(o -> {
          assertFalse(o.replayed(), "a key of one session replayed in another");
          return o;
        }));
  }

  @Test
  void transitionOnce_repeatedAfterTheStateMovedOn_replaysTheFirstStatus_andChangesNothing(VertxTestContext tc) {
    Once once = new Once("t", DIGEST_A, 60);
    run(tc, () -> create(id)
        .compose(v -> store.transitionOnce(new TransitionOnce(new Transition(tenant, id, SessionState.REGISTERING, ANY_VERSION), once)))
        .compose(first -> store.transition(new Transition(tenant, id, SessionState.REGISTERED, ANY_VERSION))
            .compose(moved -> store.transitionOnce(new TransitionOnce(
                new Transition(tenant, id, SessionState.REGISTERING, ANY_VERSION), once)))
            .map(again -> {
              assertTrue(again.replayed());
              assertEquals(first.result(), again.result());
              return again;
            }))
        .compose(v -> store.status(new SessionRef(tenant, id)))
        .map(s -> {
          assertEquals(SessionState.REGISTERED, s.state());
          assertEquals(3, s.version());
          return s;
        }));
  }

  @Test
  void recordedOutcome_released_letsTheRetryRunAgain(VertxTestContext tc) {
    Once once = new Once("undo", DIGEST_A, 60);
    run(tc, () -> create(id)
        .compose(v -> store.appendMessagesOnce(new AppendOnce(append(id, "one"), once)))
        .compose(v -> store.releaseKey(new ReleaseKey(tenant, id, "undo", DIGEST_A)))
        .compose(v -> store.appendMessagesOnce(new AppendOnce(append(id, "one"), once)))
        .map(o -> {
          assertFalse(o.replayed());
          return o;
        }));
  }

  @Test
  void claim_isHeldUntilSettled_thenAnswersTheSettledAnswer(VertxTestContext tc) {
    run(tc, () -> store.claimKey(new ClaimKey(tenant, "c", DIGEST_A, 60_000))
        .compose(c -> {
          assertEquals(ClaimState.CLAIMED, c.state());
          return store.claimKey(new ClaimKey(tenant, "c", DIGEST_A, 60_000));
        })
        .compose(c -> {
          assertEquals(ClaimState.IN_FLIGHT, c.state());
          assertTrue(c.retryAfterMs() > 0 && c.retryAfterMs() <= 60_000, "retry after " + c.retryAfterMs());
          return store.claimKey(new ClaimKey(tenant, "c", DIGEST_B, 60_000));
        })
        .compose(c -> {
          assertEquals(ClaimState.CONFLICT, c.state());
          return store.settleKey(new SettleKey(tenant, "c", DIGEST_B, "not mine", 60));
        })
        .compose(v -> store.settleKey(new SettleKey(tenant, "c", DIGEST_A, "{\"status\":201}", 60)))
        .compose(v -> store.releaseKey(new ReleaseKey(tenant, "c", DIGEST_A)))
        .compose(v -> store.claimKey(new ClaimKey(tenant, "c", DIGEST_A, 60_000)))
        .map(c -> {
          assertEquals(ClaimState.DONE, c.state(), "a settled key was released or not settled");
          assertEquals("{\"status\":201}", c.answer());
          return c;
        }));
  }

  @Test
  void claim_released_isFreeAgain_andOneNeverSettledLapses(VertxTestContext tc) {
    run(tc, () -> store.claimKey(new ClaimKey(tenant, "r", DIGEST_A, 60_000))
        .compose(c -> store.releaseKey(new ReleaseKey(tenant, "r", DIGEST_A)))
        .compose(v -> store.claimKey(new ClaimKey(tenant, "r", DIGEST_B, 60_000)))
        .compose(c -> {
          assertEquals(ClaimState.CLAIMED, c.state(), "a released claim was not freed");
          assertNull(c.answer());
          return store.claimKey(new ClaimKey(tenant, "lapse", DIGEST_A, 300));
        })
        .compose(c -> Poll.until(vertx, 5000, 50, "an unsettled claim lapses",
            () -> store.claimKey(new ClaimKey(tenant, "lapse", DIGEST_A, 60_000)).map(c2 -> c2.state() == ClaimState.CLAIMED))));
  }

  @Test
  void claims_areScopedToTheirTenant(VertxTestContext tc) {
    run(tc, () -> store.claimKey(new ClaimKey(tenant, "same", DIGEST_A, 60_000))
        .compose(c -> store.claimKey(new ClaimKey(tenant + "-other", "same", DIGEST_B, 60_000)))
        .map(c -> {
          assertEquals(ClaimState.CLAIMED, c.state(), "one tenant's key blocked another's");
          return c;
        }));
  }

  private Future<Void> create(String sessionId) {
    return store.put(new PutSession(tenant, sessionId, "{}", null, null, null, ANY_VERSION)).mapEmpty();
  }

  private AppendMessages append(String sessionId, String content) {
    return new AppendMessages(tenant, sessionId, List.of("{\"content\":\"" + content + "\"}"), ANY_VERSION);
  }

  private Future<Integer> messageCount(String sessionId) {
    return store.readMessages(new ReadMessages(tenant, sessionId, 0, 100, true)).map(p -> p.messages().size());
  }

  private void run(VertxTestContext tc, Supplier<Future<?>> body) {
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
}
