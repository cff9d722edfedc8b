//! The filter AST. Every node keeps the byte span of the text it came from so errors found
//! later (unknown field, bad value for a column type) can point at the exact place.

/// A half-open byte range `[start, end)` into the filter text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }
}

/// A boolean expression. `And`/`Or` hold two or more operands, flattened
/// (`a and b and c` is one `And` of three), so depth reflects real nesting.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare(Comparison),
}

/// `field op operand`, e.g. `last_name like 'G%'` or `id in (1,2,3)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub field: Ident,
    pub op: CompareOp,
    pub operand: Operand,
    /// Span of the whole comparison.
    pub span: Span,
}

/// A field name exactly as the client typed it (resolution is case-insensitive, later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// The closed set of comparison operators. Aliases (`eq`, `gte`, `<>`, `&&` ...) are
/// normalised by the parser; negated forms are their own variants so that printing
/// and re-parsing is lossless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Like,
    NotLike,
    In,
    NotIn,
    IsNull,
    IsNotNull,
    Contains,
    NotContains,
    StartsWith,
    NotStartsWith,
    EndsWith,
    NotEndsWith,
    Between,
    NotBetween,
}

/// What stands right of the operator; its shape is fixed by the operator
/// (`None` for `is null`, `List` for `in`, `Range` for `between`, `Single` otherwise).
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    None,
    Single(Value),
    List(Vec<Value>),
    Range(Value, Value),
}

/// A value as written. It is *not* typed here: the connector types it by the column it is
/// compared with (DreamFactory typecasts by column), then binds it as a parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    /// `'text'` or `"text"` with doubled quotes already unescaped.
    Quoted(String),
    /// An unquoted word or number: `42`, `-1.5`, `open`, `true`, `null`.
    Bare(String),
    /// `:name`, replaced from the request's `params` map.
    Param(String),
    /// `{user.id}`, `{role.name}`, `{lookup_name}`: resolved to a bound value from the
    /// caller's session and the lookup tables, never spliced into text.
    Lookup(String),
}
