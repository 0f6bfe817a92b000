package io.sessiond.cli;

/** The command line is wrong: exit code 2, with a pointer to the command's --help. */
class UsageException extends RuntimeException {
  UsageException(String message) {
    super(message);
  }
}
