package io.sessiond.store;

import io.sessiond.store.StoreRequests.SessionRequest;

/**
 * The request and reply records of session leases: one holder's exclusive, expiring ownership of a
 * session, with a fencing token that only ever rises for that session (docs/leases.md). A lease
 * lives beside the session, not in it: it may be taken before the session exists, and is neither
 * exported nor synced.
 */
public final class LeaseRequests {
  /** The longest lease one grant or renewal may ask for. */
  public static final long MAX_TTL_SECONDS = 86_400;
  /** The longest holder name. */
  public static final int MAX_HOLDER_LENGTH = 128;

  private LeaseRequests() {
  }

  /**
   * Take the lease for {@code holder} for {@code ttlSeconds}, or renew it when {@code holder} holds it;
   * LEASE_HELD when another holder's lease is live. A renewal naming {@code fence} (not
   * {@link StoreRequests#NO_FENCE}) must name the live lease's token, FENCED otherwise.
   */
  public record AcquireLease(String tenant, String id, String holder, long ttlSeconds, long fence)
      implements SessionRequest {
  }

  /**
   * The lease after a grant or renewal: its holder, token and expiry; {@code granted} when this call
   * gave a new token (false: it renewed). {@code lapsedHolder} is the holder whose lease had expired
   * and was replaced by this grant ({@code null} when none), with its token.
   */
  public record LeaseGrant(String holder, long token, long expiresAt, boolean granted, String lapsedHolder,
                           long lapsedToken) {
  }

  /** End the live lease whose token is {@code token}; FENCED when no live lease has it. */
  public record ReleaseLease(String tenant, String id, long token) implements SessionRequest {
  }

  /** The lease a release ended: its holder and token. */
  public record LeaseReleased(String holder, long token) {
  }

  /**
   * Who holds the session's lease and until when; {@code holder} is {@code null} (and the numbers 0)
   * when no lease is live.
   */
  public record LeaseInfo(String holder, long token, long expiresAt, long grantedAt) {
    public static final LeaseInfo FREE = new LeaseInfo(null, 0, 0, 0);

    public boolean held() {
      return holder != null;
    }
  }

  /** Checks the holder and the TTL a lease request names. */
  public static void check(AcquireLease r) {
    RequestChecks.sessionId(r.id());
    if (!isHolder(r.holder())) {
      throw RequestChecks.invalid("holder must be 1-" + MAX_HOLDER_LENGTH + " printable ASCII characters without spaces");
    }
    if (r.ttlSeconds() < 1 || r.ttlSeconds() > MAX_TTL_SECONDS) {
      throw RequestChecks.invalid("ttlSeconds must be a whole number from 1 to " + MAX_TTL_SECONDS);
    }
  }

  /** 1-128 characters from '!' to '~'. */
  public static boolean isHolder(String holder) {
    return holder != null && !holder.isEmpty() && holder.length() <= MAX_HOLDER_LENGTH
        && holder.chars().allMatch(c -> c >= 0x21 && c <= 0x7e);
  }

  /** The failure of a write whose token is not the live lease's. */
  public static StoreException fenced(long fence, long current) {
    return new StoreException(StoreFailure.FENCED, current == 0
        ? "fencing token " + fence + " is stale: no lease on the session is live"
        : "fencing token " + fence + " is stale: the live lease has token " + current);
  }

  /** The failure of a grant while another holder's lease is live. */
  public static StoreException held(String holder, long expiresAt) {
    return new StoreException(StoreFailure.LEASE_HELD, "the session's lease is held by '" + holder + "' until "
        + java.time.Instant.ofEpochMilli(expiresAt));
  }
}
