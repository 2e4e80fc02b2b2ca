//! Benchmark tools for tfstack: a deterministic generator of realistic serverless
//! Terraform ([`corpus`]) and a typed stack of any size for timing `synth` ([`stack`]).
//! `bench/run.sh` drives both against the release binary; results are in `BENCHMARKS.md`.

pub mod align;
pub mod corpus;
pub mod prng;
pub mod stack;

/// Reads `--name value` pairs; anything else is an error naming the usage.
pub fn parse_args(
    args: impl Iterator<Item = String>,
    names: &[&str],
) -> Result<std::collections::BTreeMap<String, String>, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut args = args.peekable();
    while let Some(a) = args.next() {
        let Some(name) = a.strip_prefix("--") else {
            return Err(format!("unexpected argument `{a}`"));
        };
        if !names.contains(&name) {
            return Err(format!("unknown option `--{name}`"));
        }
        let value = args
            .next()
            .ok_or_else(|| format!("`--{name}` needs a value"))?;
        out.insert(name.to_string(), value);
    }
    Ok(out)
}

/// A numeric option, or its default.
pub fn number_arg(
    args: &std::collections::BTreeMap<String, String>,
    name: &str,
    default: Option<u64>,
) -> Result<u64, String> {
    match args.get(name) {
        Some(v) => v
            .replace('_', "")
            .parse()
            .map_err(|_| format!("`--{name}` expects a number, got `{v}`")),
        None => default.ok_or_else(|| format!("`--{name}` is required")),
    }
}
