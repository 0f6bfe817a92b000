package io.sessiond.cli;

/** The command line is wrong (exit code 2, with the usage text). */
class UsageException extends RuntimeException {
  UsageException(String message) {
    super(message);
  }
}
