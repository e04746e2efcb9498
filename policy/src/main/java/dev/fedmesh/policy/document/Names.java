package dev.fedmesh.policy.document;

import java.util.regex.Pattern;

/** The naming rule shared by tenants, clusters, services and policies (a DNS label). */
public final class Names {
    private static final Pattern NAME = Pattern.compile("^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$");
    private static final Pattern LABEL_KEY = Pattern.compile("^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$");
    private static final Pattern LABEL_VALUE = Pattern.compile("^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$");

    public static final String RULE = "must be 1-63 characters of lowercase letters, digits and '-', "
            + "starting with a letter and not ending with '-'";

    private Names() {
    }

    public static boolean isValid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    public static boolean isValidLabelKey(String key) {
        return key != null && LABEL_KEY.matcher(key).matches();
    }

    public static boolean isValidLabelValue(String value) {
        return value != null && LABEL_VALUE.matcher(value).matches();
    }
}
