//! NKey authentication: the server's INFO carries a nonce, and the client proves it holds an nkey seed by
//! signing that nonce (Ed25519), sending the public key (or the user JWT of a creds file) and the signature.

use crate::engine::KvError;

/// Signs the server's nonce with a user seed: the public key and the URL-safe base64 signature.
pub fn sign_nonce(seed: &str, nonce: &str) -> Result<(String, String), KvError> {
    let kp = nkeys::KeyPair::from_seed(seed.trim())
        .map_err(|e| super::core::refused_err(format!("nats: error: the nkey seed cannot be read: {e}")))?;
    if nonce.is_empty() {
        return Err(super::core::refused_err(
            "nats: error: the server sent no nonce to sign, so it does not take nkey authentication",
        ));
    }
    let sig = kp.sign(nonce.as_bytes()).map_err(|e| super::core::refused_err(format!("nats: error: signing: {e}")))?;
    Ok((kp.public_key(), crate::transfer::base64url(&sig)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_verifies_with_the_public_key() {
        let kp = nkeys::KeyPair::new_user();
        let seed = kp.seed().unwrap();
        let (public, sig) = sign_nonce(&seed, "bm9uY2U").unwrap();
        assert_eq!(public, kp.public_key());
        let raw = crate::transfer::base64_decode(&sig.replace('-', "+").replace('_', "/")).unwrap();
        let check = nkeys::KeyPair::from_public_key(&public).unwrap();
        assert!(check.verify(b"bm9uY2U", &raw).is_ok());
        assert!(check.verify(b"another", &raw).is_err());
        assert!(sign_nonce("SUNOTASEED", "n").unwrap_err().message.contains("cannot be read"));
        assert!(sign_nonce(&seed, "").unwrap_err().message.contains("no nonce"));
    }
}
