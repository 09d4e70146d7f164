/**
 * How results are kept: a {@link dev.idempotency.serialization.ResultSerializer} turns a call's result into bytes
 * and back into an equal value of the declared type. Jackson 3 by default.
 */
@NullMarked
package dev.idempotency.serialization;

import org.jspecify.annotations.NullMarked;
