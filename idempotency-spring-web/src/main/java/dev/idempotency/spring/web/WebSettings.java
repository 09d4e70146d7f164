package dev.idempotency.spring.web;

/** The effective settings of the web layer, resolved once: the application's beans, else the properties. */
record WebSettings(IdempotencyWebConfig config, IdempotencyScopeResolver scopes) {
}
