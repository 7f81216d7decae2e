//! Encryption at rest (cargo feature `encryption`): the application's keys ([`EncryptionKey`],
//! [`KeyRing`] with key ids), and the sealed envelope that [`EncryptedStore`](super::EncryptedStore)
//! writes, with the refusals of an entry that does not open ([`EntryRefused`]).
//!
//! The envelope is text, `v1.<key id>.<nonce>.<ciphertext>` (nonce and ciphertext in unpadded
//! URL-safe base64): XChaCha20-Poly1305 with a random 24-byte nonce (random nonces are safe at
//! any volume with that nonce size) and its 16-byte tag at the end of the ciphertext. The
//! associated data binds the format version, the key id, what the envelope is for, and where it
//! is kept (the store key and the entry's version), so an envelope copied elsewhere, or whose
//! version was changed, does not open.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::{DecodePaddingMode, GeneralPurpose as Engine};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroize as _;

/// The only format this build writes and reads (`v1.`).
const FORMAT: u8 = 1;
/// Bytes of an XChaCha20 nonce.
const NONCE_LEN: usize = 24;
/// Bytes of a Poly1305 tag.
const TAG_LEN: usize = 16;
/// The longest key id.
const MAX_ID_LEN: usize = 64;

/// What an envelope is for; bound in the associated data, so one kind never opens as another.
#[derive(Clone, Copy)]
pub(super) enum Purpose {
    /// A [`TokenStore`](super::TokenStore) entry.
    StoreEntry = 1,
    /// The application's own data ([`KeyRing::seal`]).
    Application = 2,
}

/// A 256-bit key for XChaCha20-Poly1305. Its `Debug` is redacted, it has no `Display`, and its
/// bytes are overwritten with zeros when it is dropped. Generate one with `openssl rand -base64
/// 32` (or [`EncryptionKey::generate`]) and keep it in a secret manager, not beside the store.
#[derive(Clone)]
pub struct EncryptionKey {
    cipher: XChaCha20Poly1305,
}

impl EncryptionKey {
    /// A key from 32 bytes (the caller's copy is the caller's to erase).
    pub fn from_bytes(mut bytes: [u8; 32]) -> Self {
        let cipher = XChaCha20Poly1305::new(&bytes.into());
        bytes.zeroize();
        EncryptionKey { cipher }
    }

    /// A key from the base64 of 32 bytes (standard or URL-safe alphabet, padded or not,
    /// surrounding whitespace ignored). The error never holds the text.
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let mut buffer = [0u8; 48];
        let decoded = [STANDARD_ANY, URL_SAFE_ANY]
            .iter()
            .find_map(|engine| engine.decode_slice(text, &mut buffer).ok());
        let result = match decoded {
            Some(32) => {
                let mut bytes = [0u8; 32];
                bytes.copy_from_slice(&buffer[..32]);
                Ok(EncryptionKey::from_bytes(bytes))
            }
            Some(_) => Err(KeyError::Key {
                reason: "not 32 bytes once decoded",
            }),
            None => Err(KeyError::Key {
                reason: "not base64 (or longer than 32 bytes)",
            }),
        };
        buffer.zeroize();
        result
    }

    /// A new random key, from the operating system's generator.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(EncryptionKey::from_bytes(bytes))
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EncryptionKey([redacted])")
    }
}

const ANY_PADDING: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_ANY: Engine = GeneralPurpose::new(&base64::alphabet::STANDARD, ANY_PADDING);
const URL_SAFE_ANY: Engine = GeneralPurpose::new(&base64::alphabet::URL_SAFE, ANY_PADDING);

/// The application's keys: one current key, which seals every write, and older ones, which
/// still open what they sealed. Each has an id (1 to 64 of `A-Z a-z 0-9 _ -`), written in
/// clear in every envelope so a read picks its key. To rotate: make the new key current and
/// keep the old one in the ring until every entry was rewritten (see the README).
#[derive(Clone)]
pub struct KeyRing {
    current: String,
    keys: BTreeMap<String, EncryptionKey>,
}

impl KeyRing {
    /// A ring whose current key is `key`, under the id `id`.
    pub fn new(id: &str, key: EncryptionKey) -> Result<Self, KeyError> {
        check_id(id)?;
        Ok(KeyRing {
            current: id.to_owned(),
            keys: BTreeMap::from([(id.to_owned(), key)]),
        })
    }

    /// Adds an older key, used only to open what it sealed. An id already in the ring is
    /// refused.
    pub fn with_previous(mut self, id: &str, key: EncryptionKey) -> Result<Self, KeyError> {
        check_id(id)?;
        if self.keys.contains_key(id) {
            return Err(KeyError::Duplicate { id: id.to_owned() });
        }
        self.keys.insert(id.to_owned(), key);
        Ok(self)
    }

    /// A ring from text as an environment variable or a secret manager holds it: entries
    /// `<id>:<base64 key>` separated by commas or whitespace, the current key first
    /// (`2:q83v...=,1:Zm9v...=`). Errors name the entry by its place, never its text.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let mut ring: Option<KeyRing> = None;
        let entries = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty());
        for (at, entry) in entries.enumerate() {
            let place = |source| KeyError::Entry {
                entry: at + 1,
                source: Box::new(source),
            };
            let Some((id, key)) = entry.split_once(':') else {
                return Err(place(KeyError::Id {
                    reason: "missing: write `<id>:<base64 key>`",
                }));
            };
            let key = EncryptionKey::from_base64(key).map_err(place)?;
            ring = Some(
                match ring {
                    None => KeyRing::new(id, key),
                    Some(ring) => ring.with_previous(id, key),
                }
                .map_err(place)?,
            );
        }
        ring.ok_or(KeyError::Empty)
    }

    /// The id of the key that seals every write.
    pub fn current_id(&self) -> &str {
        &self.current
    }

    /// The ids of every key in the ring (the current one included), in order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// Seals the application's own secret (say, an authorization request's parts kept in a
    /// shared cache) with the current key. `context` says where it is kept (a cache key): the
    /// envelope opens only with the same context. Opens with [`KeyRing::open`] only, never as a
    /// token store entry.
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> Result<String, KeyError> {
        self.seal_for(Purpose::Application, context, plaintext)
    }

    /// Opens what [`KeyRing::seal`] sealed under the same `context`, with whichever key of the
    /// ring sealed it. The plaintext is the caller's secret to keep and erase.
    pub fn open(&self, context: &[u8], sealed: &str) -> Result<Vec<u8>, EntryRefused> {
        self.open_for(Purpose::Application, context, sealed)
    }

    pub(super) fn seal_for(
        &self,
        purpose: Purpose,
        context: &[u8],
        plaintext: &[u8],
    ) -> Result<String, KeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| KeyError::Random(e.to_string()))?;
        let aad = associated_data(purpose, &self.current, context);
        let key = &self.keys[&self.current];
        let ciphertext = key
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            // Fails only past ChaCha's 256 GiB per message.
            .map_err(|_| KeyError::Key {
                reason: "the plaintext is too long to encrypt",
            })?;
        Ok(format!(
            "v{FORMAT}.{}.{}.{}",
            self.current,
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(ciphertext)
        ))
    }

    pub(super) fn open_for(
        &self,
        purpose: Purpose,
        context: &[u8],
        sealed: &str,
    ) -> Result<Vec<u8>, EntryRefused> {
        let mut parts = sealed.split('.');
        let (Some(format), Some(id), Some(nonce), Some(ciphertext), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(if sealed.starts_with(&format!("v{FORMAT}.")) {
                EntryRefused::Malformed {
                    reason: "not four parts separated by dots",
                }
            } else {
                EntryRefused::UnknownFormat
            });
        };
        if format != format!("v{FORMAT}") {
            return Err(EntryRefused::UnknownFormat);
        }
        if check_id(id).is_err() {
            return Err(EntryRefused::Malformed {
                reason: "the key id is not a key id",
            });
        }
        let Some(key) = self.keys.get(id) else {
            return Err(EntryRefused::UnknownKey { key_id: id.into() });
        };
        let nonce: [u8; NONCE_LEN] = URL_SAFE_NO_PAD
            .decode(nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or(EntryRefused::Malformed {
                reason: "the nonce is not 24 bytes of base64",
            })?;
        let ciphertext =
            URL_SAFE_NO_PAD
                .decode(ciphertext)
                .map_err(|_| EntryRefused::Malformed {
                    reason: "the ciphertext is not base64",
                })?;
        if ciphertext.len() < TAG_LEN {
            return Err(EntryRefused::Malformed {
                reason: "the ciphertext is shorter than its tag (truncated)",
            });
        }
        let aad = associated_data(purpose, id, context);
        key.cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| EntryRefused::Tampered)
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("current", &self.current)
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn check_id(id: &str) -> Result<(), KeyError> {
    let reason = if id.is_empty() {
        "empty"
    } else if id.len() > MAX_ID_LEN {
        "longer than 64 characters"
    } else if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        "only A-Z, a-z, 0-9, `_` and `-` may be used"
    } else {
        return Ok(());
    };
    Err(KeyError::Id { reason })
}

/// `aps-auth-sealed`, the format, the purpose, then the key id and the context, each
/// length-prefixed so no two different pairs give the same bytes.
fn associated_data(purpose: Purpose, id: &str, context: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(32 + id.len() + context.len());
    aad.extend_from_slice(b"aps-auth-sealed");
    aad.push(FORMAT);
    aad.push(purpose as u8);
    for part in [id.as_bytes(), context] {
        aad.extend_from_slice(&(part.len() as u64).to_be_bytes());
        aad.extend_from_slice(part);
    }
    aad
}

/// A key or key ring that cannot be built. It never holds key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key is not the base64 of 32 bytes.
    #[error("encryption key: {reason}")]
    Key {
        /// Why.
        reason: &'static str,
    },
    /// A key id is not 1 to 64 of `A-Z a-z 0-9 _ -`.
    #[error("key id: {reason}")]
    Id {
        /// Why.
        reason: &'static str,
    },
    /// Two keys of a ring have the same id.
    #[error("key id {id:?} appears twice in the key ring")]
    Duplicate {
        /// The id.
        id: String,
    },
    /// [`KeyRing::parse`] found no entry.
    #[error("the key ring is empty: write `<id>:<base64 key>`, the current key first")]
    Empty,
    /// An entry of [`KeyRing::parse`]'s text (counted from 1) is wrong.
    #[error("key ring entry {entry}: {source}")]
    Entry {
        /// Its place in the text, from 1.
        entry: usize,
        /// What is wrong with it.
        source: Box<KeyError>,
    },
    /// The operating system gave no random bytes (for a key or a nonce).
    #[error("no randomness: {0}")]
    Random(String),
}

/// Why a sealed entry was not opened. It was not used: the store treats it as absent. No
/// secret and no ciphertext are in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryRefused {
    /// The entry is not sealed: written in clear (before encryption was turned on) or by
    /// something else.
    #[error("the entry is not encrypted")]
    NotSealed,
    /// The envelope is not of a format this build reads (a newer one?).
    #[error("the entry's envelope format is unknown to this build")]
    UnknownFormat,
    /// The envelope is cut short or garbled.
    #[error("the entry's envelope is malformed: {reason}")]
    Malformed {
        /// What is wrong.
        reason: &'static str,
    },
    /// The entry was sealed with a key that is not in the ring (removed too early, or the
    /// ring of another deployment).
    #[error("the entry was sealed with key {key_id:?}, which is not in the key ring")]
    UnknownKey {
        /// The id written in the envelope.
        key_id: String,
    },
    /// The entry does not authenticate: it was modified, moved from another store key, its
    /// version was changed, or it was sealed by another key with the same id.
    #[error(
        "the entry does not authenticate (modified, moved from another key, or another key with \
         the same id)"
    )]
    Tampered,
    /// The entry opened, but what it holds is not a stored token.
    #[error(
        "the entry opened but does not hold a stored token (JSON line {line}, column {column})"
    )]
    Undecodable {
        /// Where the JSON decoder stopped.
        line: usize,
        /// Where the JSON decoder stopped.
        column: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> EncryptionKey {
        EncryptionKey::from_bytes([byte; 32])
    }

    fn ring() -> KeyRing {
        KeyRing::new("k2", key(2))
            .unwrap()
            .with_previous("k1", key(1))
            .unwrap()
    }

    const SECRET: &[u8] = b"{\"access_token\":\"a-very-secret-token\"}";

    fn seal(ring: &KeyRing, context: &[u8]) -> String {
        ring.seal_for(Purpose::StoreEntry, context, SECRET).unwrap()
    }

    fn open(ring: &KeyRing, context: &[u8], sealed: &str) -> Result<Vec<u8>, EntryRefused> {
        ring.open_for(Purpose::StoreEntry, context, sealed)
    }

    /// The envelope with its part `at` (0: format .. 3: ciphertext) replaced by `f` of it.
    fn edit(sealed: &str, at: usize, f: impl Fn(&str) -> String) -> String {
        let mut parts: Vec<String> = sealed.split('.').map(str::to_owned).collect();
        parts[at] = f(&parts[at]);
        parts.join(".")
    }

    /// The base64 text with one bit of its decoded byte `at` flipped.
    fn flip(text: &str, at: usize) -> String {
        let mut bytes = URL_SAFE_NO_PAD.decode(text).unwrap();
        bytes[at] ^= 0x01;
        URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn a_sealed_value_opens_with_its_context_and_shows_nothing_of_it() {
        let ring = ring();
        let sealed = seal(&ring, b"here");
        assert!(sealed.starts_with("v1.k2."), "{sealed}");
        assert!(!sealed.contains("secret") && !sealed.contains("access_token"));
        assert_eq!(open(&ring, b"here", &sealed).unwrap(), SECRET);
        // Random nonces: the same value seals differently every time.
        assert_ne!(seal(&ring, b"here"), sealed);
        // 4 parts: format, key id, 24-byte nonce, ciphertext with its 16-byte tag.
        let parts: Vec<&str> = sealed.split('.').collect();
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().len(), NONCE_LEN);
        assert_eq!(
            URL_SAFE_NO_PAD.decode(parts[3]).unwrap().len(),
            SECRET.len() + TAG_LEN
        );
        // The application's own sealing is separate from the store's.
        let app = ring.seal(b"here", SECRET).unwrap();
        assert_eq!(ring.open(b"here", &app).unwrap(), SECRET);
        assert_eq!(open(&ring, b"here", &app), Err(EntryRefused::Tampered));
        assert_eq!(ring.open(b"here", &sealed), Err(EntryRefused::Tampered));
    }

    #[test]
    fn every_kind_of_corruption_is_refused_by_name() {
        let ring = ring();
        let sealed = seal(&ring, b"here");
        let refused = |text: &str| open(&ring, b"here", text).unwrap_err();
        // Moved to another place, or opened for another version of the entry.
        assert_eq!(open(&ring, b"there", &sealed), Err(EntryRefused::Tampered));
        // Each part changed.
        for at in [0, 5, NONCE_LEN - 1] {
            assert_eq!(
                refused(&edit(&sealed, 2, |n| flip(n, at))),
                EntryRefused::Tampered
            );
        }
        let length = SECRET.len() + TAG_LEN;
        for at in [0, SECRET.len() / 2, SECRET.len(), length - 1] {
            assert_eq!(
                refused(&edit(&sealed, 3, |c| flip(c, at))),
                EntryRefused::Tampered
            );
        }
        // The key id changed to the ring's other key: that key does not open it.
        assert_eq!(
            refused(&edit(&sealed, 1, |_| "k1".into())),
            EntryRefused::Tampered
        );
        assert_eq!(
            refused(&edit(&sealed, 1, |_| "k9".into())),
            EntryRefused::UnknownKey {
                key_id: "k9".into()
            }
        );
        assert!(matches!(
            refused(&edit(&sealed, 1, |_| "k/9".into())),
            EntryRefused::Malformed { .. }
        ));
        // Truncated: ciphertext cut (tag lost or shortened), parts missing, nothing left.
        let cut = |n: usize| edit(&sealed, 3, |c| c[..c.len() - n].to_owned());
        assert_eq!(refused(&cut(4)), EntryRefused::Tampered);
        let bytes = URL_SAFE_NO_PAD
            .decode(sealed.split('.').nth(3).unwrap())
            .unwrap();
        let short = edit(&sealed, 3, |_| {
            URL_SAFE_NO_PAD.encode(&bytes[..TAG_LEN - 1])
        });
        assert!(matches!(refused(&short), EntryRefused::Malformed { .. }));
        assert!(matches!(
            refused(&edit(&sealed, 2, |n| n[..10].to_owned())),
            EntryRefused::Malformed { .. }
        ));
        assert!(matches!(
            refused(&edit(&sealed, 3, |c| format!("{c}!"))),
            EntryRefused::Malformed { .. }
        ));
        let three_parts = sealed.rsplit_once('.').unwrap().0;
        assert!(matches!(
            refused(three_parts),
            EntryRefused::Malformed { .. }
        ));
        assert!(matches!(
            refused(&format!("{sealed}.x")),
            EntryRefused::Malformed { .. }
        ));
        // Another format, or not an envelope at all.
        assert_eq!(
            refused(&edit(&sealed, 0, |_| "v2".into())),
            EntryRefused::UnknownFormat
        );
        assert_eq!(refused(""), EntryRefused::UnknownFormat);
        assert_eq!(
            refused("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"),
            EntryRefused::UnknownFormat
        );
        // No refusal shows the ciphertext.
        let ciphertext = sealed.split('.').nth(3).unwrap();
        for text in [cut(4), short, sealed.replace("v1.", "v2.")] {
            let message = refused(&text).to_string();
            assert!(!message.contains(&ciphertext[..16]), "{message}");
        }
    }

    #[test]
    fn keys_rotate_old_ones_open_the_current_one_seals() {
        let old = KeyRing::new("k1", key(1)).unwrap();
        let sealed_old = seal(&old, b"here");
        let rotated = ring();
        assert_eq!(open(&rotated, b"here", &sealed_old).unwrap(), SECRET);
        let sealed_new = seal(&rotated, b"here");
        assert!(sealed_new.starts_with("v1.k2."));
        let only_new = KeyRing::new("k2", key(2)).unwrap();
        assert_eq!(open(&only_new, b"here", &sealed_new).unwrap(), SECRET);
        assert_eq!(
            open(&old, b"here", &sealed_new),
            Err(EntryRefused::UnknownKey {
                key_id: "k2".into()
            })
        );
        // Another deployment's key under the same id does not open it.
        let impostor = KeyRing::new("k2", key(7)).unwrap();
        assert_eq!(
            open(&impostor, b"here", &sealed_new),
            Err(EntryRefused::Tampered)
        );
    }

    #[test]
    fn keys_and_rings_are_read_from_text_without_echoing_it() {
        let text = URL_SAFE_NO_PAD.encode([9u8; 32]);
        let standard = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
        let ring = KeyRing::parse(&format!(" 2:{standard},\n1:{text} ")).unwrap();
        assert_eq!(ring.current_id(), "2");
        assert_eq!(ring.ids().collect::<Vec<_>>(), ["1", "2"]);
        let debug = format!("{ring:?} {:?}", EncryptionKey::from_base64(&text).unwrap());
        assert_eq!(
            debug,
            r#"KeyRing { current: "2", ids: ["1", "2"] } EncryptionKey([redacted])"#
        );

        let short = URL_SAFE_NO_PAD.encode([9u8; 31]);
        let long = URL_SAFE_NO_PAD.encode([9u8; 33]);
        let far_too_long = URL_SAFE_NO_PAD.encode([9u8; 64]);
        for (bad, expected) in [
            (short.as_str(), "not 32 bytes"),
            (long.as_str(), "not 32 bytes"),
            (far_too_long.as_str(), "not base64 (or longer"),
            ("not base64 at all!", "not base64"),
        ] {
            let error = EncryptionKey::from_base64(bad).unwrap_err().to_string();
            assert!(error.contains(expected) && !error.contains(bad), "{error}");
        }
        let errors = [
            (
                format!("1:{text},1:{text}"),
                "entry 2: key id \"1\" appears twice",
            ),
            (format!("1:{text},{text}"), "entry 2: key id: missing"),
            (format!("a.b:{text}"), "entry 1: key id: only A-Z"),
            (format!(":{text}"), "entry 1: key id: empty"),
            (
                format!("1:{short}"),
                "entry 1: encryption key: not 32 bytes",
            ),
            (" , ".into(), "the key ring is empty"),
        ];
        for (bad, expected) in errors {
            let error = KeyRing::parse(&bad).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
            assert!(
                !error.contains(&text[..8]) && !error.contains(&short[..8]),
                "{error}"
            );
        }
        assert!(KeyRing::new(&"x".repeat(65), key(1)).is_err());
        assert!(KeyRing::new(&"x".repeat(64), key(1)).is_ok());
        let generated = (
            EncryptionKey::generate().unwrap(),
            EncryptionKey::generate().unwrap(),
        );
        let sealed = KeyRing::new("g", generated.0)
            .unwrap()
            .seal(b"", b"x")
            .unwrap();
        let other = KeyRing::new("g", generated.1).unwrap();
        assert_eq!(other.open(b"", &sealed), Err(EntryRefused::Tampered));
    }
}
