package io.sessiond.admin;

/** An administration request that cannot be done, with the failure and a detail for the caller. */
public final class AdminException extends RuntimeException {
  private final AdminFailure failure;

  public AdminException(AdminFailure failure, String detail) {
    super(detail, null, false, false);
    this.failure = failure;
  }

  public AdminException(AdminFailure failure, String detail, Throwable cause) {
    super(detail, cause, false, false);
    this.failure = failure;
  }

  public AdminFailure failure() {
    return failure;
  }
}
