//! Network parameters as TOML (deploy files, `network propose-params --set`) and JSON (show):
//! one list of fields, so a parameter added to the program is added here once.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use spice::state::NetworkParams;

macro_rules! params {
    ($($name:ident: $ty:ty),* $(,)?) => {
        /// Every parameter optional: a deploy file gives all of them, an update or a
        /// simulation scenario some.
        #[derive(Deserialize, Serialize, Default, Debug, Clone)]
        #[serde(deny_unknown_fields)]
        pub struct ParamsToml {
            $(
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $name: Option<$ty>,
            )*
        }

        impl ParamsToml {
            /// All parameters, or an error naming the missing ones.
            pub fn complete(&self) -> Result<NetworkParams> {
                let mut missing = Vec::new();
                $(if self.$name.is_none() { missing.push(stringify!($name)); })*
                if !missing.is_empty() {
                    bail!("[params] is missing: {}", missing.join(", "));
                }
                Ok(NetworkParams { $($name: self.$name.unwrap_or_default(),)* })
            }

            /// Every parameter set (e.g. to echo them in a report).
            pub fn all(p: &NetworkParams) -> Self {
                Self { $($name: Some(p.$name),)* }
            }

            /// `base` with the given parameters replaced.
            pub fn apply(&self, base: &NetworkParams) -> NetworkParams {
                let mut p = *base;
                $(if let Some(v) = self.$name { p.$name = v; })*
                p
            }
        }

        /// The parameters as a JSON object.
        pub fn to_json(p: &NetworkParams) -> serde_json::Value {
            let mut map = serde_json::Map::new();
            $(map.insert(stringify!($name).to_string(), serde_json::json!(p.$name));)*
            serde_json::Value::Object(map)
        }

        /// `(name, old, new)` of every parameter that differs.
        pub fn diff(old: &NetworkParams, new: &NetworkParams) -> Vec<(&'static str, String, String)> {
            let mut out = Vec::new();
            $(if old.$name != new.$name {
                out.push((stringify!($name), old.$name.to_string(), new.$name.to_string()));
            })*
            out
        }
    };
}

params! {
    min_stake: u64,
    unbond_seconds: i64,
    protocol_fee_bps: u16,
    slash_bps: u16,
    slash_client_share_bps: u16,
    max_accept_seconds: i64,
    max_run_seconds: i64,
    challenge_seconds: i64,
    dispute_seconds: i64,
    audit_rate_bps: u16,
    attestation_quorum: u8,
    epoch_seconds: i64,
    initial_emission: u64,
    emission_decay_bps: u16,
    tail_emission: u64,
    max_total_emission: u64,
    m_max_bps: u32,
    stake_cap: u64,
    reward_rate_cap_bps: u32,
    reference_price: u64,
    stake_per_payment_bps: u32,
    max_exposure_bps: u32,
    shard_count: u8,
    claim_window_epochs: u16,
    max_reward_outflow_per_window: u64,
    outflow_window_seconds: i64,
}

/// Parses `name=value` pairs (TOML values) into a partial parameter set.
pub fn parse_sets(sets: &[String]) -> Result<ParamsToml> {
    let mut text = String::new();
    for s in sets {
        let (name, value) = s
            .split_once('=')
            .with_context(|| format!("--set {s}: expected NAME=VALUE"))?;
        text.push_str(&format!("{} = {}\n", name.trim(), value.trim()));
    }
    toml::from_str(&text).context("--set: unknown parameter or value of the wrong type")
}

/// Parameters a proposal must not change (`propose_params` refuses it: `ImmutableParameter`).
pub const IMMUTABLE: &[&str] = &["epoch_seconds", "shard_count", "outflow_window_seconds"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_set_applies_only_what_it_names() {
        let sets =
            parse_sets(&["audit_rate_bps=1500".into(), "min_stake = 7".into()]).expect("parses");
        assert!(sets.complete().is_err());
        let base = ParamsToml {
            min_stake: Some(1),
            audit_rate_bps: Some(0),
            ..Default::default()
        };
        let err = base.complete().expect_err("incomplete").to_string();
        assert!(err.contains("unbond_seconds"), "{err}");
        assert!(parse_sets(&["no_such_param=1".into()]).is_err());
        assert!(parse_sets(&["min_stake".into()]).is_err());
    }

    #[test]
    fn diff_lists_changed_parameters() {
        let toml_text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../migrations/embedded.toml"
        ))
        .expect("embedded deploy file");
        let file: toml::Value = toml::from_str(&toml_text).expect("toml");
        let params: ParamsToml = file["params"].clone().try_into().expect("params");
        let p = params.complete().expect("complete");
        let q = parse_sets(&["audit_rate_bps=1234".into()])
            .expect("parses")
            .apply(&p);
        assert_eq!(
            diff(&p, &q),
            vec![(
                "audit_rate_bps",
                p.audit_rate_bps.to_string(),
                "1234".to_string()
            )]
        );
        assert_eq!(to_json(&q)["audit_rate_bps"], 1234);
    }
}
