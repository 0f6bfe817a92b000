package io.sessiond.http;

/** A request the edge refuses before it reaches the store: a status, a problem type slug and a human detail. */
final class ApiException extends RuntimeException {
  private final int status;
  private final String slug;

  ApiException(int status, String detail) {
    this(status, detail, null);
  }

  /** @param slug the problem type's last segment, or {@code null} for the status's default */
  ApiException(int status, String detail, String slug) {
    super(detail, null, false, false);
    this.status = status;
    this.slug = slug;
  }

  int status() {
    return status;
  }

  String slug() {
    return slug;
  }

  static ApiException badRequest(String detail) {
    return new ApiException(400, detail);
  }
}
