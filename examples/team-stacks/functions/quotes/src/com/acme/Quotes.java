package com.acme;

import java.util.List;
import java.util.Map;

/**
 * GET /quotes: a quote of the day, as an HTTP API (payload 2.0) proxy response.
 *
 * A plain handler (no AWS library): Lambda's Java runtime passes the event as a Map. The
 * quotes are loaded when the class initializes, which SnapStart snapshots once per
 * published version instead of on every cold start.
 */
public final class Quotes {
    private static final List<String> QUOTES = List.of(
        "Simplicity is prerequisite for reliability.",
        "Make it work, make it right, make it fast.",
        "The cheapest, fastest and most reliable components are those that aren't there.");

    public Map<String, Object> handleRequest(Map<String, Object> event) {
        // Chosen per request, not at initialization: a value computed before the snapshot
        // would be the same in every instance resumed from it.
        int day = (int) (System.currentTimeMillis() / 86_400_000L);
        String quote = QUOTES.get(day % QUOTES.size());
        return Map.of(
            "statusCode", 200,
            "headers", Map.of("content-type", "text/plain; charset=utf-8"),
            "body", quote);
    }
}
