//! Data Management command answers decode into the command that ran.
//!
//! `#/components/schemas/Command` tells its `data` apart by a discriminator whose `propertyName`
//! is the path `attributes/extension/type` (OpenAPI wants a top-level property). The generated
//! `CommandData` follows that path; these tests send answers built from the document's own
//! examples of each command (`x-examples`) through the generated client.

use aps_auth_generated::generated::data_management::{self, types::CommandData};
use aps_auth_generated::{Client, StaticToken};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The document's first example of the component schema `name`.
fn example(doc: &Value, name: &str) -> Value {
    let examples = &doc["components"]["schemas"][name]["x-examples"];
    examples
        .as_object()
        .and_then(|e| e.values().next())
        .cloned()
        .unwrap_or_else(|| panic!("{name} has an example"))
}

/// What the service answers to a command whose `data` is `data`.
fn answer(data: Value) -> Value {
    json!({"jsonapi": {"version": "1.0"}, "data": data})
}

async fn execute(answer: &Value) -> Option<CommandData> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/data/v1/projects/b.project/commands"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .token_source(StaticToken::new("token"))
        .strict_decoding(true)
        .build()
        .unwrap();
    let dm = data_management::Client::from_client(client);
    let command = dm.execute_command("b.project").await.unwrap();
    command.into_inner().data
}

#[tokio::test]
async fn each_documented_command_answer_decodes_into_its_command() {
    let doc: Value =
        yaml_serde::from_str(&aps_auth_tests::read("spec/data-management.yaml")).unwrap();
    // Examples of `data` alone.
    let check = execute(&answer(example(&doc, "CheckPermission"))).await;
    let Some(CommandData::CheckPermission(check)) = check else {
        panic!("not CheckPermission: {check:?}")
    };
    assert_eq!(
        check.id.as_deref(),
        Some("d3bbe753-ae0a-450d-bbe3-cfd4648f0437")
    );
    let job = execute(&answer(example(&doc, "PublishModelJob"))).await;
    assert!(
        matches!(job, Some(CommandData::PublishModelJob(_))),
        "{job:?}"
    );
    // PublishModel's example is a whole answer.
    let publish = execute(&example(&doc, "PublishModel")).await;
    assert!(
        matches!(publish, Some(CommandData::PublishModel(_))),
        "{publish:?}"
    );
    // A command the document does not list is kept as JSON.
    let unknown = answer(json!({
        "type": "commands",
        "id": "d3bbe753-ae0a-450d-bbe3-cfd4648f0437",
        "attributes": {"extension": {"type": "commands:autodesk.core:Unknown", "version": "1.0.0"}},
    }));
    let other = execute(&unknown).await;
    assert!(matches!(other, Some(CommandData::Other(_))), "{other:?}");
}
