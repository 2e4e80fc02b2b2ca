//! [`Name`]: the identifiers of the IR as shared text.

use arcstr::ArcStr;
use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;

/// An identifier of the IR — a block type, a label, an attribute name, a traversal step,
/// an object key, a function name. Its text is shared: a loader hands every occurrence of
/// the same identifier one allocation ([`Names`]), and a clone costs a count, not a copy.
/// A module is held whole while it is linted, and most of its words are identifiers: a
/// name is one pointer (8 bytes; the length sits beside the text), not a slice's two.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(ArcStr);

impl Name {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Name {
    fn default() -> Self {
        Name(ArcStr::new())
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Self {
        Name(ArcStr::from(s))
    }
}

impl From<String> for Name {
    fn from(s: String) -> Self {
        Name(ArcStr::from(s))
    }
}

impl From<Name> for String {
    fn from(n: Name) -> Self {
        n.0.to_string()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == &*other.0
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == &*other.0
    }
}

impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// The identifiers one loader has made, each text once: [`Names::name`] returns the
/// shared [`Name`] of a text.
#[derive(Default)]
pub struct Names(std::cell::RefCell<HashSet<ArcStr, foldhash::fast::RandomState>>);

impl Names {
    /// The shared name of `text`.
    pub fn name(&self, text: &str) -> Name {
        let mut set = self.0.borrow_mut();
        if let Some(shared) = set.get(text) {
            return Name(shared.clone());
        }
        let shared = ArcStr::from(text);
        set.insert(shared.clone());
        Name(shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_compares_as_its_text() {
        let n = Name::from("arn");
        let text = String::from("arn");
        assert_eq!(n, "arn");
        assert_eq!("arn", n);
        assert_eq!(n, *"arn");
        assert_eq!(n, text);
        assert_eq!(text, n);
        assert_eq!(format!("{n} {n:?}"), "arn \"arn\"");
        assert_eq!(Name::default().as_str(), "");
    }

    #[test]
    fn a_loader_shares_each_text_once() {
        let names = Names::default();
        let (a, b) = (names.name("name"), names.name("name"));
        assert!(ArcStr::ptr_eq(&a.0, &b.0));
        assert!(!ArcStr::ptr_eq(&a.0, &names.name("tags").0));
        assert_eq!(std::mem::size_of::<Name>(), 8);
    }
}
