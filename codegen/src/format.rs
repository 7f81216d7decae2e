//! Stage 4: token stream -> formatted source text (`syn` + `prettyplease`) with the `@generated`
//! header.
//!
//! Parsing the tokens back into a `syn::File` is the most expensive step of the whole pipeline on
//! large documents, so a file made of many independent items ([`format_items`]) is emitted,
//! parsed and printed in chunks on several threads. prettyplease prints a file as its inner
//! attributes followed by each item in turn, so the concatenated chunks are byte-for-byte the
//! file printed whole (a test checks this). Calls of the runtime's macros are laid out one
//! entry per line (`format/macro_calls.rs`); the top-level ones, the bulk of a large file, are
//! printed straight from their tokens without `syn` (`format/direct.rs`).

mod direct;
mod macro_calls;

use proc_macro2::TokenStream;

use crate::error::{ErrorKind, Pointer, SpecError};

/// Formats one generated file.
pub fn format_file(tokens: TokenStream, header: &str) -> Result<String, SpecError> {
    Ok(format!("{header}\n{}", unparse(tokens)?))
}

/// The text of `tokens`: top-level runtime macro calls printed directly (`format/direct.rs`),
/// the items between them through `syn` and `prettyplease`.
fn unparse(tokens: TokenStream) -> Result<String, SpecError> {
    let mut out = String::new();
    for segment in direct::split(tokens) {
        match segment {
            direct::Segment::Items(items) => out.push_str(&unparse_items(items)?),
            direct::Segment::Call(text) => {
                out.push_str(&text);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

/// `tokens` parsed by `syn` and printed by `prettyplease`, runtime macro calls laid out.
fn unparse_items(tokens: TokenStream) -> Result<String, SpecError> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| {
        SpecError::new(
            Pointer::root(),
            ErrorKind::Internal(format!(
                "the generator produced tokens that do not parse as Rust: {e}"
            )),
        )
    })?;
    Ok(macro_calls::layout(prettyplease::unparse(&file)))
}

/// Items per chunk below which a file is formatted on the calling thread.
const MIN_CHUNK: usize = 64;

/// Formats a file made of `prelude` (inner attributes, module docs) and independent `items`,
/// emitting (`item`) and formatting them in chunks on up to the machine's parallelism in threads.
/// Token streams cannot cross threads, so each thread emits its own chunk.
pub fn format_items<T: Sync>(
    header: &str,
    prelude: fn() -> TokenStream,
    items: &[T],
    item: &(dyn Fn(&T) -> TokenStream + Sync),
) -> Result<String, SpecError> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(workers).max(MIN_CHUNK);
    format_chunked(header, prelude, items, item, chunk)
}

pub(crate) fn format_chunked<T: Sync>(
    header: &str,
    prelude: fn() -> TokenStream,
    items: &[T],
    item: &(dyn Fn(&T) -> TokenStream + Sync),
    chunk: usize,
) -> Result<String, SpecError> {
    let format_chunk = |first: bool, part: &[T]| {
        let mut tokens = if first { prelude() } else { TokenStream::new() };
        tokens.extend(part.iter().map(item));
        unparse(tokens)
    };
    let parts: Vec<&[T]> = items.chunks(chunk.max(1)).collect();
    let outputs: Vec<Result<String, SpecError>> = if parts.len() <= 1 {
        vec![format_chunk(true, parts.first().copied().unwrap_or(&[]))]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .iter()
                .enumerate()
                .map(|(i, part)| scope.spawn(move || format_chunk(i == 0, part)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(SpecError::new(
                            Pointer::root(),
                            ErrorKind::Internal("a formatting thread panicked".into()),
                        ))
                    })
                })
                .collect()
        })
    };
    let mut out = format!("{header}\n");
    for part in outputs {
        out.push_str(&part?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, emit, load, lower};

    /// Printing the top-level runtime macro calls directly gives exactly what `syn`,
    /// `prettyplease` and the layout of `macro_calls.rs` give, on every fixture and document of
    /// `spec/`; and every such call of those documents is printed directly.
    #[test]
    fn direct_calls_are_exactly_the_syn_way() {
        let mut calls = 0;
        let dir = |d: &str| {
            let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
            std::fs::read_dir(format!("{root}/{d}"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "json"))
                .collect::<Vec<_>>()
        };
        let mut docs = dir("tests/fixtures");
        docs.extend(dir("spec"));
        docs.sort();
        for path in docs {
            let text = std::fs::read_to_string(&path).unwrap();
            let Ok(doc) = load::load(&text) else { continue };
            let Ok((api, _)) = lower::lower(&doc, &Options::default()) else {
                continue;
            };
            let layout = emit::Layout::default();
            for tokens in [emit::types(&api, &layout), emit::operations(&api, &layout)] {
                let segments = direct::split(tokens.clone());
                calls += segments
                    .iter()
                    .filter(|s| matches!(s, direct::Segment::Call(_)))
                    .count();
                for segment in &segments {
                    if let direct::Segment::Items(items) = segment {
                        let text = unparse_items(items.clone()).unwrap();
                        assert!(
                            !text
                                .lines()
                                .any(|l| l.starts_with("::aps_auth_runtime::contract::")),
                            "{}: a top-level call went the syn way:\n{text}",
                            path.display()
                        );
                    }
                }
                let (direct, syn_way) = (
                    unparse(tokens.clone()).unwrap(),
                    unparse_items(tokens).unwrap(),
                );
                let differs = direct.lines().zip(syn_way.lines()).find(|(a, b)| a != b);
                assert_eq!(differs, None, "{}", path.display());
                assert_eq!(direct, syn_way, "{}", path.display());
            }
        }
        assert!(calls > 500, "only {calls} calls printed directly");
    }

    /// Chunked formatting must give the bytes of whole-file formatting, for any chunk size.
    #[test]
    fn chunks_concatenate_to_the_whole_file() {
        for text in [
            include_str!("../../tests/fixtures/naming.yaml"),
            include_str!("../../tests/fixtures/types.yaml"),
            include_str!("../../spec/aps-authentication-v2.yaml"),
        ] {
            let doc = load::load(text).unwrap();
            let (api, _) = lower::lower(&doc, &Options::default()).unwrap();
            let layout = emit::Layout::default();
            let whole = format_file(emit::types(&api, &layout), "// h").unwrap();
            let emitter = emit::Emitter::new(&api, &layout);
            let items = emitter.types_items();
            for chunk in [1, 2, 3, 100] {
                let chunked = format_chunked(
                    "// h",
                    emit::types_prelude,
                    &items,
                    &|item| emitter.types_item(item),
                    chunk,
                )
                .unwrap();
                assert_eq!(chunked, whole, "chunk size {chunk}");
            }
        }
    }
}
