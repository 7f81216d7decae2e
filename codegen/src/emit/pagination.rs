//! The paging methods of a paged operation's call builder ([`crate::model::Pagination`]):
//! `pages()`, a stream of the typed pages, and, when the item array is known, `items()`, a
//! stream of its items; and the builder's `Clone`, which the stream uses to send the call once
//! a page. The streams are the runtime's `Pages` and `Items` (`paging/`); this file only says
//! where the next link and the items are.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Emitter, Layout, ident};
use crate::model::{FieldPath, Operation, OperationKind, ResponseBody};

impl Emitter<'_> {
    /// The items beside a paged operation's builder; nothing for the others.
    pub(super) fn paging(&self, op: &Operation) -> TokenStream {
        let (
            Some(pagination),
            OperationKind::Call {
                success: ResponseBody::Json(success),
                error,
            },
        ) = (&op.pagination, &op.kind)
        else {
            return quote!();
        };
        let builder = ident(&op.builder);
        let rt = super::runtime();
        let (page_ty, error_ty) = (self.ty(success), self.ty(error));
        let client = match self.layout {
            Layout::Root { .. } => quote!(self.client),
            Layout::Nested => quote!(&self.client.0),
        };
        let fields = self.inputs(op).into_iter().map(|i| {
            let n = i.name;
            quote!(#n: ::std::clone::Clone::clone(&self.#n),)
        });
        let next_pointer = &pagination.next.pointer;
        let param = match &pagination.param {
            Some(param) => quote!(Some(#param)),
            None => quote!(None),
        };
        let next_expr = borrowed(&pagination.next);
        let how = match &pagination.param {
            Some(param) => format!(
                "this call again with the query parameter `{param}` set to its predecessor's \
                 cursor (`{next_pointer}`)"
            ),
            None => format!("each page its predecessor's next link (`{next_pointer}`) names"),
        };
        let pages_doc = format!(
            " Every page of the answer, in order: page 1 as this call was built, then {how}, \
             until a page has none. See [`Pages`](::aps_auth_runtime::Pages) for the bound on \
             pages and the links it refuses."
        );
        let pages = quote! {
            #[doc = #pages_doc]
            pub fn pages(self) -> #rt::Pages<'a, #page_ty, #error_ty> {
                fn read(page: &#page_ty) -> Option<&str> {
                    Some(#next_expr)
                }
                let next = #rt::NextLink { pointer: #next_pointer, read, param: #param };
                #rt::Pages::new(#client, self, next)
            }
        };
        let items = pagination.items.as_ref().map(|items| {
            let item_ty = self.ty(&items.item);
            let take_expr = moved(&items.path);
            let doc = format!(
                " Every item of every page (`{}` of each page), in order: [`Self::pages`], one \
                 page held at a time.",
                items.path.pointer
            );
            quote! {
                #[doc = #doc]
                pub fn items(self) -> #rt::Items<'a, #page_ty, #item_ty, #error_ty> {
                    fn take(page: #page_ty) -> Vec<#item_ty> {
                        fn inner(page: #page_ty) -> Option<Vec<#item_ty>> {
                            #take_expr
                        }
                        inner(page).unwrap_or_default()
                    }
                    #rt::Items::new(self.pages(), take)
                }
            }
        });
        quote! {
            impl ::std::clone::Clone for #builder<'_> {
                fn clone(&self) -> Self {
                    Self { client: self.client, options: self.options, #( #fields )* }
                }
            }

            impl<'a> #builder<'a> {
                #pages
                #items
            }
        }
    }
}

/// `page.a.as_ref()?.b.as_str()`: the link, borrowed from the page.
fn borrowed(path: &FieldPath) -> TokenStream {
    let mut expr = quote!(page);
    for step in &path.steps {
        let field = ident(&step.field);
        expr = match step.optional {
            true => quote!(#expr.#field.as_ref()?),
            false => quote!(#expr.#field),
        };
    }
    quote!(#expr.as_str())
}

/// `Some(page.a?.b)`, or `page.a?.b` when `b` is optional: the item array, moved out of the
/// page.
fn moved(path: &FieldPath) -> TokenStream {
    let mut expr = quote!(page);
    let last = path.steps.len().saturating_sub(1);
    for (i, step) in path.steps.iter().enumerate() {
        let field = ident(&step.field);
        expr = match step.optional && i < last {
            true => quote!(#expr.#field?),
            false => quote!(#expr.#field),
        };
    }
    match path.steps.last().is_some_and(|s| s.optional) {
        true => expr,
        false => quote!(Some(#expr)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{file, squash};

    #[test]
    fn a_paged_call_gets_pages_items_and_clone() {
        let out = file(
            "paths:\n  /c:\n    get:\n      operationId: list\n      parameters: [{name: 'page[number]', in: query, schema: {type: integer}}]\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {type: object, required: [data], properties: {links: {type: object, properties: {next: {type: object, required: [href], properties: {href: {type: string}}}}}, data: {type: array, items: {type: string}}}}}}}\n",
            "operations.rs",
        );
        assert!(
            out.contains(&squash("impl ::std::clone::Clone for ListCall<'_>")),
            "{out}"
        );
        assert!(out.contains(&squash("pub fn pages(self,) -> ::aps_auth_runtime::Pages<'a, ListResponse, serde_json::Value>")), "{out}");
        assert!(
            out.contains(&squash(
                "Some(page.links.as_ref()?.next.as_ref()?.href.as_str())"
            )),
            "{out}"
        );
        assert!(
            out.contains(&squash("pointer: \"/links/next/href\"")),
            "{out}"
        );
        assert!(out.contains(&squash("pub fn items(self,) -> ::aps_auth_runtime::Items<'a, ListResponse, String, serde_json::Value>")), "{out}");
        assert!(out.contains(&squash("Some(page.data)")), "{out}");
    }

    #[test]
    fn a_call_without_a_next_link_gets_none() {
        let out = file(
            "paths:\n  /c:\n    get:\n      operationId: one\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {type: object, properties: {data: {type: array, items: {type: string}}}}}}}\n",
            "operations.rs",
        );
        assert!(!out.contains("pub fn pages"), "{out}");
        assert!(!out.contains("Clone for"), "{out}");
    }
}
