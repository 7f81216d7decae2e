//! Shared by the transfer tests (`oss_transfer.rs`, `oss_transfer_memory.rs`): a two-legged OSS
//! client of the test server with a fresh bucket, and test files generated on disk (never
//! committed, removed on drop) compared byte by byte while streaming.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aps_auth_generated::generated::oss;
use aps_auth_generated::generated::oss::types::{CreateBucketsPayload, PolicyKey, Region};
use aps_auth_generated::{Client, StaticToken};
use aps_auth_tests::oidc::{BASIC_CLIENT, OidcServer};
use tokio::io::AsyncReadExt;

/// An OSS client of `server` with an app token for buckets and objects, and a new bucket.
pub async fn oss_with_bucket(server: &OidcServer, bucket: &str) -> oss::Client {
    let scope = "bucket:create bucket:delete data:read data:write";
    let answer: serde_json::Value = reqwest::Client::new()
        .post(server.url("/authentication/v2/token"))
        .basic_auth(BASIC_CLIENT.0, Some(BASIC_CLIENT.1))
        .form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = answer["access_token"].as_str().expect("a token").to_owned();
    let client = Client::builder()
        .base_url(server.base_url())
        .token_source(StaticToken::new(token))
        .timeout(Some(Duration::from_secs(30)))
        .build()
        .unwrap();
    let oss = oss::Client::from_client(client);
    oss.create_bucket(
        Region::US,
        &CreateBucketsPayload::new(bucket, PolicyKey::Transient),
    )
    .await
    .unwrap();
    oss
}

/// A file of pseudo-random bytes in the temp directory, removed on drop.
pub struct TestFile {
    pub path: PathBuf,
    pub len: u64,
}

impl TestFile {
    /// Writes `len` bytes (a xorshift stream from `seed`) in 1 MiB pieces.
    pub fn new(name: &str, len: u64, seed: u64) -> TestFile {
        use std::io::Write;
        let path = std::env::temp_dir().join(format!("aps-auth-{}-{name}", std::process::id()));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut x = seed | 1;
        let mut left = len;
        let mut piece = vec![0u8; 1 << 20];
        while left > 0 {
            let n = left.min(piece.len() as u64) as usize;
            for word in piece[..n].chunks_mut(8) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                word.copy_from_slice(&x.to_le_bytes()[..word.len()]);
            }
            out.write_all(&piece[..n]).unwrap();
            left -= n as u64;
        }
        out.flush().unwrap();
        TestFile { path, len }
    }

    /// A path beside it for a download, removed when this file is.
    pub fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self.path.file_name().unwrap().to_owned();
        name.push(suffix);
        self.path.with_file_name(name)
    }
}

impl Drop for TestFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        for suffix in [".down", ".down2"] {
            let _ = std::fs::remove_file(self.sibling(suffix));
        }
    }
}

/// Whether two files hold the same bytes, read in 1 MiB pieces.
pub async fn same_bytes(a: &Path, b: &Path) -> bool {
    let (mut a, mut b) = (
        tokio::fs::File::open(a).await.unwrap(),
        tokio::fs::File::open(b).await.unwrap(),
    );
    let (mut x, mut y) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = read_full(&mut a, &mut x).await;
        let m = read_full(&mut b, &mut y).await;
        if n != m || x[..n] != y[..m] {
            return false;
        }
        if n == 0 {
            return true;
        }
    }
}

async fn read_full(file: &mut tokio::fs::File, buf: &mut [u8]) -> usize {
    let mut at = 0;
    while at < buf.len() {
        let n = file.read(&mut buf[at..]).await.unwrap();
        if n == 0 {
            break;
        }
        at += n;
    }
    at
}
