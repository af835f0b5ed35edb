//! SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL does it, against stored verifiers:
//! `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64), the form
//! `pg_authid.rolpassword` holds. A verifier proves a password without holding it or anything
//! that lets a reader of the configuration log in (StoredKey is a hash of the client key).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ring::{digest, hmac, pbkdf2, rand::SecureRandom};

/// Iterations of a new verifier (PostgreSQL's default).
pub const ITERATIONS: u32 = 4096;

/// A stored SCRAM-SHA-256 verifier.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub stored_key: Vec<u8>,
    pub server_key: Vec<u8>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier(SCRAM-SHA-256, …)")
    }
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::sign(&key, data).as_ref().to_vec()
}

fn sha256(data: &[u8]) -> Vec<u8> {
    digest::digest(&digest::SHA256, data).as_ref().to_vec()
}

/// Random bytes from the operating system.
pub fn random(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    ring::rand::SystemRandom::new()
        .fill(&mut out)
        .expect("the operating system's random source");
    out
}

impl Verifier {
    /// The verifier of a password, with a fresh random salt.
    pub fn new(password: &str) -> Verifier {
        Verifier::with_salt(password, &random(16), ITERATIONS)
    }

    pub fn with_salt(password: &str, salt: &[u8], iterations: u32) -> Verifier {
        let mut salted = [0u8; 32];
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            std::num::NonZeroU32::new(iterations.max(1)).expect("non-zero"),
            salt,
            password.as_bytes(),
            &mut salted,
        );
        let client_key = hmac_sha256(&salted, b"Client Key");
        Verifier {
            iterations,
            salt: salt.to_vec(),
            stored_key: sha256(&client_key),
            server_key: hmac_sha256(&salted, b"Server Key"),
        }
    }

    /// Reads `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
    pub fn parse(text: &str) -> Result<Verifier, String> {
        let bad = || {
            "not a SCRAM-SHA-256 verifier (SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>; `lapis passwd` prints one)".to_string()
        };
        let rest = text.trim().strip_prefix("SCRAM-SHA-256$").ok_or_else(bad)?;
        let (params, keys) = rest.split_once('$').ok_or_else(bad)?;
        let (iterations, salt) = params.split_once(':').ok_or_else(bad)?;
        let (stored, server) = keys.split_once(':').ok_or_else(bad)?;
        let iterations: u32 = iterations.parse().map_err(|_| bad())?;
        let decode = |s: &str| B64.decode(s).map_err(|_| bad());
        let v = Verifier {
            iterations,
            salt: decode(salt)?,
            stored_key: decode(stored)?,
            server_key: decode(server)?,
        };
        if v.stored_key.len() != 32
            || v.server_key.len() != 32
            || v.salt.is_empty()
            || iterations == 0
        {
            return Err(bad());
        }
        Ok(v)
    }

    /// Whether `password` is the one this verifier was made from (HTTP Basic logins).
    pub fn check(&self, password: &str) -> bool {
        let other = Verifier::with_salt(password, &self.salt, self.iterations);
        let diff = other
            .stored_key
            .iter()
            .zip(&self.stored_key)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        diff == 0 && other.stored_key.len() == self.stored_key.len()
    }

    pub fn to_text(&self) -> String {
        format!(
            "SCRAM-SHA-256${}:{}${}:{}",
            self.iterations,
            B64.encode(&self.salt),
            B64.encode(&self.stored_key),
            B64.encode(&self.server_key)
        )
    }
}

/// The server's side of one exchange, after the client's first message.
#[derive(Debug)]
pub struct Exchange {
    client_first_bare: String,
    server_first: String,
    nonce: String,
}

/// Why an exchange failed (always reported to the client as a failed login).
#[derive(Debug, PartialEq, Eq)]
pub enum ScramError {
    Malformed(&'static str),
    ChannelBinding,
    WrongProof,
}

fn attribute(part: &str, name: char) -> Option<&str> {
    part.strip_prefix(name)?.strip_prefix('=')
}

impl Exchange {
    /// Reads the client's first message (`n,,n=user,r=nonce`) and makes the server's first
    /// (`r=nonce,s=salt,i=iterations`).
    pub fn start(client_first: &str, verifier: &Verifier) -> Result<Exchange, ScramError> {
        let mut parts = client_first.splitn(3, ',');
        let gs2 = parts.next().ok_or(ScramError::Malformed("empty"))?;
        match gs2 {
            "n" | "y" => {}
            p if p.starts_with("p=") => return Err(ScramError::ChannelBinding),
            _ => return Err(ScramError::Malformed("GS2 header")),
        }
        let _authzid = parts.next().ok_or(ScramError::Malformed("GS2 header"))?;
        let bare = parts
            .next()
            .ok_or(ScramError::Malformed("client-first-message-bare"))?;
        let client_nonce = bare
            .split(',')
            .find_map(|p| attribute(p, 'r'))
            .filter(|n| !n.is_empty())
            .ok_or(ScramError::Malformed("nonce"))?;
        let nonce = format!("{client_nonce}{}", B64.encode(random(18)));
        let server_first = format!(
            "r={nonce},s={},i={}",
            B64.encode(&verifier.salt),
            verifier.iterations
        );
        Ok(Exchange {
            client_first_bare: bare.to_string(),
            server_first,
            nonce,
        })
    }

    pub fn server_first(&self) -> &str {
        &self.server_first
    }

    /// Checks the client's final message (`c=biws,r=nonce,p=proof`); returns the server's final
    /// message (`v=signature`) when the proof is right.
    pub fn finish(&self, client_final: &str, verifier: &Verifier) -> Result<String, ScramError> {
        let (without_proof, proof) = client_final
            .rsplit_once(",p=")
            .ok_or(ScramError::Malformed("proof"))?;
        let nonce = without_proof
            .split(',')
            .find_map(|p| attribute(p, 'r'))
            .ok_or(ScramError::Malformed("nonce"))?;
        if nonce != self.nonce {
            return Err(ScramError::Malformed("nonce"));
        }
        let binding = without_proof
            .split(',')
            .find_map(|p| attribute(p, 'c'))
            .ok_or(ScramError::Malformed("channel binding"))?;
        if binding != "biws" && binding != "eSws" {
            return Err(ScramError::ChannelBinding);
        }
        let proof = B64
            .decode(proof)
            .map_err(|_| ScramError::Malformed("proof"))?;
        let auth_message = format!(
            "{},{},{}",
            self.client_first_bare, self.server_first, without_proof
        );
        let signature = hmac_sha256(&verifier.stored_key, auth_message.as_bytes());
        if proof.len() != signature.len() {
            return Err(ScramError::WrongProof);
        }
        let client_key: Vec<u8> = proof.iter().zip(&signature).map(|(a, b)| a ^ b).collect();
        let stored = sha256(&client_key);
        // Compared in constant time: every byte is looked at, whatever differs.
        let diff = stored
            .iter()
            .zip(&verifier.stored_key)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff != 0 || stored.len() != verifier.stored_key.len() {
            return Err(ScramError::WrongProof);
        }
        let server_signature = hmac_sha256(&verifier.server_key, auth_message.as_bytes());
        Ok(format!("v={}", B64.encode(server_signature)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677's test vector: user "user", password "pencil".
    #[test]
    fn rfc7677_exchange() {
        let salt = B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").expect("salt");
        let v = Verifier::with_salt("pencil", &salt, 4096);
        let mut x = Exchange::start("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", &v).expect("first");
        // The RFC's server nonce, to reproduce its messages.
        x.nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0".into();
        x.server_first = format!("r={},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", x.nonce);
        let fin = x
            .finish(
                "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                &v,
            )
            .expect("proof");
        assert_eq!(fin, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
        let wrong = x.finish(
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            &v,
        );
        assert_eq!(wrong, Err(ScramError::WrongProof));
        let text = v.to_text();
        assert!(
            text.starts_with("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"),
            "{text}"
        );
        assert_eq!(Verifier::parse(&text).expect("parse"), v);
        assert!(Verifier::parse("pencil").is_err());
        assert_eq!(
            Exchange::start("p=tls-server-end-point,,n=user,r=abc", &v).map(|_| ()),
            Err(ScramError::ChannelBinding)
        );
    }
}
