/**
 * Key strategies: how a call's key is read from a method's arguments. Use a built-in from
 * {@link dev.idempotency.key.KeyStrategy} or write your own.
 */
@NullMarked
package dev.idempotency.key;

import org.jspecify.annotations.NullMarked;
