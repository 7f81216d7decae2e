//! Stage 4: token stream -> formatted source text (`syn` + `prettyplease`) with the `@generated`
//! header.
//!
//! Parsing the tokens back into a `syn::File` is the most expensive step of the whole pipeline on
//! large documents, so a file made of many independent items ([`format_items`]) is emitted,
//! parsed and printed in chunks on several threads. prettyplease prints a file as its inner
//! attributes followed by each item in turn, so the concatenated chunks are byte-for-byte the
//! file printed whole (a test checks this). Calls of the runtime's macros are then laid out one
//! entry per line (`format/macro_calls.rs`).

mod macro_calls;

use proc_macro2::TokenStream;

use crate::error::{ErrorKind, Pointer, SpecError};

/// Formats one generated file.
pub fn format_file(tokens: TokenStream, header: &str) -> Result<String, SpecError> {
    Ok(format!("{header}\n{}", unparse(tokens)?))
}

fn unparse(tokens: TokenStream) -> Result<String, SpecError> {
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
