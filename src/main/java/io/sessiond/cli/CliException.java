package io.sessiond.cli;

/** A command failed (exit code 1); the message is printed as it is. */
class CliException extends RuntimeException {
  CliException(String message) {
    super(message);
  }

  CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
