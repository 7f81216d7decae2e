//! [`Role`]: what belongs at a place of the document, read from its pointer.

use super::METHODS;
use crate::error::Pointer;

/// What a place in an OpenAPI document holds, as far as messages need to know.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Role {
    Document,
    Info,
    Contact,
    License,
    Servers,
    Server,
    Variables,
    Variable,
    /// `paths`, `webhooks`, `components/pathItems`: path items by key.
    Paths,
    PathItem,
    Operation,
    Parameters,
    Parameter,
    RequestBodies,
    RequestBody,
    Content,
    MediaType,
    Encodings,
    Encoding,
    Responses,
    Response,
    Headers,
    Header,
    Examples,
    Example,
    Links,
    Link,
    Callbacks,
    Callback,
    Components,
    /// Schemas by name: `components/schemas`, `properties`, `$defs`...
    Schemas,
    /// `allOf`, `anyOf`, `oneOf`, `prefixItems`.
    SchemaList,
    Schema,
    SecuritySchemes,
    SecurityScheme,
    Flows,
    Flow(String),
    Security,
    SecurityRequirement,
    Tags,
    Tag,
    ExternalDocs,
    Discriminator,
    Other,
}

/// The role of the value at `ptr`, found by walking the document's structure from the root.
pub(super) fn role_at(ptr: &Pointer) -> Role {
    ptr.tokens()
        .fold(Role::Document, |role, token| role.child(&token))
}

impl Role {
    /// The role of the value under `token`.
    pub(super) fn child(&self, token: &str) -> Role {
        use Role::*;
        match (self, token) {
            (_, "$ref") => Other,
            (Paths | Callback, extension) if extension.starts_with("x-") => Other,
            (Document, "info") => Info,
            (Document | PathItem | Operation, "servers") => Servers,
            (Document, "paths" | "webhooks") | (Components, "pathItems") => Paths,
            (Document, "components") => Components,
            (Document | Operation, "security") => Security,
            (Document, "tags") => Tags,
            (Document | Operation | Tag | Schema, "externalDocs") => ExternalDocs,
            (Info, "contact") => Contact,
            (Info, "license") => License,
            (Servers, _) => Server,
            (Server, "variables") => Variables,
            (Variables, _) => Variable,
            (Paths | Callback, _) => PathItem,
            (PathItem, method) if METHODS.contains(&method) => Operation,
            (PathItem | Operation | Components, "parameters") => Parameters,
            (Parameters, _) => Parameter,
            (Operation, "requestBody") => RequestBody,
            (Components, "requestBodies") => RequestBodies,
            (RequestBodies, _) => RequestBody,
            (Operation | Components, "responses") => Responses,
            (Responses, _) => Response,
            (Operation | Components, "callbacks") => Callbacks,
            (Callbacks, _) => Callback,
            (Response | Encoding | Components, "headers") => Headers,
            (Headers, _) => Header,
            (Response | Components, "links") => Links,
            (Links, _) => Link,
            (Parameter | Header | MediaType | Components, "examples") => Examples,
            (Examples, _) => Example,
            (Parameter | Header | RequestBody | Response, "content") => Content,
            (Content, _) => MediaType,
            (MediaType, "encoding") => Encodings,
            (Encodings, _) => Encoding,
            (Parameter | Header | MediaType, "schema") => Schema,
            (Components, "schemas") => Schemas,
            (Schemas | SchemaList, _) => Schema,
            (
                Schema,
                "items"
                | "additionalProperties"
                | "not"
                | "contains"
                | "propertyNames"
                | "if"
                | "then"
                | "else"
                | "unevaluatedItems"
                | "unevaluatedProperties",
            ) => Schema,
            (Schema, "properties" | "patternProperties" | "$defs" | "dependentSchemas") => Schemas,
            (Schema, "allOf" | "anyOf" | "oneOf" | "prefixItems") => SchemaList,
            (Schema, "discriminator") => Discriminator,
            (Components, "securitySchemes") => SecuritySchemes,
            (SecuritySchemes, _) => SecurityScheme,
            (SecurityScheme, "flows") => Flows,
            (Flows, name) => Flow(name.to_owned()),
            (Security, _) => SecurityRequirement,
            (Tags, _) => Tag,
            _ => Other,
        }
    }

    /// What the value is, without an article (`parameter`), for the roles an untagged enum
    /// stands for.
    pub(super) fn bare(&self) -> Option<&'static str> {
        Some(match self {
            Role::Parameter => "parameter",
            Role::Response => "response",
            Role::RequestBody => "request body",
            Role::Header => "header",
            Role::Example => "example",
            Role::Link => "link",
            Role::Callback => "callback",
            Role::PathItem => "path item",
            Role::Schema => "schema",
            Role::SecurityScheme => "security scheme",
            _ => return None,
        })
    }

    /// What the value is, as a sentence names it (`a parameter`, `` `info` ``).
    pub(super) fn noun(&self) -> Option<String> {
        let named = |key: &str| Some(format!("`{key}`"));
        match self {
            Role::Document => Some("the document".into()),
            Role::Info => named("info"),
            Role::Contact => named("contact"),
            Role::License => named("license"),
            Role::Components => named("components"),
            Role::Flows => named("flows"),
            Role::ExternalDocs => named("externalDocs"),
            Role::Flow(name) => Some(format!("the OAuth 2.0 flow `{name}`")),
            Role::Server => Some("a server".into()),
            Role::Variable => Some("a server variable".into()),
            Role::Operation => Some("an operation".into()),
            Role::MediaType => Some("a media type".into()),
            Role::Encoding => Some("an encoding".into()),
            Role::SecurityRequirement => Some("a security requirement".into()),
            Role::Tag => Some("a tag".into()),
            Role::Discriminator => Some("a discriminator".into()),
            Role::Example => Some("an example".into()),
            other => other.bare().map(|bare| format!("a {bare}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_follow_the_document_structure() {
        let role = |p: &str| role_at(&Pointer::from_fragment(p).expect("a pointer"));
        assert_eq!(role("#/paths/~1a/get/parameters/0"), Role::Parameter);
        assert_eq!(role("#/paths/~1a/parameters/0"), Role::Parameter);
        assert_eq!(role("#/components/parameters/p"), Role::Parameter);
        assert_eq!(role("#/paths/~1a/get/requestBody"), Role::RequestBody);
        assert_eq!(
            role("#/components/schemas/parameters/properties/parameters"),
            Role::Schema
        );
        assert_eq!(
            role("#/components/schemas/X/properties/parameters/description"),
            Role::Other
        );
        assert_eq!(
            role("#/components/securitySchemes/o/flows/implicit"),
            Role::Flow("implicit".into())
        );
        assert_eq!(
            role("#/paths/~1a/post/callbacks/c/{$request.body#~1url}/post/responses/200"),
            Role::Response
        );
        assert_eq!(role("#/paths/~1a/post/callbacks/c/$ref"), Role::Other);
        assert_eq!(role("#/paths/x-internal"), Role::Other);
    }
}
