//! The API shape of a call: which inputs the method that starts it takes as positional arguments
//! (required parameters in call order, then a required API key and a required body) and which
//! are setters of its builder (every optional input, in the same order, plus the bearer token
//! and the HTTP Basic credentials, which the client can supply). The emitter and the API surface
//! print [`Operation::inputs`]; nothing else decides it.

use crate::model::{Auth, Input, InputSource, Operation, Passing};

/// The input that carries the request body.
pub(super) const BODY: &str = "body";
/// The input that carries a bearer token.
pub(super) const BEARER_TOKEN: &str = "bearer_token";
/// The input that carries HTTP Basic client credentials.
pub(super) const BASIC_AUTH: &str = "basic_auth";
/// The input that carries an API key.
pub(super) const API_KEY: &str = "api_key";

/// Names a call builder uses for itself (its client, its inputs other than parameters, its
/// finishing methods), which a parameter's Rust name may not take.
pub(super) const BUILDER_NAMES: &[&str] = &[
    "client",
    BODY,
    BEARER_TOKEN,
    BASIC_AUTH,
    API_KEY,
    "send",
    "url",
    "into_future",
    // The call's own overrides (the runtime's `builder!`) and where it keeps them.
    "options",
    "retry_policy",
    "timeout",
];

/// The inputs of `op` (whose parameters, auth and body are lowered): arguments first, in order,
/// then setters.
pub(super) fn inputs(op: &Operation) -> Vec<Input> {
    let mut all: Vec<(Input, bool)> = Vec::new();
    let mut push = |name: &str, source: InputSource, required: bool| {
        let input = Input {
            name: name.to_owned(),
            source,
            passing: Passing::Setter,
        };
        all.push((input, required));
    };
    for (i, p) in op.params.iter().enumerate() {
        push(&p.rust_name, InputSource::Param(i), p.required);
    }
    match &op.auth {
        Auth::None => {}
        // Never a required argument: the client's token source gives one when the call does not.
        Auth::Bearer { .. } => push(BEARER_TOKEN, InputSource::BearerToken, false),
        // Never a required argument: the client's credentials serve when the call has none.
        Auth::Basic { .. } => push(BASIC_AUTH, InputSource::BasicAuth, false),
        Auth::ApiKey { optional, .. } => push(API_KEY, InputSource::ApiKey, !optional),
    }
    if let Some(body) = &op.body {
        push(BODY, InputSource::Body, body.required);
    }
    let (mut arguments, setters): (Vec<_>, Vec<_>) = all.into_iter().partition(|(_, r)| *r);
    for (input, _) in &mut arguments {
        input.passing = Passing::Argument;
    }
    arguments
        .into_iter()
        .chain(setters)
        .map(|(input, _)| input)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::lowered;
    use crate::model::{InputSource, Passing};

    #[test]
    fn required_inputs_are_arguments_in_call_order_and_optional_ones_setters() {
        let (api, _) = lowered(
            "components: {securitySchemes: {k: {type: apiKey, in: header, name: X-Key}}}\npaths:\n  /a/{second}/{first}:\n    post:\n      operationId: send\n      security: [{k: []}]\n      parameters:\n        - {name: first, in: path, required: true, schema: {type: integer}}\n        - {name: q, in: query, schema: {type: string}}\n        - {name: second, in: path, required: true, schema: {type: string}}\n      requestBody: {content: {text/plain: {}}}\n      responses: {'204': {description: ok}}\n",
        );
        let op = &api.operations[0];
        let shape: Vec<(&str, Passing)> = op
            .inputs
            .iter()
            .map(|i| (i.name.as_str(), i.passing))
            .collect();
        assert_eq!(
            shape,
            [
                ("second", Passing::Argument),
                ("first", Passing::Argument),
                ("api_key", Passing::Argument),
                ("q", Passing::Setter),
                ("body", Passing::Setter),
            ]
        );
        assert_eq!(
            op.input(InputSource::ApiKey).map(|i| i.passing),
            Some(Passing::Argument)
        );
    }
}
