-- The table of dev.idempotency.jdbc.JdbcIdempotencyStore on H2 2.x, with the default names.
-- Copy it into a migration (Flyway, Liquibase), or let JdbcIdempotencyTable.create(store) run it.
--
-- id: the record id, namespace#sha256(key) (at most 320 characters from the engine; never the raw key).
-- expires_at: epoch seconds; lease_expires_at: epoch milliseconds, for IN_PROGRESS records only.
-- result: the serialized result or kept failure; NULL when the result was not kept.
-- The index on expires_at serves purgeExpired; expiry itself is decided from the columns at each claim.
-- status has no CHECK constraint here: H2 2.4 (the version Spring Boot 4.0 manages) fails every write once the
-- session that created a CHECK constraint has closed. The store writes only IN_PROGRESS, COMPLETED and FAILED.

CREATE TABLE IF NOT EXISTS idempotency (
    id VARCHAR(512) PRIMARY KEY,
    status VARCHAR(16) NOT NULL,
    fingerprint VARCHAR(256) NOT NULL,
    claim_token VARCHAR(128) NOT NULL,
    expires_at BIGINT NOT NULL,
    lease_expires_at BIGINT,
    result VARBINARY
);

CREATE INDEX IF NOT EXISTS idempotency_expires_at ON idempotency (expires_at);
