//! Which scripts keep a fresh, unlocked context per call: those whose text looks like it
//! means to change built-ins, declare global bindings or reach `eval`, read once per script
//! text (the pool thread caches the answer). In a locked context such a script would fail
//! (`String.prototype.capitalize = ...` is refused by a frozen prototype) or behave unlike
//! DreamFactory; in a fresh one it works as it always did, at the old cost.
//!
//! The screen is textual and conservative: a word inside a string or a comment counts too,
//! which only costs such a script the fresh context. It guards careless scripts; a script
//! that hides what it does (`Object['proto' + 'type']`) still meets the locked context,
//! where built-ins are frozen and the globals it adds are deleted after the call.

/// Substrings that send a script to a fresh context wherever they appear: prototype
/// surgery (`.prototype`, `__proto__`, `setPrototypeOf`, `getPrototypeOf`, the legacy
/// `__defineGetter__` family), property definitions (`defineProperty`, which is also how
/// polyfills install themselves) and the global object named outright.
const MARKERS: &[&str] = &[
    "prototype",
    "__proto__",
    "PrototypeOf",
    "defineProperty",
    "__define",
    "__lookup",
    "globalThis",
];

/// Words (whole identifiers) that do the same: `eval` (so that a script's direct `eval`
/// keeps seeing its local variables: in the locked context the global `eval` is replaced),
/// `Function` (its constructor evaluates text at the global level, where a crafted body can
/// declare global `let` bindings) and `Reflect` (`Reflect.set`, `Reflect.defineProperty`,
/// `Reflect.deleteProperty` on built-ins).
const WORDS: &[&str] = &["eval", "Function", "Reflect"];

/// The global built-ins whose members a polyfill assigns (`JSON.stringify = ...`,
/// `Math.round2 = ...`, `Object.assign(Array, ...)`) or deletes.
const BUILTINS: &[&str] = &[
    "Object",
    "Array",
    "String",
    "Number",
    "Boolean",
    "Symbol",
    "BigInt",
    "Math",
    "JSON",
    "Date",
    "RegExp",
    "Promise",
    "Map",
    "Set",
    "WeakMap",
    "WeakSet",
    "Proxy",
    "Iterator",
    "Error",
    "TypeError",
    "RangeError",
    "SyntaxError",
    "ReferenceError",
    "EvalError",
    "URIError",
    "AggregateError",
    "InternalError",
    "SuppressedError",
    "console",
];

/// Whether `source` keeps a fresh context per call.
pub(crate) fn needs_fresh_context(source: &str) -> bool {
    MARKERS.iter().any(|marker| source.contains(marker))
        || identifiers(source).any(|(start, word)| {
            WORDS.contains(&word) || (BUILTINS.contains(&word) && changes_member(source, start))
        })
}

/// Each identifier of `source` with its byte offset (strings and comments are not skipped).
fn identifiers(source: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = source.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            if is_ident(bytes[at]) {
                let start = at;
                while at < bytes.len() && is_ident(bytes[at]) {
                    at += 1;
                }
                return Some((start, &source[start..at]));
            }
            at += 1;
        }
        None
    })
}

/// Whether the built-in named at `start` is the target of a member assignment or `delete`
/// (`Math.x = `, `JSON['parse'] += `, `delete Math.x`) or of `Object.assign(`.
fn changes_member(source: &str, start: usize) -> bool {
    let before = source[..start].trim_end();
    if before.ends_with("delete") || before.ends_with("assign(") {
        return true;
    }
    let word_end = start
        + source[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(source.len() - start);
    let mut rest = source[word_end..].trim_start();
    // One member: `.name` or `[...]` (brackets balanced, without nesting past one level
    // of the same kind).
    if let Some(after) = rest.strip_prefix('.') {
        let after = after.trim_start();
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(after.len());
        rest = &after[name_len..];
    } else if rest.starts_with('[') {
        let mut depth = 0usize;
        let mut end = None;
        for (i, c) in rest.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i + 1);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else { return false };
        rest = &rest[end..];
    } else {
        return false;
    }
    is_assignment(rest.trim_start())
}

/// Whether `rest` starts with an assignment operator (`=`, `+=`, `??=`, `>>>=`, ...), not a
/// comparison (`==`, `<=`, `>=`, `!=`) or an arrow.
fn is_assignment(rest: &str) -> bool {
    const COMPOUND: &[&str] = &[
        "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", ">>>", "**", "&&", "||", "??",
    ];
    if rest.starts_with("==") || rest.starts_with("=>") {
        return false;
    }
    if rest.starts_with('=') {
        return true;
    }
    let Some(eq) = rest.find('=') else {
        return false;
    };
    COMPOUND.contains(&&rest[..eq]) && !rest[eq + 1..].starts_with('=')
}

#[cfg(test)]
mod tests {
    use super::needs_fresh_context;

    #[test]
    fn polyfills_and_global_tricks_keep_a_fresh_context() {
        for source in [
            "String.prototype.capitalize = function () { return this; };",
            "Object.defineProperty(Array, 'x', {value: 1});",
            "JSON.stringify = function () { return 'x'; };",
            "Math['round2'] = (x) => x;",
            "Math.seed += 1;",
            "Math.x=-1;",
            "delete Math.PI;",
            "Object.assign(Math, {x: 1});",
            "globalThis.y = 2;",
            "return eval('1 + 1');",
            "return new Function('return 1')();",
            "Reflect.set(Math, 'x', 1);",
            "var p = Object.getPrototypeOf([][Symbol.iterator]());",
        ] {
            assert!(needs_fresh_context(source), "{source}");
        }
    }

    #[test]
    fn ordinary_scripts_get_the_locked_context() {
        for source in [
            "var limit = event.request.parameters.limit; return;",
            "if (JSON.stringify(event) == '{}') { return Math.max(1, 2); }",
            "const evaluated = evaluate(event); x = 1; return typeof Functions;",
            "event.request.payload.when = Date.now(); return Object.keys(event).length;",
            "if (Math.PI >= 3 && Number.MAX_SAFE_INTEGER !== 0) { throw new Error('no'); }",
            "const f = (Error) => Error; console.log(String(1));",
        ] {
            assert!(!needs_fresh_context(source), "{source}");
        }
    }
}
