//! The document's own examples, read as part of the document.
//!
//! Vendors' examples show what their service sends, and they often contradict the schemas they
//! illustrate (Autodesk's Data Management document declares `extension.data` a map of objects;
//! every example, and the live service, puts strings there). A type that rejects the vendor's own
//! example rejects real answers, so this stage runs on the raw document before anything is
//! lowered:
//!
//! 1. `collect.rs` finds every example (a schema's `example`, `examples` and `x-examples`, a media
//!    type's and a parameter's `example` and `examples`, `$ref`s to `components/examples`) with
//!    the schema it illustrates and what the generated code decodes it into.
//! 2. `check/` reads each example against its schema as the generated decoder would, and says
//!    where they disagree: a [`Finding`] names the schema node and the place in the example.
//! 3. `relax.rs` changes the schema node so that the generated type accepts what the example
//!    shows there, and nothing more: a value of any JSON type where the declared type is
//!    contradicted, a property optional where the example omits it, one-or-many where an array
//!    and a single value both appear, an enum value the example uses. Every change is a
//!    [`Decision`], printed as a warning naming both pointers and listed in the API surface, so
//!    the change report shows it, and shows the type becoming strict again when a later document
//!    fixes its example.
//!
//! Parameters are sent as the document declares them: their examples are checked and a
//! disagreement is a warning, never a relaxation. An example that cannot be read at all (an
//! external `externalValue`, JSON text that does not parse) is a warning that says why.
//!
//! Each example that decodes into a generated type becomes a [`Case`]; the emitter writes them
//! into a test of the generated module (`examples.rs`), so `cargo test` decodes every example of
//! every document in `spec/`.

mod check;
mod collect;
mod relax;

use serde_json::Value;

use crate::error::{Pointer, Warning};

pub use check::{Finding, Problem};

/// What an example is decoded into by the generated tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The type generated for the schema at this pointer (a component, or an inline schema that
    /// has a type of its own); examples of schemas without one are only checked.
    Schema(Pointer),
    /// The body of an answer of the operation at this pointer: its success body for a 2xx answer,
    /// its error body otherwise.
    Response {
        /// The operation.
        operation: Pointer,
        /// Whether the answer is an error (not 2xx).
        error: bool,
    },
    /// The request body of the operation at this pointer (encoded, then decoded again).
    Request {
        /// The operation.
        operation: Pointer,
    },
}

/// One example the generated tests decode.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Where the example is.
    pub example: Pointer,
    /// The example.
    pub value: Value,
    /// What it decodes into.
    pub target: Target,
}

/// How a schema node was changed to accept an example.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Relaxation {
    /// Any JSON value: the declared type is contradicted.
    AnyValue {
        /// What the schema declares (`object`, `array of string`...).
        declared: String,
        /// What the example shows (`a string`).
        shown: String,
    },
    /// The property is optional: the example omits it.
    Optional {
        /// The property's name on the wire.
        property: String,
    },
    /// The value may be `null`.
    Nullable,
    /// An array, or one value of its item type.
    OneOrMany,
    /// One value, or an array of them.
    ManyOfOne,
    /// The enum also lists this value.
    EnumValue(String),
    /// An integer schema accepts any number (the example shows a fraction, or a number beyond
    /// the declared integer's range).
    Number {
        /// What the example shows.
        shown: String,
    },
}

impl std::fmt::Display for Relaxation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Relaxation::AnyValue { declared, shown } => write!(
                f,
                "any JSON value (declared {declared}, the example shows {shown})"
            ),
            Relaxation::Optional { property } => {
                write!(f, "`{property}` optional (required, the example omits it)")
            }
            Relaxation::Nullable => write!(f, "nullable (the example shows null)"),
            Relaxation::OneOrMany => write!(
                f,
                "an array or one item (declared an array, the example shows one item)"
            ),
            Relaxation::ManyOfOne => write!(
                f,
                "one value or an array of them (the example shows an array)"
            ),
            Relaxation::EnumValue(value) => {
                write!(f, "enum value {value:?} added (the example uses it)")
            }
            Relaxation::Number { shown } => write!(
                f,
                "a wider number type (declared an integer, the example shows {shown})"
            ),
        }
    }
}

/// One change made to the document so that its own example decodes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Decision {
    /// The schema node that was changed.
    pub schema: Pointer,
    /// How.
    pub relaxation: Relaxation,
    /// The place in the first example that needed it.
    pub example: Pointer,
}

/// What the examples of a document gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Examples {
    /// The changes made to schemas, in pointer order.
    pub decisions: Vec<Decision>,
    /// The examples the generated tests decode, in document order.
    pub cases: Vec<Case>,
}

/// How many times examples are checked again after relaxing (a relaxation can expose a
/// disagreement below it, e.g. a property made optional whose given value was also wrong).
const ROUNDS: usize = 8;

/// Checks every example of the raw document against its schema, relaxes the schemas they
/// contradict (see the module docs) and returns the decisions and the cases to test.
pub fn apply(raw: &mut Value, warnings: &mut Vec<Warning>) -> Examples {
    let mut readable = Vec::new();
    let mut unreadable = Vec::new();
    for found in collect::collect(raw) {
        match found.value {
            Ok(value) => readable.push(Readable {
                pointer: found.pointer,
                value,
                schema: found.schema,
                role: found.role,
                target: found.target,
            }),
            Err(why) => unreadable.push(Warning {
                pointer: found.pointer,
                message: format!("the example cannot be read, so it is not checked: {why}"),
            }),
        }
    }
    let mut decisions: Vec<Decision> = Vec::new();
    let mut advisories: Vec<Warning> = Vec::new();
    for round in 0..ROUNDS {
        let mut relax = Vec::new();
        for example in &readable {
            let Some(schema) = &example.schema else {
                continue;
            };
            let mut found = Vec::new();
            check::check(
                raw,
                schema,
                &example.value,
                &example.pointer,
                example.role,
                &mut found,
            );
            for finding in found {
                if finding.problem.relaxes() && example.role != collect::Role::Parameter {
                    relax.push(finding);
                } else if round == 0 {
                    advisories.push(advisory(&finding, example.role));
                }
            }
        }
        if relax.is_empty() {
            break;
        }
        let applied = relax::apply(raw, relax);
        if applied.is_empty() {
            break;
        }
        decisions.extend(applied);
    }
    decisions.sort();
    decisions.dedup_by(|a, b| a.schema == b.schema && a.relaxation == b.relaxation);
    for decision in &decisions {
        warnings.push(Warning {
            pointer: decision.schema.clone(),
            message: format!(
                "the document's example {} contradicts this schema; the generated type accepts {}",
                decision.example, decision.relaxation
            ),
        });
    }
    advisories.sort_by(|a, b| a.pointer.cmp(&b.pointer).then(a.message.cmp(&b.message)));
    advisories.dedup();
    warnings.extend(advisories);
    warnings.extend(unreadable);
    let mut cases: Vec<Case> = Vec::new();
    for example in readable {
        let Some(target) = example.target else {
            continue;
        };
        if !cases
            .iter()
            .any(|c| c.example == example.pointer && c.target == target)
        {
            cases.push(Case {
                example: example.pointer,
                value: example.value,
                target,
            });
        }
    }
    Examples { decisions, cases }
}

/// An example that could be read.
struct Readable {
    pointer: Pointer,
    value: Value,
    schema: Option<Pointer>,
    role: collect::Role,
    target: Option<Target>,
}

/// The warning for a disagreement that changes no type.
fn advisory(finding: &Finding, role: collect::Role) -> Warning {
    let what = match (&finding.problem, role) {
        (problem, collect::Role::Parameter) => format!(
            "{problem}; parameters are sent as the document declares them, so the type stays"
        ),
        (Problem::NoAlternative, _) => format!(
            "{}; it decodes as the union's `Other` variant (raw JSON)",
            finding.problem
        ),
        (Problem::Undeclared { .. }, _) => format!(
            "{}; the generated type does not carry it, so a request built from the type cannot send it",
            finding.problem
        ),
        (problem, _) => problem.to_string(),
    };
    Warning {
        pointer: finding.example.clone(),
        message: format!("the example disagrees with {}: {what}", finding.schema),
    }
}

#[cfg(test)]
mod tests;
