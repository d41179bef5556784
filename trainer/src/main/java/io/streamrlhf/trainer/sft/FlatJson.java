package io.streamrlhf.trainer.sft;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parser for the one JSON shape corpus lines use: a flat object of string (or number, boolean,
 * null) values. Nested values are rejected; the trainer needs no general JSON library for this.
 */
final class FlatJson {

  private final String text;
  private final String where;
  private int at;

  private FlatJson(String text, String where) {
    this.text = text;
    this.where = where;
  }

  /** Field name to value (numbers and booleans as their text, null as Java null). */
  static Map<String, String> parse(String text, String where) throws IOException {
    return new FlatJson(text, where).object();
  }

  private Map<String, String> object() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    expect('{');
    skipSpace();
    if (peek() == '}') {
      at++;
      return out;
    }
    while (true) {
      skipSpace();
      String key = string();
      skipSpace();
      expect(':');
      skipSpace();
      out.put(key, value());
      skipSpace();
      char c = next();
      if (c == '}') {
        skipSpace();
        if (at != text.length()) {
          throw error("trailing characters");
        }
        return out;
      }
      if (c != ',') {
        throw error("expected , or }");
      }
    }
  }

  private String value() throws IOException {
    char c = peek();
    if (c == '"') {
      return string();
    }
    if (c == '{' || c == '[') {
      throw error("nested values are not supported");
    }
    int start = at;
    while (at < text.length() && ",} \t".indexOf(text.charAt(at)) < 0) {
      at++;
    }
    String literal = text.substring(start, at);
    if (literal.isEmpty()) {
      throw error("missing value");
    }
    return "null".equals(literal) ? null : literal;
  }

  private String string() throws IOException {
    expect('"');
    StringBuilder out = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') {
        return out.toString();
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = next();
      switch (e) {
        case 'n' -> out.append('\n');
        case 't' -> out.append('\t');
        case 'r' -> out.append('\r');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'u' -> {
          if (at + 4 > text.length()) {
            throw error("truncated \\u escape");
          }
          out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
          at += 4;
        }
        default -> out.append(e);
      }
    }
  }

  private void skipSpace() {
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
      at++;
    }
  }

  private char peek() throws IOException {
    if (at >= text.length()) {
      throw error("unexpected end");
    }
    return text.charAt(at);
  }

  private char next() throws IOException {
    char c = peek();
    at++;
    return c;
  }

  private void expect(char c) throws IOException {
    if (next() != c) {
      throw error("expected " + c);
    }
  }

  private IOException error(String what) {
    return new IOException(where + ": " + what + " at column " + (at + 1));
  }
}
