//! The service's secret key: signs form tokens and keys the hashes of addresses and emails.
//!
//! `REPLYGUARD_SECRET` (at least 32 characters; several instances must share one) or, unset,
//! `secret.key` in the data directory, created with 32 random bytes on first use and
//! readable by its owner only. Losing it invalidates outstanding form tokens and makes
//! stored address and email hashes unmatchable; nothing else.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The file name of the generated key inside the data directory.
pub const SECRET_FILE: &str = "secret.key";

/// A secret key and the keyed hashes made with it.
#[derive(Clone)]
pub struct Secret {
    /// HMAC-SHA256 with the key already absorbed: every submission hashes its address, and
    /// cloning this state skips hashing the key again each time.
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Secret {
    /// The configured secret, or the data directory's, created if missing.
    ///
    /// # Errors
    /// A configured secret shorter than 32 characters, or a key file that cannot be read or
    /// written.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        if let Some(value) = configured {
            if value.len() < 32 {
                bail!("REPLYGUARD_SECRET must be at least 32 characters");
            }
            return Ok(Self::with_key(value.as_bytes()));
        }
        let path = data_dir.join(SECRET_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().len() >= 32 => Ok(Self::with_key(text.trim().as_bytes())),
            Ok(_) => bail!("{} is too short to be a key", path.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let text = random_token()?;
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                match options.open(&path) {
                    Ok(mut file) => {
                        file.write_all(text.as_bytes())
                            .and_then(|()| file.sync_all())
                            .with_context(|| format!("failed to write {}", path.display()))?;
                        Ok(Self::with_key(text.as_bytes()))
                    }
                    // Another process created it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::load(None, data_dir)
                    }
                    Err(e) => {
                        Err(e).with_context(|| format!("failed to create {}", path.display()))
                    }
                }
            }
            Err(e) => Err(e).with_context(|| format!("failed to read {}", path.display())),
        }
    }

    fn with_key(key: &[u8]) -> Self {
        Self {
            keyed: Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key"),
        }
    }

    /// HMAC-SHA256 of the parts under a purpose label, each part length-prefixed so that no
    /// two different lists of parts hash alike.
    pub fn mac(&self, purpose: &str, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        for part in std::iter::once(purpose.as_bytes()).chain(parts.iter().copied()) {
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// The keyed hash of an email address (case-folded), hex: how emails are matched.
    pub fn email_key(&self, email: &str) -> String {
        hex(&self.mac("email", &[email.trim().to_lowercase().as_bytes()]))
    }

    /// The keyed hash of a client address, hex: how addresses are matched once stored.
    pub fn address_key(&self, ip: std::net::IpAddr) -> String {
        hex(&self.mac("address", &[ip.to_canonical().to_string().as_bytes()])[..16])
    }
}

/// 32 random bytes in lower-case hex: a new key, session or API token.
///
/// # Errors
/// The system has no randomness.
pub fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(hex(&bytes))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(2 * bytes.len());
    for b in bytes {
        text.push(char::from(DIGITS[usize::from(b >> 4)]));
        text.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_made_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let a = Secret::load(None, dir.path()).unwrap();
        let b = Secret::load(None, dir.path()).unwrap();
        assert_eq!(
            a.email_key("Ann@Example.com"),
            b.email_key("ann@example.com")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let other = Secret::load(Some(&"x".repeat(32)), dir.path()).unwrap();
        assert_ne!(
            a.email_key("ann@example.com"),
            other.email_key("ann@example.com")
        );
        assert!(Secret::load(Some("short"), dir.path()).is_err());
    }

    /// Stored hashes must stay matchable across versions: these are HMAC-SHA256 over the
    /// length-prefixed parts as Python's `hmac` module computes them.
    #[test]
    fn keyed_hashes_are_hmac_sha256_of_the_length_prefixed_parts() {
        let dir = tempfile::tempdir().unwrap();
        let secret = Secret::load(Some(&"x".repeat(32)), dir.path()).unwrap();
        let ip = "203.0.113.7".parse().unwrap();
        assert_eq!(secret.address_key(ip), "61f5e9f3279223755f59fa3466239596");
        // The second use of the keyed state must not see the first one's input.
        assert_eq!(secret.address_key(ip), "61f5e9f3279223755f59fa3466239596");
        assert_eq!(
            secret.email_key(" Ann@Example.com"),
            "2217dc3c5da26854b72817c65be2ef1c33989a5df6d8ff0183bb30e337baaa14"
        );
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }
}
