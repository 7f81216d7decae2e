//! Builder glue written once. `builder!`: the trait impls every generated call builder needs,
//! a `Debug` that prints only the builder's name (its inputs may hold tokens) and, for a call,
//! the `IntoFuture` that makes `.await` on the builder send it. `setters!`: the `with_<field>`
//! setters of a generated struct's optional fields.

/// `builder!(NameCall)`: the redacted `Debug`. `builder!(NameCall => Ok, Err)`: that, the
/// per-call `retry_policy` and `timeout` setters (the builder has an `options:
/// contract::CallOptions` field), and `IntoFuture` with `Output = Result<ApiResponse<Ok>,
/// Error<Err>>`, which boxes `send()`.
#[doc(hidden)]
#[macro_export]
macro_rules! builder {
    ($builder:ident) => {
        impl ::std::fmt::Debug for $builder<'_> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($builder)).finish_non_exhaustive()
            }
        }
    };
    ($builder:ident => $ok:ty, $err:ty) => {
        $crate::builder!($builder);

        impl<'a> $builder<'a> {
            /// Retries this call as `policy` says, instead of the client's policy
            /// (`ClientBuilder::retry_policy`); `RetryPolicy::none()` sends it once. Only a call
            /// safe to repeat is ever retried.
            pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
                self.options.retry = Some(policy);
                self
            }

            /// The timeout of each attempt of this call, instead of the client's
            /// (`ClientBuilder::timeout`). A retry's timeout also ends at the retry deadline.
            pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.options.timeout = Some(timeout);
                self
            }
        }

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

/// `setters!(Name { with_a(a, "a"): A, #[deprecated] with_b(r#b, "b"): B })`: for each optional
/// field, `pub fn with_a(self, value: impl Into<A>) -> Self`, which sets it to `Some(value)`,
/// documented "Sets `a`." (the string is the field's name as the reader knows it).
#[doc(hidden)]
#[macro_export]
macro_rules! setters {
    ($name:ident { $( $(#[$attr:meta])* $setter:ident($field:ident, $label:literal): $ty:ty ),* $(,)? }) => {
        impl $name {
            $(
                #[doc = concat!("Sets `", $label, "`.")]
                $(#[$attr])*
                pub fn $setter(mut self, value: impl Into<$ty>) -> Self {
                    self.$field = Some(value.into());
                    self
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    struct SecretCall<'a> {
        token: &'a str,
        options: crate::contract::CallOptions,
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

    #[derive(Default)]
    struct Value {
        r#type: Option<String>,
        size: Option<u64>,
    }
    setters!(Value {
        with_type(r#type, "type"): String,
        #[deprecated = "old"]
        with_size(size, "size"): u64,
    });

    #[test]
    #[allow(deprecated)]
    fn setters_set_optional_fields() {
        let value = Value::default().with_type("a").with_size(7u32);
        assert_eq!(value.r#type.as_deref(), Some("a"));
        assert_eq!(value.size, Some(7));
    }

    #[test]
    fn debug_prints_the_builders_name_and_no_input() {
        let call = SecretCall {
            token: "s3cr3t",
            options: Default::default(),
        };
        assert_eq!(format!("{call:?}"), "SecretCall { .. }");
    }

    #[tokio::test]
    async fn awaiting_the_builder_sends_it() {
        let answer = SecretCall {
            token: "s3cr3t",
            options: Default::default(),
        }
        .retry_policy(crate::RetryPolicy::none())
        .timeout(std::time::Duration::from_secs(1));
        assert_eq!(answer.options.retry, Some(crate::RetryPolicy::none()));
        assert_eq!(
            answer.options.timeout,
            Some(std::time::Duration::from_secs(1))
        );
        let answer = answer.await;
        assert!(matches!(answer, Err(crate::Error::InvalidRequest(m)) if m == "6 bytes"));
    }
}
