package dev.idempotency.spring.web;

import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import dev.idempotency.Idempotency;
import dev.idempotency.Idempotent;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.InProgressPolicy;
import dev.idempotency.internal.DurationParser;
import dev.idempotency.internal.Messages;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The idempotent endpoints of the application: the handler methods of every {@link RequestMappingHandlerMapping} that
 * carry {@code @Idempotent} or match a configured route, each resolved once, when every singleton exists, into its
 * operation. A bad endpoint (a {@code key} attribute, a streaming return type under {@link OversizedPolicy#REFUSE},
 * an unparseable {@code ttl}, a route that matches nothing) fails the startup, naming it.
 */
final class IdempotentEndpoints implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(IdempotentEndpoints.class);

    private final ObjectProvider<Idempotency> idempotency;
    private final ListableBeanFactory beanFactory;
    private final IdempotencyWebConfig config;
    private volatile Map<Method, Endpoint> endpoints = Map.of();

    IdempotentEndpoints(ObjectProvider<Idempotency> idempotency, ListableBeanFactory beanFactory,
            IdempotencyWebConfig config) {
        this.idempotency = idempotency;
        this.beanFactory = beanFactory;
        this.config = config;
    }

    /** Whether {@code method} is (or may be, by its routes) an idempotent endpoint. */
    boolean contains(Method method) {
        return endpoints.containsKey(method);
    }

    /** The endpoint that protects this request to {@code handler}, or {@code null} to run it unprotected. */
    @Nullable Endpoint forRequest(HandlerMethod handler, HttpServletRequest request) {
        Endpoint endpoint = endpoints.get(handler.getMethod());
        if (endpoint == null || endpoint.operation() == null) {
            return null;
        }
        Set<String> routes = endpoint.routes();
        if (routes != null && !routes.contains(request.getMethod() + " "
                + request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE))) {
            return null;
        }
        return endpoint;
    }

    /** Every endpoint, by its handler method. */
    Map<Method, Endpoint> all() {
        return endpoints;
    }

    @Override
    public void afterSingletonsInstantiated() {
        Map<Method, HandlerMethod> annotated = new LinkedHashMap<>();
        Map<Method, HandlerMethod> routed = new LinkedHashMap<>();
        Map<Method, Set<String>> routesOf = new HashMap<>();
        Set<String> unmatched = new LinkedHashSet<>(config.routes());
        for (RequestMappingHandlerMapping mapping : beanFactory.getBeansOfType(RequestMappingHandlerMapping.class)
                .values()) {
            for (Map.Entry<RequestMappingInfo, HandlerMethod> entry : mapping.getHandlerMethods().entrySet()) {
                HandlerMethod handler = entry.getValue();
                if (handler.getMethod().isAnnotationPresent(Idempotent.class)) {
                    annotated.putIfAbsent(handler.getMethod(), handler);
                    Set<org.springframework.web.bind.annotation.RequestMethod> methods =
                            entry.getKey().getMethodsCondition().getMethods();
                    if (!methods.isEmpty() && methods.stream()
                            .allMatch(m -> IdempotencyWebConfig.SAFE_METHODS.contains(m.name()))) {
                        log.warn("@Idempotent on {} has no effect: it is mapped to {} only, which endpoints never"
                                + " protect (they change nothing)", Messages.describe(handler.getMethod(),
                                handler.getBeanType()), methods);
                    }
                }
                for (String route : config.routes()) {
                    if (matches(entry.getKey(), route)) {
                        unmatched.remove(route);
                        routed.putIfAbsent(handler.getMethod(), handler);
                        routesOf.computeIfAbsent(handler.getMethod(), m -> new HashSet<>()).add(route);
                    }
                }
            }
        }
        if (!unmatched.isEmpty()) {
            throw new BeanInitializationException("Invalid value " + unmatched + " for property "
                    + IdempotencyWebProperties.PREFIX + "routes: no handler method is mapped to "
                    + (unmatched.size() == 1 ? "it" : "them") + ". Write the HTTP method and the route template"
                    + " exactly as the mapping declares it, such as 'POST /orders/{id}/refunds'.");
        }
        Map<Method, Endpoint> built = new LinkedHashMap<>();
        annotated.forEach((method, handler) -> built.put(method, build(handler, null)));
        routed.forEach((method, handler) -> built.putIfAbsent(method, build(handler, Set.copyOf(routesOf.get(method)))));
        endpoints = Map.copyOf(built);
    }

    private static boolean matches(RequestMappingInfo info, String route) {
        String method = IdempotencyWebConfig.routeMethod(route);
        Set<org.springframework.web.bind.annotation.RequestMethod> methods = info.getMethodsCondition().getMethods();
        return info.getPatternValues().contains(IdempotencyWebConfig.routeTemplate(route))
                && (methods.isEmpty() || methods.stream().anyMatch(m -> m.name().equals(method)));
    }

    private Endpoint build(HandlerMethod handler, @Nullable Set<String> routes) {
        Method method = handler.getMethod();
        String description = Messages.describe(method, handler.getBeanType());
        Idempotent annotation = routes == null ? method.getAnnotation(Idempotent.class) : null;
        String where = annotation != null ? "@Idempotent on " + description
                : "The endpoint " + description + " (idempotency.web.routes " + routes + ")";
        try {
            return new Endpoint(description, operation(handler, annotation, where), routes);
        } catch (IllegalArgumentException e) {
            throw new BeanInitializationException("Invalid idempotent endpoint: " + e.getMessage(), e);
        }
    }

    private @Nullable IdempotentOperation<StoredResponse> operation(HandlerMethod handler,
            @Nullable Idempotent annotation, String where) {
        if (annotation != null && (!annotation.key().isBlank() || !annotation.keyStrategy().isBlank())) {
            throw new IllegalArgumentException(where + ": key and keyStrategy do not apply to an endpoint, whose key"
                    + " is the request's " + config.headerName() + " header (scoped by the caller); remove them");
        }
        String unstorable = Storability.whyNot(handler);
        if (unstorable != null) {
            if (config.oversized() == OversizedPolicy.REFUSE) {
                throw new IllegalArgumentException(where + ": " + unstorable + ", so its response cannot be stored"
                        + " whole. Return the body itself (a ResponseEntity, or a value of a @ResponseBody method),"
                        + " or set idempotency.web.oversized=run-unprotected to serve it without protection");
            }
            log.info("{}: {}; it runs without idempotency protection (idempotency.web.oversized=run-unprotected)",
                    where, unstorable);
            return null;
        }
        String namespace = annotation != null && !annotation.name().isBlank() ? annotation.name()
                : config.namespace();
        IdempotentOperation.Builder<StoredResponse> operation =
                idempotency.getObject().operation(namespace, StoredResponse.class);
        if (annotation != null) {
            if (!annotation.ttl().isBlank()) {
                operation.ttl(DurationParser.parse(annotation.ttl(), "ttl of " + where));
            }
            if (!annotation.lease().isBlank()) {
                operation.lease(DurationParser.parse(annotation.lease(), "lease of " + where));
            }
            if (annotation.onInProgress() != InProgressPolicy.DEFAULT) {
                operation.onInProgress(annotation.onInProgress());
            }
            for (Class<? extends Throwable> type : annotation.finalExceptions()) {
                if (type.isAssignableFrom(NotStored.class)) {
                    throw new IllegalArgumentException(where + ": finalExceptions must name the exceptions that are"
                            + " a final answer, not " + type.getName() + ", which every failure is");
                }
            }
            operation.finalExceptions(annotation.finalExceptions());
        }
        try {
            return operation.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }
}
