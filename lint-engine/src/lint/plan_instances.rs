//! Which instance of a plan's resource a finding is on. A plan writes each instance of a
//! `count` or `for_each` as a resource of its own (`aws_sqs_queue.q["a"]`), and the plan
//! loader gives its block the instance's key ([`Block::instance_key`]); rules address a
//! finding by the block's address, without the key. The finding is on the instance whose
//! block holds the place it points at; when that is not one block's (a place in the plan's
//! configuration, which every instance shares), it is on no instance in particular —
//! unless the resource has only one instance.

use std::collections::HashMap;
use tfstack_model::{Block, Config, Origin};

/// A module's plan instances, by their address without key.
pub struct PlanInstances<'m> {
    by_address: HashMap<String, Vec<&'m Block>>,
}

impl<'m> PlanInstances<'m> {
    /// The instances among `config`'s blocks; `None` when there is none (a module read
    /// from `.tf` files, or a plan without `count` or `for_each`).
    pub fn of(config: &'m Config) -> Option<Self> {
        let mut by_address: HashMap<String, Vec<&'m Block>> = HashMap::new();
        for block in &config.blocks {
            if block.instance_key().is_some() {
                by_address.entry(block.address()).or_default().push(block);
            }
        }
        (!by_address.is_empty()).then_some(PlanInstances { by_address })
    }

    /// The key of the instance of the resource at `address` that a finding at `origin` is
    /// on, as its address writes it (`["a"]`).
    pub fn key_of(&self, address: &str, origin: Origin) -> Option<&'m str> {
        let instances = self.by_address.get(address)?;
        if let [only] = instances.as_slice() {
            return only.instance_key();
        }
        let mut holding = instances.iter().filter(|b| holds(b, origin));
        match (holding.next(), holding.next()) {
            (Some(one), None) => one.instance_key(),
            _ => None,
        }
    }
}

/// Whether `origin` lies inside a place written for `block`: its header, an attribute, a
/// value or a nested block of it.
fn holds(block: &Block, origin: Origin) -> bool {
    let Some((file, span)) = origin.file_span() else {
        return false;
    };
    let inside = |o: Origin| {
        o.file_span()
            .is_some_and(|(f, s)| f == file && s.start <= span.start && span.end <= s.end)
    };
    fn any_place(block: &Block, inside: &dyn Fn(Origin) -> bool) -> bool {
        if inside(block.origin) {
            return true;
        }
        block.body.attributes().any(|a| {
            if inside(a.origin) {
                return true;
            }
            let mut found = false;
            a.value.visit_while(&mut |e| {
                found = inside(e.origin);
                !found
            });
            found
        }) || block.body.blocks().any(|b| any_place(b, inside))
    }
    any_place(block, &inside)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfstack_model::{FileId, Span};

    fn at(start: usize, end: usize) -> Origin {
        Origin::file(FileId(0), Span::new(start, end))
    }

    fn instance(key: &str, header: Origin, value: Origin) -> Block {
        let mut b = Block::new(
            "resource",
            vec!["aws_sqs_queue".into(), "q".into(), key.into()],
        )
        .with_origin(header);
        b.body
            .set("name", tfstack_model::Expr::string("q").with_origin(value));
        b
    }

    #[test]
    fn a_finding_is_on_the_instance_whose_block_holds_its_place() {
        let config = Config {
            blocks: vec![
                instance("[\"a\"]", at(10, 20), at(30, 40)),
                instance("[\"b\"]", at(110, 120), at(130, 140)),
            ],
        };
        let instances = PlanInstances::of(&config).unwrap();
        assert_eq!(
            instances.key_of("aws_sqs_queue.q", at(10, 20)),
            Some("[\"a\"]")
        );
        assert_eq!(
            instances.key_of("aws_sqs_queue.q", at(132, 135)),
            Some("[\"b\"]")
        );
        // A place no instance holds (the plan's configuration): no instance in particular.
        assert_eq!(instances.key_of("aws_sqs_queue.q", at(500, 510)), None);
        assert_eq!(instances.key_of("aws_sqs_queue.other", at(10, 20)), None);
    }

    #[test]
    fn a_resource_with_one_instance_is_that_instance() {
        let config = Config {
            blocks: vec![instance("[0]", at(10, 20), at(30, 40))],
        };
        let instances = PlanInstances::of(&config).unwrap();
        assert_eq!(
            instances.key_of("aws_sqs_queue.q", at(500, 510)),
            Some("[0]")
        );
    }

    #[test]
    fn blocks_without_keys_make_no_instances() {
        let config = Config {
            blocks: vec![Block::new(
                "resource",
                vec!["aws_sqs_queue".into(), "q".into()],
            )],
        };
        assert!(PlanInstances::of(&config).is_none());
    }
}
