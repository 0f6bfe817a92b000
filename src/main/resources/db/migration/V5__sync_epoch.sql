-- The Redis epoch (its data's identity, reset when Redis comes back empty) that PostgreSQL takes
-- changes from. A sync transaction holds this row (FOR SHARE) and commits only under the epoch it read
-- its changes in; a restore moves the row to Redis's current epoch (waiting for those transactions)
-- before it reads a session, so no change read from the lost data lands after a restore read.
CREATE TABLE sync_epoch (
  single boolean PRIMARY KEY DEFAULT true CHECK (single),
  epoch  text    NOT NULL
);
INSERT INTO sync_epoch (single, epoch) VALUES (true, '');
