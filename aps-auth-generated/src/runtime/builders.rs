//! The trait impls every generated call builder needs, written once (`builder!`): a `Debug`
//! that prints only the builder's name (its inputs may hold tokens), and, for a call, the
//! `IntoFuture` that makes `.await` on the builder send it.

/// `builder!(NameCall)`: the redacted `Debug`. `builder!(NameCall => Ok, Err)`: that, and
/// `IntoFuture` with `Output = Result<ApiResponse<Ok>, Error<Err>>`, which boxes `send()`.
#[allow(unused_macros)] // a document without enums, unions or calls leaves some unused
macro_rules! builder {
    ($builder:ident) => {
        impl ::std::fmt::Debug for $builder<'_> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($builder)).finish_non_exhaustive()
            }
        }
    };
    ($builder:ident => $ok:ty, $err:ty) => {
        $crate::runtime::builders::builder!($builder);

        impl<'a> ::std::future::IntoFuture for $builder<'a> {
            type Output = Result<$crate::ApiResponse<$ok>, $crate::Error<$err>>;
            type IntoFuture =
                ::std::pin::Pin<Box<dyn ::std::future::Future<Output = Self::Output> + Send + 'a>>;
            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}
pub(crate) use builder;

#[cfg(test)]
mod tests {
    struct SecretCall<'a> {
        token: &'a str,
    }

    impl SecretCall<'_> {
        async fn send(self) -> Result<crate::ApiResponse<usize>, crate::Error<()>> {
            Err(crate::Error::InvalidRequest(format!(
                "{} bytes",
                self.token.len()
            )))
        }
    }
    builder!(SecretCall => usize, ());

    #[test]
    fn debug_prints_the_builders_name_and_no_input() {
        let call = SecretCall { token: "s3cr3t" };
        assert_eq!(format!("{call:?}"), "SecretCall { .. }");
    }

    #[tokio::test]
    async fn awaiting_the_builder_sends_it() {
        let answer = SecretCall { token: "s3cr3t" }.await;
        assert!(matches!(answer, Err(crate::Error::InvalidRequest(m)) if m == "6 bytes"));
    }
}
