//! The token vault: AES-256-SIV for every secret at rest (access and refresh tokens, PKCE
//! verifiers).
//!
//! Stored form: `v2:<key id>:<base64url(nonce ‖ synthetic IV ‖ ciphertext)>`. Each seal uses a
//! fresh random 16-byte nonce, so the same plaintext never gives the same ciphertext twice. The
//! associated data binds a ciphertext to its (table, field, row): copied to another row or
//! field, it fails to open. The key id names the key that sealed it, so retired keys keep
//! working for reading while rotation re-seals everything under the current key.
//!
//! The SIV's pseudorandom function is PMAC (the aes-siv crate's `Aes256PmacSiv`) rather
//! than RFC 5297's CMAC: PMAC processes blocks in parallel where CMAC chains them (a 2 KB seal
//! takes about a third of the time, keyed cipher against keyed cipher), and only this vault
//! ever reads what it writes. Base64 goes through `base64-simd` for the same reason
//! (BENCHMARKS.md has the figures). `v1` was the CMAC form of development builds: it is not
//! read (`Malformed`), so `rotate-keys` counts such secrets as unavailable and marks their
//! accounts for reconnecting.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use aes_siv::aead::KeyInit;
use aes_siv::siv::Aes256PmacSiv;
use aes_siv::{Key, Tag};
use base64_simd::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::secret::Secret;

const VERSION: &str = "v2";
pub const KEY_BYTES: usize = 64;
const NONCE_BYTES: usize = 16;
const TAG_BYTES: usize = 16;
/// Where the ciphertext starts in `nonce ‖ synthetic IV ‖ ciphertext`.
const BODY_START: usize = NONCE_BYTES + TAG_BYTES;

/// Where a ciphertext lives. The row is the row's stable identifier (its id, or for OAuth flows
/// the state hash).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding<'a> {
    pub table: &'static str,
    pub field: &'static str,
    pub row: &'a str,
}

impl Binding<'_> {
    fn associated_data(&self) -> Vec<u8> {
        let mut aad = Vec::with_capacity(32 + self.table.len() + self.field.len() + self.row.len());
        for part in ["mailconnect-vault-v2", self.table, self.field, self.row] {
            aad.extend_from_slice(part.as_bytes());
            aad.push(0);
        }
        aad
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("the stored secret is not in the vault's format")]
    Malformed,
    #[error("the stored secret was sealed with key {key_id}, which is not configured")]
    UnknownKey { key_id: String },
    #[error(
        "the stored secret failed authentication (altered, truncated, or moved from another row or field)"
    )]
    Unauthentic,
}

/// One key: 64 random bytes (two AES-256 keys, as SIV needs). Its id is derived from it.
pub struct VaultKey {
    id: String,
    ciphers: SivPool,
}

/// Keyed ciphers ready for use. Keying PMAC-SIV (the AES key schedule and PMAC's table of
/// offsets) costs about as much as sealing a token, so each key keeps the instances it has made;
/// there are never more than the threads that sealed or opened at the same moment.
struct SivPool {
    key: Key<Aes256PmacSiv>,
    idle: Mutex<Vec<Aes256PmacSiv>>,
}

impl SivPool {
    fn with<T>(&self, use_cipher: impl FnOnce(&mut Aes256PmacSiv) -> T) -> T {
        let idle = || self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let pooled = idle().pop();
        // Keyed outside the lock.
        let mut cipher = pooled.unwrap_or_else(|| Aes256PmacSiv::new(&self.key));
        let result = use_cipher(&mut cipher);
        idle().push(cipher);
        result
    }
}

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaultKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("is not valid base64")]
    NotBase64,
    #[error("decodes to {0} bytes, not {KEY_BYTES}")]
    WrongLength(usize),
}

impl VaultKey {
    /// Parses a key written as base64 (standard or URL-safe, padded or not).
    pub fn parse(encoded: &Secret<String>) -> Result<Self, KeyError> {
        let text = encoded.expose().trim();
        let bytes = Secret::new(
            STANDARD
                .decode_to_vec(text)
                .or_else(|_| URL_SAFE.decode_to_vec(text))
                .or_else(|_| URL_SAFE_NO_PAD.decode_to_vec(text))
                .map_err(|_| KeyError::NotBase64)?,
        );
        if bytes.expose().len() != KEY_BYTES {
            return Err(KeyError::WrongLength(bytes.expose().len()));
        }
        let digest = Sha256::new_with_prefix(b"mailconnect-vault-key-id\0")
            .chain_update(bytes.expose())
            .finalize();
        let id = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        let ciphers = SivPool {
            key: Key::<Aes256PmacSiv>::try_from(bytes.expose().as_slice()).expect("64-byte key"),
            idle: Mutex::default(),
        };
        Ok(Self { id, ciphers })
    }

    /// A fresh random key, base64 encoded (what `server gen-key` prints).
    pub fn generate() -> Secret<String> {
        let mut bytes = [0u8; KEY_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Secret::new(STANDARD.encode_to_string(bytes))
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

/// Seals with the current key; opens with the current key or any retired one.
#[derive(Clone, Debug)]
pub struct Vault {
    current: Arc<VaultKey>,
    keys: Arc<HashMap<String, Arc<VaultKey>>>,
}

impl Vault {
    pub fn new(current: VaultKey, retired: impl IntoIterator<Item = VaultKey>) -> Self {
        let current = Arc::new(current);
        let mut keys: HashMap<String, Arc<VaultKey>> = retired
            .into_iter()
            .map(|key| (key.id.clone(), Arc::new(key)))
            .collect();
        keys.insert(current.id.clone(), current.clone());
        Self {
            current,
            keys: Arc::new(keys),
        }
    }

    pub fn current_key_id(&self) -> &str {
        &self.current.id
    }

    pub fn seal(&self, binding: Binding<'_>, plaintext: &Secret<String>) -> String {
        let message = plaintext.expose().as_bytes();
        let mut nonce = [0u8; NONCE_BYTES];
        rand::thread_rng().fill_bytes(&mut nonce);
        // One buffer, laid out as stored: nonce ‖ synthetic IV ‖ ciphertext.
        let mut raw = Vec::with_capacity(BODY_START + message.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&Tag::default());
        raw.extend_from_slice(message);
        let aad = binding.associated_data();
        let siv = self
            .current
            .ciphers
            .with(|cipher| {
                cipher.encrypt_inout_detached(
                    [aad.as_slice(), &nonce],
                    (&mut raw[BODY_START..]).into(),
                )
            })
            .expect("AES-SIV encryption of an in-memory buffer cannot fail");
        raw[NONCE_BYTES..BODY_START].copy_from_slice(&siv);

        let mut out = String::with_capacity(
            VERSION.len() + self.current.id.len() + 2 + URL_SAFE_NO_PAD.encoded_length(raw.len()),
        );
        out.push_str(VERSION);
        out.push(':');
        out.push_str(&self.current.id);
        out.push(':');
        URL_SAFE_NO_PAD.encode_append(&raw, &mut out);
        out
    }

    pub fn open(&self, binding: Binding<'_>, stored: &str) -> Result<Secret<String>, VaultError> {
        let (key_id, mut raw) = parse_stored(stored)?;
        let key = self
            .keys
            .get(key_id)
            .ok_or_else(|| VaultError::UnknownKey {
                key_id: key_id.to_owned(),
            })?;
        let (head, body) = raw.split_at_mut(BODY_START);
        let (nonce, siv) = head.split_at(NONCE_BYTES);
        let siv = Tag::try_from(siv).map_err(|_| VaultError::Malformed)?;
        let aad = binding.associated_data();
        key.ciphers
            .with(|cipher| {
                cipher.decrypt_inout_detached([aad.as_slice(), nonce], body.into(), &siv)
            })
            .map_err(|_| VaultError::Unauthentic)?;
        raw.drain(..BODY_START);
        String::from_utf8(raw)
            .map(Secret::new)
            .map_err(|_| VaultError::Unauthentic)
    }

    /// Whether a stored secret is already sealed under the current key.
    pub fn is_current(&self, stored: &str) -> bool {
        parse_stored(stored).is_ok_and(|(key_id, _)| key_id == self.current.id)
    }
}

fn parse_stored(stored: &str) -> Result<(&str, Vec<u8>), VaultError> {
    let mut parts = stored.splitn(3, ':');
    let (Some(VERSION), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(VaultError::Malformed);
    };
    let raw = URL_SAFE_NO_PAD
        .decode_to_vec(body)
        .map_err(|_| VaultError::Malformed)?;
    if raw.len() < BODY_START {
        return Err(VaultError::Malformed);
    }
    Ok((key_id, raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> VaultKey {
        VaultKey::parse(&VaultKey::generate()).unwrap()
    }

    const ROW: Binding<'static> = Binding {
        table: "email_accounts",
        field: "access_token",
        row: "7",
    };

    fn secret(s: &str) -> Secret<String> {
        Secret::new(s.to_owned())
    }

    #[test]
    fn round_trip() {
        let vault = Vault::new(key(), []);
        let sealed = vault.seal(ROW, &secret("ya29.token"));
        assert!(sealed.starts_with(&format!("v2:{}:", vault.current_key_id())));
        assert!(!sealed.contains("ya29"));
        assert_eq!(vault.open(ROW, &sealed).unwrap().expose(), "ya29.token");
        assert_eq!(
            vault
                .open(ROW, &vault.seal(ROW, &secret("")))
                .unwrap()
                .expose(),
            ""
        );
    }

    #[test]
    fn same_plaintext_twice_gives_different_ciphertexts() {
        let vault = Vault::new(key(), []);
        assert_ne!(
            vault.seal(ROW, &secret("same")),
            vault.seal(ROW, &secret("same"))
        );
    }

    #[test]
    fn tampering_and_truncation_are_typed_errors() {
        let vault = Vault::new(key(), []);
        let sealed = vault.seal(ROW, &secret("refresh-token"));
        let (head, body) = sealed.rsplit_once(':').unwrap();
        let mut raw = URL_SAFE_NO_PAD.decode_to_vec(body).unwrap();
        for i in [0, NONCE_BYTES, raw.len() - 1] {
            raw[i] ^= 1;
            let altered = format!("{head}:{}", URL_SAFE_NO_PAD.encode_to_string(&raw));
            assert_eq!(
                vault.open(ROW, &altered).unwrap_err(),
                VaultError::Unauthentic
            );
            raw[i] ^= 1;
        }
        let truncated = format!(
            "{head}:{}",
            URL_SAFE_NO_PAD.encode_to_string(&raw[..raw.len() - 1])
        );
        assert_eq!(
            vault.open(ROW, &truncated).unwrap_err(),
            VaultError::Unauthentic
        );
        let stub = format!("{head}:{}", URL_SAFE_NO_PAD.encode_to_string(&raw[..20]));
        assert_eq!(vault.open(ROW, &stub).unwrap_err(), VaultError::Malformed);
        for junk in [
            "",
            "v2",
            "v2:abc",
            "v2:x:AAAA",
            "v2:x:!!!",
            &sealed[..sealed.len() / 2],
        ] {
            assert!(vault.open(ROW, junk).is_err(), "{junk:?}");
        }
    }

    #[test]
    fn a_ciphertext_moved_to_another_row_or_field_does_not_open() {
        let vault = Vault::new(key(), []);
        let sealed = vault.seal(ROW, &secret("token-of-row-7"));
        let other_row = Binding { row: "8", ..ROW };
        let other_field = Binding {
            field: "refresh_token",
            ..ROW
        };
        let other_table = Binding {
            table: "oauth_flows",
            ..ROW
        };
        for binding in [other_row, other_field, other_table] {
            assert_eq!(
                vault.open(binding, &sealed).unwrap_err(),
                VaultError::Unauthentic
            );
        }
    }

    #[test]
    fn threads_sealing_and_opening_at_once_all_round_trip() {
        let vault = Vault::new(key(), []);
        std::thread::scope(|scope| {
            for thread in 0..8 {
                let vault = &vault;
                scope.spawn(move || {
                    for i in 0..200 {
                        let row = format!("{thread}-{i}");
                        let binding = Binding { row: &row, ..ROW };
                        let token = format!("token {thread} {i}");
                        let sealed = vault.seal(binding, &secret(&token));
                        assert_eq!(vault.open(binding, &sealed).unwrap().expose(), &token);
                    }
                });
            }
        });
    }

    #[test]
    fn the_development_v1_form_is_not_read() {
        let vault = Vault::new(key(), []);
        let sealed = vault.seal(ROW, &secret("t"));
        let v1 = sealed.replacen("v2:", "v1:", 1);
        assert_eq!(vault.open(ROW, &v1).unwrap_err(), VaultError::Malformed);
        assert!(!vault.is_current(&v1), "so rotate-keys takes it up");
    }

    #[test]
    fn wrong_key_and_unknown_key() {
        let a = Vault::new(key(), []);
        let sealed = a.seal(ROW, &secret("t"));
        let b = Vault::new(key(), []);
        assert!(matches!(
            b.open(ROW, &sealed),
            Err(VaultError::UnknownKey { .. })
        ));
        // Same id claimed, different key material: authentication fails.
        let forged = sealed.replacen(a.current_key_id(), b.current_key_id(), 1);
        assert_eq!(b.open(ROW, &forged).unwrap_err(), VaultError::Unauthentic);
    }

    #[test]
    fn retired_keys_still_open() {
        let old = VaultKey::generate();
        let before = Vault::new(VaultKey::parse(&old).unwrap(), []);
        let sealed = before.seal(ROW, &secret("t"));
        let after = Vault::new(key(), [VaultKey::parse(&old).unwrap()]);
        assert_eq!(after.open(ROW, &sealed).unwrap().expose(), "t");
        assert!(!after.is_current(&sealed));
        assert!(after.is_current(&after.seal(ROW, &secret("t"))));
    }

    #[test]
    fn keys_must_be_64_bytes_of_base64() {
        assert_eq!(
            VaultKey::parse(&secret("not base64!")).unwrap_err(),
            KeyError::NotBase64
        );
        assert_eq!(
            VaultKey::parse(&secret(&STANDARD.encode_to_string([0u8; 32]))).unwrap_err(),
            KeyError::WrongLength(32)
        );
        let generated = VaultKey::generate();
        assert_eq!(
            STANDARD.decode_to_vec(generated.expose()).unwrap().len(),
            KEY_BYTES
        );
        assert_eq!(VaultKey::parse(&generated).unwrap().id().len(), 12);
    }

    #[test]
    fn debug_output_never_shows_keys_or_plaintext() {
        let encoded = VaultKey::generate();
        let vault = Vault::new(VaultKey::parse(&encoded).unwrap(), []);
        let debug = format!("{vault:?}");
        assert!(!debug.contains(encoded.expose().as_str()));
        assert!(debug.contains(vault.current_key_id()));
        let error = vault.open(ROW, "v2:x:AAAA").unwrap_err();
        assert!(!format!("{error} {error:?}").contains("AAAA"));
    }
}
