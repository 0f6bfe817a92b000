package io.sessiond.config;

/** The whole validated configuration, one record per feature. */
public record AppConfig(HttpConfig http, StoreConfig store, TenantConfig tenants, RedisConfig redis,
                        PgConfig pg, OpsConfig ops, AdminConfig admin,
                        EncryptionConfig encryption, EventsConfig events, WebhooksConfig webhooks) {

  /** Builds and validates every feature's settings; the first invalid one throws. */
  public static AppConfig from(Settings s) {
    StoreConfig store = StoreConfig.from(s);
    RedisConfig redis = RedisConfig.from(s);
    EventsConfig events = EventsConfig.from(s);
    boolean cluster = StoreConfig.REDIS.equals(store.kind()) && RedisConfig.CLUSTER.equals(redis.mode());
    AppConfig c = new AppConfig(HttpConfig.from(s), store, TenantConfig.from(s), redis,
        PgConfig.from(s), OpsConfig.from(s), AdminConfig.from(s),
        EncryptionConfig.from(s), events, WebhooksConfig.from(s, events.enabled(), cluster));
    if (c.ops().managementServer() && c.ops().managementPort() != 0 && c.ops().managementPort() == c.http().port()) {
      throw new ConfigException("MANAGEMENT_PORT", "must differ from HTTP_PORT (" + c.http().port() + ")");
    }
    return c;
  }
}
