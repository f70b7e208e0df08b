//! Stable identities for findings: FNV-1a 64 over the finding's file, rule, pointer and message,
//! the same on every machine and every run (GitLab fingerprints, SARIF partial fingerprints,
//! baselines). Not a cryptographic hash: it only has to tell findings apart.

use crate::diagnostic::Diagnostic;

/// The 64-bit FNV-1a hash (Fowler, Noll, Vo), fed in pieces.
///
/// ```
/// use klar_lint::render::Fnv1a64;
///
/// // The published test vector for "a".
/// assert_eq!(Fnv1a64::hash(b"a"), 0xaf63_dc4c_8601_ec8c);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Fnv1a64(u64);

impl Default for Fnv1a64 {
    fn default() -> Self {
        Self(Self::OFFSET_BASIS)
    }
}

impl Fnv1a64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;

    /// Feeds bytes.
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    /// Feeds one field followed by a separator byte that UTF-8 text never holds, so that
    /// ("ab", "c") and ("a", "bc") hash apart.
    pub fn field(&mut self, text: &str) {
        self.write(text.as_bytes());
        self.write(&[0xFF]);
    }

    /// The hash so far.
    #[must_use]
    pub fn finish(&self) -> u64 {
        self.0
    }

    /// The hash so far as 16 lower-case hex digits.
    #[must_use]
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }

    /// The hash of one byte string.
    #[must_use]
    pub fn hash(bytes: &[u8]) -> u64 {
        let mut h = Self::default();
        h.write(bytes);
        h.finish()
    }
}

/// A path as reports and baselines name it: forward slashes, no leading `./`.
#[must_use]
pub fn normalized_path(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.trim_start_matches('/').to_owned();
    }
    p
}

/// A finding's identity across runs: a hash of its file, rule, pointer and message, as 16 hex
/// digits. Line numbers are left out, so editing other parts of a file keeps it.
#[must_use]
pub fn fingerprint(path: &str, d: &Diagnostic) -> String {
    let mut h = Fnv1a64::default();
    h.field(&normalized_path(path));
    h.field(d.rule());
    h.field(d.pointer.as_str());
    h.field(&d.message);
    h.hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_fnv1a_64_vectors() {
        // From the FNV reference test suite (Landon Curt Noll).
        assert_eq!(Fnv1a64::hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(Fnv1a64::hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(Fnv1a64::hash(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn fields_are_separated() {
        let mut a = Fnv1a64::default();
        a.field("ab");
        a.field("c");
        let mut b = Fnv1a64::default();
        b.field("a");
        b.field("bc");
        assert_ne!(a.finish(), b.finish());
    }

    #[test]
    fn paths_are_normalized() {
        assert_eq!(normalized_path("./exports/a.json"), "exports/a.json");
        assert_eq!(normalized_path(".//exports\\a.json"), "exports/a.json");
        assert_eq!(normalized_path("/abs/a.json"), "/abs/a.json");
    }

    #[test]
    fn fingerprint_ignores_the_line_but_not_the_pointer() {
        let d = Diagnostic::new(
            &crate::codes::SCHEMA,
            crate::Pointer::root().index(0),
            "bad",
        );
        let mut moved = d.clone();
        moved.line = Some(40);
        assert_eq!(fingerprint("a.json", &d), fingerprint("./a.json", &moved));
        let other = Diagnostic::new(
            &crate::codes::SCHEMA,
            crate::Pointer::root().index(1),
            "bad",
        );
        assert_ne!(fingerprint("a.json", &d), fingerprint("a.json", &other));
        assert_eq!(fingerprint("a.json", &d).len(), 16);
    }
}
