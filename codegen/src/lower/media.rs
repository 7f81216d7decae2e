//! Media types: which encoding a content type gets, and which one is preferred when an operation
//! offers several.

use crate::model::Media;

/// The encoding for a media type (parameters like `; charset=utf-8` ignored); `None` for
/// multipart, which is not supported.
pub(super) fn classify_media(mime: &str) -> Option<Media> {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        Some(Media::Json)
    } else if essence == "application/x-www-form-urlencoded" {
        Some(Media::Form)
    } else if essence.starts_with("multipart/") {
        None
    } else if essence.starts_with("text/") || essence.ends_with("/xml") || essence.ends_with("+xml")
    {
        Some(Media::Text)
    } else {
        Some(Media::Binary)
    }
}

/// Preference among supported encodings: lower is better.
pub(super) fn media_rank(media: Media) -> u8 {
    match media {
        Media::Json => 0,
        Media::Form => 1,
        Media::Text => 2,
        Media::Binary => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_by_essence() {
        assert_eq!(
            classify_media("application/json; charset=utf-8"),
            Some(Media::Json)
        );
        assert_eq!(
            classify_media("application/vnd.api+json"),
            Some(Media::Json)
        );
        assert_eq!(
            classify_media("application/x-www-form-urlencoded"),
            Some(Media::Form)
        );
        assert_eq!(classify_media("multipart/form-data"), None);
        assert_eq!(classify_media("application/xml"), Some(Media::Text));
        assert_eq!(
            classify_media("application/octet-stream"),
            Some(Media::Binary)
        );
        assert!(media_rank(Media::Json) < media_rank(Media::Binary));
    }
}
