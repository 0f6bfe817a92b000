-- The tenant catalog managed over /v1/admin: one JSON document per tenant (limits, API-key SHA-256
-- digests, revoked digests, a deleted mark), and the catalog's version, which every change raises in
-- the same transaction. PostgreSQL is written before Redis; Redis records the version it reflects.
CREATE TABLE tenant_catalog (
  id  text PRIMARY KEY,
  doc text NOT NULL
);

CREATE TABLE tenant_catalog_version (
  single  boolean PRIMARY KEY DEFAULT true CHECK (single),
  version bigint  NOT NULL
);
INSERT INTO tenant_catalog_version (single, version) VALUES (true, 0);
