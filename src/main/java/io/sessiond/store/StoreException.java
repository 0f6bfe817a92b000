package io.sessiond.store;

/** A store operation refused or failed for a known reason; carries a human detail for the client. */
public final class StoreException extends RuntimeException {
  private final StoreFailure failure;

  public StoreException(StoreFailure failure, String detail) {
    super(detail, null, false, false);
    this.failure = failure;
  }

  public StoreException(StoreFailure failure, String detail, Throwable cause) {
    super(detail, cause, false, false);
    this.failure = failure;
  }

  public StoreFailure failure() {
    return failure;
  }

  public static StoreException notFound(String tenant, String id) {
    return new StoreException(StoreFailure.NOT_FOUND, "session '" + id + "' does not exist");
  }

  public static StoreException blobNotFound(String id, String name) {
    return new StoreException(StoreFailure.NOT_FOUND, "session '" + id + "' has no blob '" + name + "'");
  }

  public static StoreException staleVersion(long expected, long actual) {
    return new StoreException(StoreFailure.VERSION_MISMATCH,
        "If-Match names version " + expected + " but the session is at version " + actual);
  }
}
