package dev.fedmesh.controlapi;

import java.util.ArrayList;
import java.util.List;

/** Splits a documentation shell block into commands and words, as a POSIX shell would for the simple forms docs use. */
final class ShellWords {
    private ShellWords() {
    }

    static List<List<String>> commands(String block) {
        List<List<String>> commands = new ArrayList<>();
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < block.length(); i++) {
            char c = block.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
                continue;
            }
            if (c == '\\' && i + 1 < block.length() && block.charAt(i + 1) == '\n') {
                i++;
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                word = word == null ? new StringBuilder() : word;
                continue;
            }
            if (c == '#' && word == null) {
                while (i + 1 < block.length() && block.charAt(i + 1) != '\n') {
                    i++;
                }
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\n') {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                if (c == '\n' && !words.isEmpty()) {
                    commands.add(words);
                    words = new ArrayList<>();
                }
                continue;
            }
            word = word == null ? new StringBuilder() : word;
            word.append(c);
        }
        if (word != null) {
            words.add(word.toString());
        }
        if (!words.isEmpty()) {
            commands.add(words);
        }
        return commands;
    }
}
