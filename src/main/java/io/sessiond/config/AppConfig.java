package io.sessiond.config;

/** The whole validated configuration, one record per feature. */
public record AppConfig(HttpConfig http, StoreConfig store, TenantConfig tenants, RedisConfig redis,
                        PgConfig pg, OpsConfig ops, AdminConfig admin,
                        EncryptionConfig encryption, EventsConfig events) {

  /** Builds and validates every feature's settings; the first invalid one throws. */
  public static AppConfig from(Settings s) {
    AppConfig c = new AppConfig(HttpConfig.from(s), StoreConfig.from(s), TenantConfig.from(s), RedisConfig.from(s),
        PgConfig.from(s), OpsConfig.from(s), AdminConfig.from(s),
        EncryptionConfig.from(s), EventsConfig.from(s));
    if (c.ops().managementServer() && c.ops().managementPort() != 0 && c.ops().managementPort() == c.http().port()) {
      throw new ConfigException("MANAGEMENT_PORT", "must differ from HTTP_PORT (" + c.http().port() + ")");
    }
    return c;
  }
}
