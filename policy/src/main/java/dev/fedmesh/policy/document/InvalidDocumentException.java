package dev.fedmesh.policy.document;

import java.util.List;

/** A document was refused; {@link #violations()} names every offending field. */
public final class InvalidDocumentException extends RuntimeException {
    private final List<Violation> violations;

    public InvalidDocumentException(List<Violation> violations) {
        super(summary(violations));
        this.violations = List.copyOf(violations);
    }

    public List<Violation> violations() {
        return violations;
    }

    private static String summary(List<Violation> violations) {
        if (violations.isEmpty()) {
            return "invalid document";
        }
        Violation first = violations.get(0);
        String more = violations.size() > 1 ? " (and " + (violations.size() - 1) + " more)" : "";
        return first.field() + ": " + first.problem() + more;
    }
}
