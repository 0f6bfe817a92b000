package io.sessiond.config;

/** An invalid setting; the message names the setting and says what is wrong, in one line. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String setting, String problem) {
    super(setting + ": " + problem);
  }
}
