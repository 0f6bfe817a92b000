package io.sessiond.http;

/** A request the edge refuses before it reaches the store: a status, a problem type slug and a human detail. */
final class ApiException extends RuntimeException {
  private final int status;

  ApiException(int status, String detail) {
    super(detail, null, false, false);
    this.status = status;
  }

  int status() {
    return status;
  }

  static ApiException badRequest(String detail) {
    return new ApiException(400, detail);
  }
}
