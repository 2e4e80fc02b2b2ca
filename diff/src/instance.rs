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

    /// This instance under the address a module call moved from `from` to `to` gives it
    /// (`module.old["a"]` → `module.new["a"]`), or `None` when the move is not about it.
    pub fn moved(&self, from: &InstanceKey, to: &InstanceKey) -> Option<InstanceKey> {
        if self.root != from.root || from.address.is_empty() {
            return None;
        }
        let address = renamed_instance(&self.address, &from.address, &to.address)?;
        Some(InstanceKey {
            root: to.root.clone(),
            address,
        })
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

/// `address` (of a resource or an instance, as written in the root module) with the
/// instance address `from` it starts with replaced by `to`; `None` when it does not start
/// with `from` as a whole (`module.old`, `module.old["a"]`, `module.old.aws_x.y` — not
/// `module.older`).
pub(crate) fn renamed_instance(address: &str, from: &str, to: &str) -> Option<String> {
    let rest = address.strip_prefix(from)?;
    // A move of one instance (`module.q` → `module.q["orders"]`) is of that instance
    // only: `module.q["billing"]` is another.
    let of_one_instance = from.ends_with(']') || to.ends_with(']');
    if rest.is_empty() || rest.starts_with('.') || (rest.starts_with('[') && !of_one_instance) {
        Some(format!("{to}{rest}"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_addresses_are_renamed_whole() {
        assert_eq!(
            renamed_instance("module.old", "module.old", "module.new").as_deref(),
            Some("module.new")
        );
        assert_eq!(
            renamed_instance("module.old[\"a\"].aws_x.y", "module.old", "module.new").as_deref(),
            Some("module.new[\"a\"].aws_x.y")
        );
        assert_eq!(
            renamed_instance("module.old.module.b", "module.old", "module.new").as_deref(),
            Some("module.new.module.b")
        );
        assert_eq!(
            renamed_instance("module.older", "module.old", "module.new"),
            None
        );
        // A move of one instance moves that instance only.
        assert_eq!(
            renamed_instance("module.q.aws_x.y", "module.q", "module.q[\"a\"]").as_deref(),
            Some("module.q[\"a\"].aws_x.y")
        );
        assert_eq!(
            renamed_instance("module.q[\"b\"]", "module.q", "module.q[\"a\"]"),
            None
        );
        assert_eq!(
            renamed_instance("aws_x.y", "module.old", "module.new"),
            None
        );
    }

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
        // A module call renamed in one root module moves its instances there only.
        let (from, to) = (root.below("module.old"), root.below("module.new"));
        let old_a = root.below("module.old[\"a\"]");
        assert_eq!(
            old_a.moved(&from, &to).map(|k| k.address).as_deref(),
            Some("module.new[\"a\"]")
        );
        assert_eq!(
            InstanceKey::root("envs/prod")
                .below("module.old")
                .moved(&from, &to),
            None
        );
        assert_eq!(root.moved(&from, &to), None);
    }
}
