/**
 * The store SPI: where idempotency records live. Implement {@link dev.idempotency.store.IdempotencyStore} and
 * prove it with the contract suite shipped in this module's test jar
 * ({@code dev.idempotency.store.AbstractIdempotencyStoreContractTest}).
 */
@NullMarked
package dev.idempotency.store;

import org.jspecify.annotations.NullMarked;
