package dev.fedmesh.agent.inventory;

import java.util.List;
import java.util.stream.Collectors;

/** An announced endpoint that cannot be taken: each problem names the field and the fix. */
public final class InvalidEndpointException extends Exception {

    /** What is wrong with one field, and what it should hold. */
    public record FieldProblem(String field, String message) {
    }

    private final List<FieldProblem> problems;

    public InvalidEndpointException(List<FieldProblem> problems) {
        super(problems.stream().map(problem -> problem.field() + ": " + problem.message())
                .collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    public List<FieldProblem> problems() {
        return problems;
    }
}
