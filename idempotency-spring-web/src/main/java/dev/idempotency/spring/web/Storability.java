package dev.idempotency.spring.web;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

import org.jspecify.annotations.Nullable;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.ResolvableType;
import org.springframework.http.HttpEntity;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.WebAsyncTask;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/** Which handler methods write their whole response before they return, so that it can be stored. */
final class Storability {

    /** Types whose body is written after the handler returned: streamed, emitted, or computed asynchronously. */
    private static final List<Class<?>> LATE_BODIES = List.of(StreamingResponseBody.class, ResponseBodyEmitter.class,
            DeferredResult.class, Callable.class, WebAsyncTask.class, CompletionStage.class, Future.class);

    private Storability() {
    }

    /** Why the response of {@code handler} cannot be stored whole, or {@code null} when it can. */
    static @Nullable String whyNot(HandlerMethod handler) {
        Class<?> returned = handler.getReturnType().getParameterType();
        boolean entity = HttpEntity.class.isAssignableFrom(returned);
        // A view (a @Controller's view name, redirect: included, or a ModelAndView) is rendered while the response
        // is held, so it is stored like a body; its return type may still be an asynchronous one.
        Class<?> body = entity
                ? ResolvableType.forMethodParameter(handler.getReturnType()).as(HttpEntity.class).getGeneric(0)
                        .resolve(Object.class)
                : returned;
        for (Class<?> late : LATE_BODIES) {
            if (late.isAssignableFrom(body)) {
                return lateBody(body);
            }
        }
        if (ReactiveAdapterRegistry.getSharedInstance().getAdapter(body) != null) {
            return lateBody(body);
        }
        return null;
    }

    private static String lateBody(Class<?> body) {
        return "it returns " + body.getSimpleName() + ", whose body is written after the handler returns";
    }
}
