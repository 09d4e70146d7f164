/**
 * The implementation. Not an API: anything here may change in any release without notice. Do not import it.
 */
@NullMarked
package dev.idempotency.internal;

import org.jspecify.annotations.NullMarked;
