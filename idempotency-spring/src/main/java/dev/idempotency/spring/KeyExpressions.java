package dev.idempotency.spring;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;
import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.ast.BeanReference;
import org.springframework.expression.spel.ast.FunctionReference;
import org.springframework.expression.spel.ast.MethodReference;
import org.springframework.expression.spel.ast.Projection;
import org.springframework.expression.spel.ast.Selection;
import org.springframework.expression.spel.ast.TypeReference;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;

/**
 * Checks at startup that a key expression names only what its evaluation will hold: the method's parameters, by name
 * or by position ({@code #p0}, {@code #a0}). A variable that is neither (and {@code #root} or {@code #this}, which
 * hold nothing here) is
 * null at every call: {@code #orderId} of a class compiled without {@code -parameters} refuses every call as having no
 * key, and {@code 'order-' + #orderId} gives every call the one key {@code order-null}, so that each order after the
 * first replays the first one's answer or is refused.
 */
final class KeyExpressions {

    /** {@code #p0}, {@code #a12}: the names the evaluation context holds; {@code #p01} is none of them. */
    private static final Pattern POSITION = Pattern.compile("[pa](0|[1-9]\\d{0,8})");

    private KeyExpressions() {
    }

    /**
     * @throws IllegalArgumentException naming the variable, the method and the fix, when the expression names a
     *                                  variable that its evaluation will not hold
     */
    static void checkVariables(Expression expression, Method method, ParameterNameDiscoverer parameterNames,
            String where) {
        if (!(expression instanceof SpelExpression spel)) {
            return;
        }
        String[] names = parameterNames.getParameterNames(method);
        List<SpelNode> nodes = new ArrayList<>();
        List<SpelNode> withinElements = new ArrayList<>();
        collect(spel.getAST(), nodes, withinElements, false);
        if (nodes.stream().noneMatch(KeyExpressions::readsTheCall)) {
            throw new IllegalArgumentException(where + ": the key expression '" + expression.getExpressionString()
                    + "' reads nothing of the call (no parameter, no bean), so every call would have the one key it"
                    + " gives. Make it read the request, such as key = \"'order-' + #p0\".");
        }
        for (SpelNode node : nodes) {
            if (withinElements.contains(node) && isElementReference(node)) {
                // Inside a projection or selection, #this (and #root) is the element at hand.
                continue;
            }
            if (node instanceof FunctionReference) {
                throw new IllegalArgumentException(where + ": the key expression '"
                        + expression.getExpressionString() + "' calls the function " + node.toStringAST()
                        + ", but key expressions have no functions. Call a bean's method instead, such as"
                        + " @keys.forOrder(#p0).");
            }
            if (!(node instanceof VariableReference)) {
                continue;
            }
            String variable = node.toStringAST().substring(1);
            if (isPosition(variable, method) || names != null && List.of(names).contains(variable)) {
                continue;
            }
            throw new IllegalArgumentException(where + ": the key expression '" + expression.getExpressionString()
                    + "' names #" + variable + ", " + why(variable, method, names));
        }
    }

    private static String why(String variable, Method method, String @Nullable [] names) {
        String positions = method.getParameterCount() == 0 ? "the method has no parameters"
                : "or name a parameter by its position, #p0 to #p" + (method.getParameterCount() - 1);
        if (names == null) {
            return "but the class was compiled without parameter names, so #" + variable + " would be null at every"
                    + " call. Compile with -parameters (Spring Boot's build plugins do; with maven-compiler-plugin,"
                    + " set <parameters>true</parameters>), " + positions + ".";
        }
        Set<String> known = new LinkedHashSet<>();
        for (String name : names) {
            known.add("#" + name);
        }
        return "which is not a parameter of the method, so it would be null at every call. Use one of " + known
                + ", " + positions + ".";
    }

    private static boolean isPosition(String variable, Method method) {
        Matcher position = POSITION.matcher(variable);
        return position.matches() && position.group(1).length() < 10
                && Integer.parseInt(position.group(1)) < method.getParameterCount();
    }

    /** Whether a node reads something that differs from call to call: a variable, a bean, a method or a type. */
    private static boolean readsTheCall(SpelNode node) {
        return node instanceof VariableReference || node instanceof BeanReference || node instanceof MethodReference
                || node instanceof TypeReference || node instanceof FunctionReference;
    }

    private static boolean isElementReference(SpelNode node) {
        return node instanceof VariableReference && (node.toStringAST().equals("#this")
                || node.toStringAST().equals("#root"));
    }

    /** Every node, and separately those inside a projection's or selection's element expression. */
    private static void collect(SpelNode node, List<SpelNode> into, List<SpelNode> withinElements,
            boolean withinElement) {
        into.add(node);
        if (withinElement) {
            withinElements.add(node);
        }
        boolean elements = withinElement || node instanceof Projection || node instanceof Selection;
        for (int i = 0; i < node.getChildCount(); i++) {
            collect(node.getChild(i), into, withinElements, elements);
        }
    }
}
