//! The public API surface of a generated module, computed from the model, and what changed
//! between two surfaces.
//!
//! [`surface`] lists, like `cargo public-api`, one line per item and one indented line per
//! member, in a stable order (methods by name, then types by name; members in declaration
//! order). It describes the generated API as callers see it:
//!
//! - every operation is a method on the client taking its required inputs positionally (path
//!   parameters in path-template order, the other required parameters in document order, a
//!   required token or key, a required body) and returning a call builder with one setter per
//!   optional input, awaited directly (`IntoFuture`) or, for a browser redirect, finished with
//!   `.url()`:
//!   `fn get_token(body: &GetTokenRequest) -> TokenResponse, errors ErrorResponse`, then
//!   `  optional param scope: Scopes = query "scope"`; each parameter says where it goes and how
//!   it is written (`= path "id"`, `= query "tags" (repeated)`, `= header "x-user-id"`), a
//!   required one in a `required param` line of its own beside the signature, and each
//!   bearer-token scheme the client's source is asked for, with its scopes
//!   (`token 2-legged (app) scopes [data:read]`), and, for an operation that pages, how
//!   (`pages next=/links/next/href items=/data (FolderContentsDataItem)`: its builder's
//!   `pages()` follows that next link, `items()` streams that array's items);
//! - every struct is `#[non_exhaustive]`, built with `new(required fields...)` and a
//!   `with_<field>` setter per optional field: `struct GetTokenRequest`,
//!   `  fn new(grant_type: GetTokenRequestGrantType)`,
//!   `  required field grant_type: GetTokenRequestGrantType`, `  optional field client_id: String`,
//!   with the JSON name where it is not the Rust name (`optional field email_id: String =
//!   "emailId"`);
//! - every enum is `#[non_exhaustive]`: `enum Scope`, `  variant DataRead = "data:read"`; a
//!   union dispatched on a discriminator shows where its tag is read and each variant's value
//!   (`enum Pet tag "kind"`, `  variant Cat(Box<Cat>) = "cat"`);
//! - aliases: `type Scopes = ScopeList<Scope>`.
//!
//! A deprecated item or member starts with `#[deprecated] `.
//!
//! `item.rs` is the typed surface ([`Item`], [`Line`], [`Entry`]): its `Display` is the text
//! format, and it reads that text back; `render.rs` builds the items of a model, printing the API
//! shape lowering decided ([`crate::model::Operation::inputs`], [`crate::model::FieldKind`]);
//! `diff.rs` compares two surfaces' items field by field, item by item and member by member;
//! `signature.rs` says what a changed signature or token means for callers.
//!
//! [`diff`] compares two surfaces (texts, so an old one can be read back from a file) and
//! classifies each change: removing a method, type, field, variant or parameter, a new required
//! parameter or field, a changed type, signature or return type break callers; new methods and
//! types, new optional parameters and fields, and new enum variants (enums are non-exhaustive) do
//! not. Changes Rust code does not see are breaking too, for the wire: another JSON name, enum
//! value, union tag or tag value, a parameter sent elsewhere or written otherwise, and a token
//! that must carry a scope more (every session whose grant lacks it starts failing; a scope
//! less is not breaking).

mod diff;
mod item;
mod parse;
mod render;
mod signature;

pub use diff::{Change, diff, diff_items, summary};
pub use item::{Arg, Entry, Item, Line};
pub use render::{items, surface};

/// The marker of a deprecated item or member.
const DEPRECATED: &str = "#[deprecated] ";

/// What separates a member's Rust form from its wire form (`optional field email_id: String =
/// "emailId"`, `optional param filter: String = query "filter"`, `variant Cat(Box<Cat>) = "cat"`).
const WIRE: &str = " = ";

/// What starts the line of an operation's HTTP Basic scheme (`basic <scheme> (required)`).
const BASIC: &str = "basic ";

/// What starts the line of a paged operation (`pages next=/links/next/href items=/data (T)`).
const PAGES: &str = "pages next=";

/// What starts the wire part of a tagged union's line (`enum Pet tag "kind"`).
const TAG: &str = " tag ";

/// The start of the line of a schema the document's own example relaxed
/// (`relaxed #/components/schemas/X/properties/data: any JSON value (declared ..., ...)`).
const RELAXED: &str = "relaxed ";

/// A model to list, lowered from a small document, for the unit tests of each file.
#[cfg(test)]
mod test_support {
    use crate::model::Api;

    pub(super) fn api(body: &str) -> Api {
        let text = format!("openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\n{body}");
        let doc = crate::load::load(&text).unwrap_or_else(|e| panic!("{e}"));
        crate::lower::lower(&doc, &crate::Options::default())
            .unwrap_or_else(|e| panic!("{e}"))
            .0
    }

    pub(super) const DOC: &str = r##"
paths:
  /users/{id}/items/{item}:
    get:
      operationId: getItem
      security: [{bearer: []}]
      parameters:
        - {name: item, in: path, required: true, schema: {type: integer}}
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: filter, in: query, schema: {type: string}}
        - {name: X-Trace, in: header, required: true, schema: {type: string}}
        - {name: old, in: query, deprecated: true, schema: {type: boolean}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}}
        '404': {description: no, content: {application/json: {schema: {$ref: '#/components/schemas/Problem'}}}}
  /items:
    post:
      operationId: createItem
      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}}
      responses: {'204': {description: done}}
  /authorize:
    get:
      operationId: authorize
      parameters: [{name: client_id, in: query, required: true, schema: {type: string}}]
      responses: {'302': {description: go}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    Item:
      type: object
      required: [name, note]
      properties:
        name: {type: string}
        note: {type: [string, 'null']}
        kind: {type: string, enum: [a, b-c]}
        tags: {type: array, items: {type: string}}
        legacy: {type: string, deprecated: true}
        emailId: {type: string}
    Problem: {type: object, properties: {detail: {type: string}}}
    Id: {type: string}
    Shape: {oneOf: [{$ref: '#/components/schemas/Item'}, {type: integer}]}
    Tagged:
      oneOf: [{$ref: '#/components/schemas/Item'}, {$ref: '#/components/schemas/Problem'}]
      discriminator: {propertyName: kind, mapping: {item: '#/components/schemas/Item'}}
"##;
}
