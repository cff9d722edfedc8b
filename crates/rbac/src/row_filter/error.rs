//! Why a stored row filter configuration is unusable. The messages are written for the admin
//! API's 400 when a role is saved; a request that meets a bad row anyway (stored before
//! validation existed) gets DreamFactory's generic 500 from the gateway instead.

use std::fmt::{self, Display, Formatter};

/// The operators a row filter may use, as listed in messages.
pub(crate) const OPERATOR_LIST: &str = "=, !=, >, <, >=, <=, in, not in, like, contains, \
     starts with, ends with, is null, is not null";

/// A problem with one entry of `role_service_access.filters` (`index` is its position in the
/// JSON array) or with `filter_op`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterConfigError {
    /// The name is empty or not an identifier (letters, digits, `_`, `$`; no leading digit).
    InvalidName { index: usize, name: String },
    /// The operator is not one of the closed set.
    UnknownOperator { index: usize, operator: String },
    /// A value is required by every operator but `is null` and `is not null`.
    MissingValue { index: usize, operator: String },
    /// A lookup inside other text (`'id-{user.id}'`): DreamFactory splices the lookup into
    /// the text, which is exactly the string building this crate refuses to do.
    EmbeddedLookup { index: usize, value: String },
    /// An `in` / `not in` list with an empty item (`(1,,2)` or `()`).
    EmptyListItem { index: usize, value: String },
    /// `filter_op` is neither `AND` nor `OR`.
    InvalidFilterOp(String),
}

impl Display for FilterConfigError {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            FilterConfigError::InvalidName { index, name } if name.trim().is_empty() => {
                write!(
                    f,
                    "Invalid row filter filters[{index}]: the field name is empty."
                )
            }
            FilterConfigError::InvalidName { index, name } => write!(
                f,
                "Invalid row filter filters[{index}]: '{name}' is not a valid field name \
                 (letters, digits, '_' and '$', not starting with a digit)."
            ),
            FilterConfigError::UnknownOperator { index, operator } => write!(
                f,
                "Invalid row filter filters[{index}]: unknown operator '{operator}'. \
                 Use one of {OPERATOR_LIST}."
            ),
            FilterConfigError::MissingValue { index, operator } => write!(
                f,
                "Invalid row filter filters[{index}]: operator '{operator}' needs a value."
            ),
            FilterConfigError::EmbeddedLookup { index, value } => write!(
                f,
                "Invalid row filter filters[{index}]: the value '{value}' has a lookup inside \
                 other text. A lookup such as {{user.id}} must be the whole value."
            ),
            FilterConfigError::EmptyListItem { index, value } => write!(
                f,
                "Invalid row filter filters[{index}]: the list '{value}' has an empty item."
            ),
            FilterConfigError::InvalidFilterOp(op) => {
                write!(f, "Invalid filter_op '{op}': use AND or OR.")
            }
        }
    }
}

impl std::error::Error for FilterConfigError {}
