/**
 * The JDBC store: {@link dev.idempotency.jdbc.JdbcIdempotencyStore} keeps idempotency records in one table of a
 * relational database (PostgreSQL, H2) over a {@link javax.sql.DataSource}, and
 * {@link dev.idempotency.jdbc.JdbcIdempotencyTable} creates that table.
 */
@NullMarked
package dev.idempotency.jdbc;

import org.jspecify.annotations.NullMarked;
