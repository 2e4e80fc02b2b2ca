//! A module instance as Terraform addresses it: the root module it is made in and its
//! address there (`module.orders`, `module.a["x"].module.b`). Both versions are compared
//! instance by instance, so that a module's directory renamed (the call and every address
//! unchanged) is no change, and a module called twice is compared call by call.

/// One module instance of a version.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct InstanceKey {
    /// The root module: its directory relative to the compared one (`.`, `envs/prod`) —
    /// a module directory linted on its own, nothing calling it, is its own root — or
    /// `.` for a plan and a typed stack.
    pub root: String,
    /// The instance's address in the root module (`module.orders`); empty for the root
    /// module itself.
    pub address: String,
}

impl InstanceKey {
    /// The root module `root` itself.
    pub fn root(root: impl Into<String>) -> InstanceKey {
        InstanceKey {
            root: root.into(),
            address: String::new(),
        }
    }

    /// The instance the module calls `calls` (`module.fanout`, relative to this instance)
    /// make; this instance for none.
    pub fn below(&self, calls: &str) -> InstanceKey {
        InstanceKey {
            root: self.root.clone(),
            address: qualified(&self.address, calls),
        }
    }

    /// How the report names the instance: its address, or the root module's directory
    /// for the root module itself (`.`, `envs/prod`).
    pub fn shown(&self) -> &str {
        if self.address.is_empty() {
            &self.root
        } else {
            &self.address
        }
    }

    /// The root module a called instance is made in, when it is not the compared
    /// directory itself: what tells `module.queue` of `envs/prod` from that of
    /// `envs/dev`.
    pub fn caller_root(&self) -> Option<&str> {
        (!self.address.is_empty() && self.root != ".").then_some(self.root.as_str())
    }
}

/// `local` (an address in a module instance, or the module calls below it) as written in
/// the root module: prefixed with the instance's address.
pub(crate) fn qualified(instance: &str, local: &str) -> String {
    match (instance.is_empty(), local.is_empty()) {
        (true, _) => local.to_string(),
        (_, true) => instance.to_string(),
        _ => format!("{instance}.{local}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_are_named_by_their_address_in_their_root_module() {
        let root = InstanceKey::root(".");
        assert_eq!(root.shown(), ".");
        assert_eq!(root.caller_root(), None);
        let orders = root.below("module.orders");
        assert_eq!(orders.shown(), "module.orders");
        assert_eq!(orders.caller_root(), None);
        assert_eq!(orders.below("").address, "module.orders");
        assert_eq!(
            orders.below("module.queue").address,
            "module.orders.module.queue"
        );
        let prod = InstanceKey::root("envs/prod").below("module.queue");
        assert_eq!(prod.shown(), "module.queue");
        assert_eq!(prod.caller_root(), Some("envs/prod"));
    }
}
