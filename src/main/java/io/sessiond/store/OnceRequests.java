package io.sessiond.store;

import io.sessiond.store.StoreRequests.AppendMessages;
import io.sessiond.store.StoreRequests.SessionRequest;
import io.sessiond.store.StoreRequests.Transition;

/**
 * The records of requests made at most once per {@code Idempotency-Key}. A key is claimed with the
 * digest of the request that carried it; a repeat with the same digest gets the first outcome back
 * and changes nothing, one with another digest fails with KEY_REUSED. Appends and transitions record
 * their outcome in the same atomic step as the write ({@link AppendOnce}, {@link TransitionOnce});
 * other requests claim the key, run, and settle it with their answer ({@link ClaimKey},
 * {@link SettleKey}, {@link ReleaseKey}).
 */
public final class OnceRequests {
  private OnceRequests() {
  }

  /**
   * An idempotency key, the digest of the request it came with (method, path and body) and how long
   * the outcome is kept.
   */
  public record Once(String key, String digest, long ttlSeconds) {
  }

  /** An append made at most once per key of its session. */
  public record AppendOnce(AppendMessages append, Once once) implements SessionRequest {
    @Override
    public String tenant() {
      return append.tenant();
    }

    @Override
    public String id() {
      return append.id();
    }
  }

  /** A lifecycle transition made at most once per key of its session. */
  public record TransitionOnce(Transition transition, Once once) implements SessionRequest {
    @Override
    public String tenant() {
      return transition.tenant();
    }

    @Override
    public String id() {
      return transition.id();
    }
  }

  /** The result of a request made once; {@code replayed} when it is the recorded outcome of an earlier one. */
  public record Outcome<T>(T result, boolean replayed) {
  }

  /**
   * Claim {@code key} of the tenant for a request with {@code digest}; the claim lapses after
   * {@code pendingMs} unless settled (a request whose outcome is unknown must not hold it for ever).
   */
  public record ClaimKey(String tenant, String key, String digest, long pendingMs) {
  }

  /** What a claim found. */
  public enum ClaimState {
    /** The key was free and is now claimed by this request: run it, then settle or release. */
    CLAIMED,
    /** A request with this key and digest is still running (or its outcome is unknown). */
    IN_FLIGHT,
    /** A request with this key and digest completed: {@link Claim#answer} is its answer. */
    DONE,
    /** The key was used with a different request. */
    CONFLICT
  }

  /**
   * @param answer       the recorded answer when DONE (opaque to the store), else {@code null}
   * @param retryAfterMs when IN_FLIGHT, how long the claim may still be held
   */
  public record Claim(ClaimState state, String answer, long retryAfterMs) {
  }

  /** Record the answer of a claimed request, kept {@code ttlSeconds}; only the claim with {@code digest} is settled. */
  public record SettleKey(String tenant, String key, String digest, String answer, long ttlSeconds) {
  }

  /**
   * Drop a claim that was not settled (its request failed and changed nothing), so a retry may run;
   * with a {@code sessionId}, drop the outcome an append or transition of that session recorded (its
   * write was undone).
   */
  public record ReleaseKey(String tenant, String sessionId, String key, String digest) {
    public ReleaseKey(String tenant, String key, String digest) {
      this(tenant, null, key, digest);
    }
  }
}
