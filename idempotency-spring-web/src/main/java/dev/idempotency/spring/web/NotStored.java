package dev.idempotency.spring.web;

import org.jspecify.annotations.Nullable;
import org.springframework.web.servlet.ModelAndView;

/**
 * Thrown out of an endpoint's body so that the engine releases its key: the response says "try again" (5xx, 409,
 * 429) or could not be captured (an error page sent while passing through; under {@code run-unprotected}, an
 * asynchronous or too large body, a view rendered after the handler), and is written out as it is. Never reaches the
 * caller.
 */
final class NotStored extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient @Nullable ModelAndView view;

    NotStored(@Nullable ModelAndView view) {
        super(null, null, false, false);
        this.view = view;
    }

    @Nullable ModelAndView view() {
        return view;
    }
}
