-- The table of dev.idempotency.jdbc.JdbcIdempotencyStore on PostgreSQL, with the default names.
-- Copy it into a migration (Flyway, Liquibase), or let JdbcIdempotencyTable.create(store) run it.
--
-- id: the record id, namespace#sha256(key) (at most 320 characters from the engine; never the raw key).
--     COLLATE "C": ids compare as bytes, case-sensitively, whatever the database's collation.
-- expires_at: epoch seconds; lease_expires_at: epoch milliseconds, for IN_PROGRESS records only.
-- result: the serialized result or kept failure; NULL when the result was not kept.
-- The index on expires_at serves purgeExpired; expiry itself is decided from the columns at each claim.

CREATE TABLE IF NOT EXISTS idempotency (
    id VARCHAR(512) COLLATE "C" PRIMARY KEY,
    status VARCHAR(16) NOT NULL CHECK (status IN ('IN_PROGRESS', 'COMPLETED', 'FAILED')),
    fingerprint VARCHAR(256) NOT NULL,
    claim_token VARCHAR(128) NOT NULL,
    expires_at BIGINT NOT NULL,
    lease_expires_at BIGINT,
    result BYTEA
);

CREATE INDEX IF NOT EXISTS idempotency_expires_at ON idempotency (expires_at);
