package io.sessiond.webhook;

/** A webhook request refused: a failure kind the API maps to a status, and a detail for the caller. */
public final class WebhookException extends RuntimeException {
  /** What went wrong. */
  public enum Kind { INVALID, NOT_FOUND, LIMIT, REFUSED }

  private final Kind kind;

  public WebhookException(Kind kind, String detail) {
    super(detail, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
