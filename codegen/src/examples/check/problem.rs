//! [`Finding`] and [`Problem`]: where an example and its schema disagree, and how.

use crate::error::Pointer;

/// One disagreement between an example and its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The schema node that disagrees.
    pub schema: Pointer,
    /// Where in the example.
    pub example: Pointer,
    /// How.
    pub problem: Problem,
}

/// How an example disagrees with its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The value is of another JSON type than the schema declares.
    WrongType {
        /// What the schema declares.
        declared: String,
        /// What the example shows.
        shown: String,
    },
    /// A required property whose schema does not allow `null` is `null`.
    NotNullable,
    /// A required property is missing.
    Missing {
        /// Its name.
        property: String,
    },
    /// An array is declared; the example shows one item.
    OneOrMany,
    /// One value is declared; the example shows an array of them.
    ManyOfOne,
    /// A string enum does not list the example's value.
    NotInEnum {
        /// The value.
        value: String,
    },
    /// An integer is declared; the example shows a fraction or a number beyond its range.
    NotInteger {
        /// What the example shows.
        shown: String,
    },
    /// No alternative of a union without a discriminator accepts the value.
    NoAlternative,
    /// A request example has a property the schema does not declare.
    Undeclared {
        /// Its name.
        property: String,
    },
}

impl Problem {
    /// Whether the schema is changed so that the example decodes (the others are warnings).
    pub fn relaxes(&self) -> bool {
        !matches!(self, Problem::NoAlternative | Problem::Undeclared { .. })
    }

    /// Whether it is about the node's shape as a whole, so that through a `$ref` the referring
    /// node is changed rather than the component every other use shares.
    pub(super) fn is_shape(&self) -> bool {
        matches!(
            self,
            Problem::WrongType { .. }
                | Problem::NotNullable
                | Problem::OneOrMany
                | Problem::ManyOfOne
        )
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::WrongType { declared, shown } => {
                write!(
                    f,
                    "the schema declares {declared}, the example shows {shown}"
                )
            }
            Problem::NotNullable => write!(f, "a required property is null"),
            Problem::Missing { property } => {
                write!(f, "the required property `{property}` is missing")
            }
            Problem::OneOrMany => write!(f, "an array is declared, the example shows one item"),
            Problem::ManyOfOne => write!(f, "one value is declared, the example shows an array"),
            Problem::NotInEnum { value } => write!(f, "the enum does not list {value:?}"),
            Problem::NotInteger { shown } => {
                write!(f, "an integer is declared, the example shows {shown}")
            }
            Problem::NoAlternative => write!(f, "no alternative of the union accepts the value"),
            Problem::Undeclared { property } => {
                write!(f, "the property `{property}` is not declared")
            }
        }
    }
}
