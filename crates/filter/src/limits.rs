//! The hard bounds on a filter (enforced before and while parsing, so a
//! hostile filter costs at most a bounded amount of work and stack).

/// Bounds on what a client may send in one `filter`. Each one has its own error kind and
/// message, so a client learns exactly which limit it hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Longest accepted filter, in characters (Unicode scalar values, not bytes), checked
    /// before any other work.
    pub max_length: usize,
    /// Most AST nodes: each comparison, each `not` and each `and`/`or` group counts one
    /// (a chain `a=1 and b=2 and c=3` is one group).
    pub max_nodes: usize,
    /// Deepest nesting of parentheses and `not` around any comparison. It also bounds the
    /// parser's recursion, so no input can overflow the stack.
    pub max_depth: usize,
    /// Most values in one `in (...)` / `not in (...)` list.
    pub max_in_list: usize,
}

impl Limits {
    /// The defaults from the bounds table in `security-rules.md`.
    pub const DEFAULT: Limits = Limits {
        max_length: 8000,
        max_nodes: 200,
        max_depth: 32,
        max_in_list: 1000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
