//! The SHA-1 check of a download: OSS's digest read as hex or base64, a file's digest.

use base64::Engine;
use tokio::io::AsyncReadExt;

/// OSS's `sha1` as lowercase hex: the service sends hex, the document says `format: byte`
/// (base64); anything else is not checked.
pub(crate) fn sha1_hex(value: &str) -> Option<String> {
    if value.len() == 40 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(value.to_ascii_lowercase());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()?;
    (bytes.len() == 20).then(|| bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The SHA-1 of a file, read in 256 KiB pieces.
pub(crate) async fn file_sha1(file: &mut tokio::fs::File) -> std::io::Result<String> {
    let mut sha1 = sha1_smol::Sha1::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            return Ok(sha1.digest().to_string());
        }
        sha1.update(&buf[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osss_sha1_is_read_as_hex_or_base64() {
        let hex = "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12";
        assert_eq!(sha1_hex(hex).as_deref(), Some(hex));
        assert_eq!(sha1_hex(&hex.to_uppercase()).as_deref(), Some(hex));
        assert_eq!(
            sha1_hex("L9ThxnotKPzthJ7hu3bnORuT6xI=").as_deref(),
            Some(hex)
        );
        assert_eq!(sha1_hex("not a digest"), None);
    }
}
