//! Job manifests: what a job is, in a TOML file a client publishes and a provider fetches.
//! The chain keeps the manifest's location (`spec_uri`) and the SHA-256 of its bytes
//! (`spec_hash`); a provider fetches it from there, checks the hash, and decides from its
//! `[hardware]` whether its GPUs can run it. Results and evidence are files too: their hash is
//! the hash of their contents, and their URI says where to fetch them.
//!
//! ```toml
//! [job]
//! name = "render-frames"
//! image = "ghcr.io/acme/render:1.2"          # a container image, or
//! command = ["sh", "-c", "render --frames 1-100 > out.txt; echo 100 > units"]
//! inputs = ["https://example.com/scene.blend"]
//!
//! [hardware]
//! gpu_model = ["H100", "A100"]                # any of these (case-insensitive)
//! gpu_count = 1                               # at least
//! vram_gb = 40                                # at least, per GPU
//! regions = ["eu-west"]                       # any of these; empty: anywhere
//!
//! [unit]
//! name = "frame"
//! meaning = "one 1080p frame rendered"
//!
//! [price]
//! per_unit = "0.25"                           # payment tokens
//! max_units = 100
//!
//! [deadlines]
//! accept_seconds = 3600
//! run_seconds = 7200
//!
//! [publish]
//! spec_uri = "https://example.com/jobs/render-frames.toml"   # where providers fetch this file
//! ```

use std::path::Path;

use anyhow::{anyhow, bail, Context as _, Result};
use serde::Deserialize;
use spice::state::HardwareSpec;

use crate::amounts::Amount;

/// A job manifest.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub job: JobSection,
    #[serde(default)]
    pub hardware: Hardware,
    pub unit: Unit,
    pub price: Price,
    #[serde(default)]
    pub deadlines: Deadlines,
    #[serde(default)]
    pub publish: Publish,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JobSection {
    pub name: String,
    /// A container image to run (by a container runner).
    #[serde(default)]
    pub image: Option<String>,
    /// A command to run (argv); the local-process runner runs it.
    #[serde(default)]
    pub command: Vec<String>,
    /// What the job reads (URIs).
    #[serde(default)]
    pub inputs: Vec<String>,
}

/// What a provider's GPUs must have.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hardware {
    /// Acceptable GPU models (any of them; empty: any model).
    #[serde(default, deserialize_with = "one_or_many")]
    pub gpu_model: Vec<String>,
    /// At least this many GPUs.
    #[serde(default)]
    pub gpu_count: u16,
    /// At least this much memory per GPU, GB.
    #[serde(default)]
    pub vram_gb: u16,
    /// Acceptable regions (any of them; empty: anywhere).
    #[serde(default, deserialize_with = "one_or_many")]
    pub regions: Vec<String>,
}

/// What a unit of work is: what `--units` counts and the price is per.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    pub name: String,
    pub meaning: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Payment tokens per unit (a string or a number; `…base` for base units).
    #[serde(deserialize_with = "amount")]
    pub per_unit: Amount,
    pub max_units: u64,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    pub accept_seconds: Option<i64>,
    pub run_seconds: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    /// Where providers fetch this file (recorded on chain with its hash).
    pub spec_uri: Option<String>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

fn amount<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Amount, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Num {
        Text(String),
        Int(u64),
        Float(f64),
    }
    let text = match Num::deserialize(d)? {
        Num::Text(s) => s,
        Num::Int(n) => n.to_string(),
        Num::Float(f) => f.to_string(),
    };
    text.parse().map_err(serde::de::Error::custom)
}

impl Manifest {
    /// Parses a manifest's text and checks it is complete.
    pub fn parse(text: &str) -> Result<Self> {
        let m: Manifest = toml::from_str(text).map_err(|e| anyhow!("not a job manifest: {e}"))?;
        if m.job.image.is_none() && m.job.command.is_empty() {
            bail!("[job] needs an `image` or a `command` (what a provider runs)");
        }
        if m.price.max_units == 0 {
            bail!("[price] max_units must be at least 1");
        }
        if m.unit.meaning.trim().is_empty() {
            bail!("[unit] meaning must say what one unit of work is");
        }
        Ok(m)
    }

    /// Why `hw` cannot run this job (`None`: it can).
    pub fn mismatch(&self, hw: &HardwareSpec) -> Option<String> {
        let need = &self.hardware;
        if !need.gpu_model.is_empty()
            && !need
                .gpu_model
                .iter()
                .any(|m| m.eq_ignore_ascii_case(&hw.gpu_model))
        {
            return Some(format!(
                "GPU model {} is not one of {}",
                hw.gpu_model,
                need.gpu_model.join(", ")
            ));
        }
        if hw.gpu_count < need.gpu_count {
            return Some(format!(
                "{} GPU(s), the job needs {}",
                hw.gpu_count, need.gpu_count
            ));
        }
        if hw.vram_gb < need.vram_gb {
            return Some(format!(
                "{} GB per GPU, the job needs {}",
                hw.vram_gb, need.vram_gb
            ));
        }
        if !need.regions.is_empty()
            && !need
                .regions
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&hw.region))
        {
            return Some(format!(
                "region {} is not one of {}",
                hw.region,
                need.regions.join(", ")
            ));
        }
        None
    }
}

/// SHA-256 of a file's contents.
pub fn hash_file(path: &Path) -> Result<[u8; 32]> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading {} to hash it", path.display()))?;
    Ok(crate::cmd::view::sha256(&bytes))
}

/// A `file://` URI of a local file (absolute).
pub fn file_uri(path: &Path) -> Result<String> {
    let abs = std::fs::canonicalize(path)
        .with_context(|| format!("{} does not exist", path.display()))?;
    Ok(format!("file://{}", abs.display()))
}

/// The bytes at `uri`: `file://PATH` or a plain path, or `http(s)://`.
pub fn fetch(uri: &str) -> Result<Vec<u8>> {
    if let Some(path) = uri.strip_prefix("file://") {
        return std::fs::read(path).with_context(|| format!("reading {uri}"));
    }
    if uri.starts_with("http://") || uri.starts_with("https://") {
        let response = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .context("an HTTP client")?
            .get(uri)
            .send()
            .with_context(|| format!("fetching {uri}"))?;
        if !response.status().is_success() {
            bail!("fetching {uri}: HTTP {}", response.status());
        }
        return Ok(response
            .bytes()
            .with_context(|| format!("reading {uri}"))?
            .to_vec());
    }
    if uri.is_empty() {
        bail!("no URI recorded: nothing to fetch");
    }
    std::fs::read(uri).with_context(|| format!("reading {uri}"))
}

/// The bytes at `uri`, checked against `hash` (the chain's record).
pub fn fetch_verified(uri: &str, hash: &[u8; 32]) -> Result<Vec<u8>> {
    let bytes = fetch(uri)?;
    let got = crate::cmd::view::sha256(&bytes);
    if &got != hash {
        bail!(
            "{uri} does not match the hash on chain: sha256 {} but the chain records {} (the file changed since it was recorded, or the URI is wrong)",
            crate::cmd::view::hex(&got),
            crate::cmd::view::hex(hash)
        );
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
[job]
name = "render"
command = ["sh", "-c", "echo 7 > units"]
[hardware]
gpu_model = ["H100", "a100"]
gpu_count = 2
vram_gb = 40
regions = "eu-west"
[unit]
name = "frame"
meaning = "one rendered frame"
[price]
per_unit = 0.25
max_units = 100
[deadlines]
accept_seconds = 600
"#;

    fn hw(model: &str, count: u16, vram: u16, region: &str) -> HardwareSpec {
        HardwareSpec {
            gpu_model: model.into(),
            gpu_count: count,
            vram_gb: vram,
            region: region.into(),
            metadata_hash: [0; 32],
            metadata_uri: String::new(),
        }
    }

    #[test]
    fn a_manifest_parses_and_matches_hardware() {
        let m = Manifest::parse(EXAMPLE).expect("parses");
        assert_eq!(m.price.per_unit.to_base(6).expect("fits"), 250_000);
        assert_eq!(m.hardware.regions, vec!["eu-west"]);
        assert_eq!(m.deadlines.accept_seconds, Some(600));
        assert_eq!(m.mismatch(&hw("A100", 2, 80, "EU-WEST")), None);
        assert!(m
            .mismatch(&hw("L4", 8, 80, "eu-west"))
            .unwrap()
            .contains("GPU model"));
        assert!(m
            .mismatch(&hw("H100", 1, 80, "eu-west"))
            .unwrap()
            .contains("1 GPU"));
        assert!(m
            .mismatch(&hw("H100", 2, 24, "eu-west"))
            .unwrap()
            .contains("24 GB"));
        assert!(m
            .mismatch(&hw("H100", 2, 80, "us-east"))
            .unwrap()
            .contains("region"));
    }

    #[test]
    fn incomplete_manifests_are_refused() {
        let no_run = EXAMPLE.replace("command = [\"sh\", \"-c\", \"echo 7 > units\"]", "");
        assert!(Manifest::parse(&no_run)
            .unwrap_err()
            .to_string()
            .contains("image"));
        let typo = EXAMPLE.replace("vram_gb", "vram");
        assert!(Manifest::parse(&typo).is_err());
        let zero = EXAMPLE.replace("max_units = 100", "max_units = 0");
        assert!(Manifest::parse(&zero).is_err());
        let bad_price = EXAMPLE.replace("per_unit = 0.25", "per_unit = \"lots\"");
        assert!(Manifest::parse(&bad_price).is_err());
    }

    #[test]
    fn fetched_bytes_are_checked_against_the_chain() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("spec.toml");
        std::fs::write(&file, EXAMPLE).expect("write");
        let hash = hash_file(&file).expect("hash");
        let uri = file_uri(&file).expect("uri");
        assert_eq!(
            fetch_verified(&uri, &hash).expect("same"),
            EXAMPLE.as_bytes()
        );
        std::fs::write(&file, "changed").expect("write");
        assert!(fetch_verified(&uri, &hash)
            .unwrap_err()
            .to_string()
            .contains("does not match"));
        assert!(fetch("").is_err());
    }
}
