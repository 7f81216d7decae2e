//! Stage 4: token stream -> formatted source text (`syn` + `prettyplease`) with the `@generated`
//! header.

use proc_macro2::TokenStream;

use crate::error::{ErrorKind, Pointer, SpecError};

/// Formats one generated file.
pub fn format_file(tokens: TokenStream, header: &str) -> Result<String, SpecError> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| {
        SpecError::new(
            Pointer::root(),
            ErrorKind::Internal(format!(
                "the generator produced tokens that do not parse as Rust: {e}"
            )),
        )
    })?;
    Ok(format!("{header}\n{}", prettyplease::unparse(&file)))
}
