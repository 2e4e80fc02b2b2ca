//! The offline price table shipped with the review (`review/data/prices.toml`).

use serde::Deserialize;
use std::collections::BTreeMap;

/// The table as shipped.
const PRICES: &str = include_str!("../../data/prices.toml");

/// How a price was checked when it was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// Read on the service's pricing page on aws.amazon.com.
    Aws,
    /// Read in a third-party page quoting the AWS price.
    ThirdParty,
    /// No source found: the long-standing list price.
    Unverified,
}

impl Check {
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Aws => "aws.amazon.com",
            Check::ThirdParty => "third-party source",
            Check::Unverified => "unverified",
        }
    }
}

/// One list price: `usd` per `per` `unit`s.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub usd: f64,
    pub per: f64,
    /// The unit, singular (`request`, `GB-month`).
    pub unit: String,
    /// The plural when it is not the singular and `s` (`publishes`).
    #[serde(default)]
    pub plural: Option<String>,
    pub taken: String,
    pub check: Check,
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
}

impl Price {
    /// The price of one unit.
    pub fn unit_price(&self) -> f64 {
        self.usd / self.per
    }
    /// The unit for `count` of them (`1 request`, `3 requests`).
    pub fn units(&self, count: f64) -> String {
        if count == 1.0 {
            self.unit.clone()
        } else {
            self.plural
                .clone()
                .unwrap_or_else(|| format!("{}s", self.unit))
        }
    }
    /// `$0.20 per 1M requests`, `$0.0000166667 per GB-second`.
    pub fn describe(&self) -> String {
        let per = if self.per == 1.0 {
            String::new()
        } else if self.per >= 1_000_000.0 {
            format!("{}M ", self.per / 1_000_000.0)
        } else if self.per >= 1_000.0 {
            format!("{}K ", self.per / 1_000.0)
        } else {
            format!("{} ", self.per)
        };
        format!("{} per {per}{}", dollars(self.usd), self.units(self.per))
    }
}

/// A list price as AWS writes it: at least two decimals, every significant digit kept.
fn dollars(usd: f64) -> String {
    let plain = format!("{usd}");
    let decimals = plain.split_once('.').map(|(_, d)| d.len()).unwrap_or(0);
    if decimals >= 2 {
        format!("${plain}")
    } else {
        format!("${usd:.2}")
    }
}

/// The price table.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    pub region: String,
    pub currency: String,
    pub hours_per_month: f64,
    pub prices: BTreeMap<String, Price>,
}

impl PriceTable {
    /// The table shipped with tfstack.
    pub fn shipped() -> Result<PriceTable, String> {
        toml::from_str(PRICES).map_err(|e| format!("review/data/prices.toml: {}", e.message()))
    }
    pub fn get(&self, id: &str) -> Option<&Price> {
        self.prices.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses_and_every_price_is_dated_and_sourced() {
        let table = PriceTable::shipped().expect("prices.toml parses");
        assert_eq!(table.region, "us-east-1");
        assert_eq!(table.hours_per_month, 730.0);
        assert!(table.prices.len() > 40);
        for (id, p) in &table.prices {
            assert!(p.usd > 0.0 && p.per > 0.0, "{id}");
            assert_eq!(p.taken.len(), 10, "{id}: taken is YYYY-MM-DD");
            assert!(!p.source.is_empty(), "{id}");
        }
    }

    #[test]
    fn every_price_the_estimator_uses_is_in_the_table() {
        let table = PriceTable::shipped().expect("prices.toml parses");
        for id in super::super::estimate::PRICE_IDS {
            assert!(table.get(id).is_some(), "missing price {id}");
        }
    }

    #[test]
    fn describe_reads_like_the_pricing_page() {
        let table = PriceTable::shipped().expect("prices.toml parses");
        let p = table.get("lambda.requests").expect("price");
        assert_eq!(p.describe(), "$0.20 per 1M requests");
        assert!((p.unit_price() - 0.0000002).abs() < 1e-15);
        let p = table.get("lambda.duration.x86_64").expect("price");
        assert_eq!(p.describe(), "$0.0000166667 per GB-second");
        let p = table.get("sns.requests").expect("price");
        assert_eq!(p.units(1.0), "publish");
        assert_eq!(p.units(2.0), "publishes");
        let p = table.get("apigateway.cache.0.5").expect("price");
        assert_eq!(p.describe(), "$0.02 per hour (0.5 GB cache)");
    }
}
