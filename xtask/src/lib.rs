//! Workspace tasks that need no Anchor CLI.
//!
//! `cargo run -p xtask -- idl` builds the program's IDL on the host with
//! [`anchor_lang_idl::build::IdlBuilder`] (what `anchor idl build` does) and writes
//! `idl/spice.json`; `-- idl --check` builds it again and fails if the committed file differs.
//! The test `tests/idl_fresh.rs` runs the check, so `cargo test --workspace` fails on a stale IDL.
//!
//! `cargo run -p xtask -- bench` measures the local runtime ([`bench`]);
//! `cargo run -p xtask -- serve-bench` measures `spice serve` with a client ([`serve_bench`]).
//! `cargo run -p xtask -- costs` drives every instruction on the local runtime and rewrites the
//! generated blocks of `docs/COSTS.md` ([`costs`]); `-- costs --check` and `tests/costs.rs` fail
//! if they are stale.
//! `cargo run -p xtask -- reference` rewrites the generated blocks of `docs/REFERENCE.md` from
//! the IDL and the program's account sizes ([`reference`]); `-- reference --check` fails if they
//! are stale, and so does the test `tests/reference.rs`.

pub mod bench;
pub mod costs;
pub mod reference;
pub mod serve_bench;

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

use anchor_lang_idl::build::IdlBuilder;
use anyhow::{Context, Result};

/// The committed IDL, relative to the workspace root.
pub const IDL_FILE: &str = "idl/spice.json";

/// The command that regenerates [`IDL_FILE`].
pub const REGENERATE_COMMAND: &str = "cargo run -p xtask -- idl";

/// Environment variable that overrides where the IDL build puts its artifacts.
pub const IDL_TARGET_DIR_ENV: &str = "SPICE_IDL_TARGET_DIR";

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Where the IDL build puts its artifacts: `$SPICE_IDL_TARGET_DIR`, else `target/idl`.
///
/// It must not be the main `target/`: the IDL build compiles with its own `RUSTFLAGS` and the
/// `idl-build` feature, and sharing a target dir with it would throw away the main build's
/// artifacts every time one or the other runs.
pub fn idl_target_dir(root: &Path) -> PathBuf {
    env::var_os(IDL_TARGET_DIR_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target").join("idl"))
}

/// Fixes up this process's environment for the nested `cargo test` that [`IdlBuilder`] runs.
/// Call it before any thread is spawned (it changes the process environment).
///
/// - `RUSTUP_TOOLCHAIN`: the rustup proxy sets it for everything `cargo run` starts, and
///   `IdlBuilder` then tries to install that toolchain and calls `cargo +{toolchain}` (a literal
///   the proxy rejects). It is removed; instead the directory of the cargo that runs us (`$CARGO`)
///   goes first in `PATH`, so the IDL is built by the same toolchain as the rest of the workspace.
/// - `CARGO_ENCODED_RUSTFLAGS` would override the `RUSTFLAGS` that `IdlBuilder` sets.
pub fn prepare_idl_build_env() {
    env::remove_var("RUSTUP_TOOLCHAIN");
    env::remove_var("CARGO_ENCODED_RUSTFLAGS");
    let toolchain_bin = env::var_os("CARGO")
        .map(PathBuf::from)
        .and_then(|cargo| cargo.parent().map(Path::to_path_buf))
        .filter(|dir| {
            dir.join(format!("cargo{}", env::consts::EXE_SUFFIX))
                .is_file()
        });
    if let Some(dir) = toolchain_bin {
        let mut paths = vec![dir];
        if let Some(path) = env::var_os("PATH") {
            paths.extend(env::split_paths(&path));
        }
        if let Ok(joined) = env::join_paths(paths) {
            env::set_var("PATH", joined);
        }
    }
}

/// Builds the IDL of `programs/spice` and returns it as the pretty JSON that `anchor build`
/// writes (with a final newline). Needs [`prepare_idl_build_env`] first.
pub fn build_idl(root: &Path) -> Result<String> {
    let program = root.join("programs").join("spice");
    let target_dir = idl_target_dir(root);
    let cargo_args: Vec<String> = vec![
        // Only the library's unit tests hold the IDL printers; skip doctests.
        "--lib".into(),
        "--target-dir".into(),
        target_dir.display().to_string(),
    ];
    let idl = IdlBuilder::new()
        .program_path(program)
        .cargo_args(cargo_args)
        .build()
        .context("building the IDL of programs/spice failed (see the cargo output above)")?;
    let mut json = serde_json::to_string_pretty(&idl)?;
    json.push('\n');
    Ok(json)
}

/// Outcome of comparing the committed IDL with a fresh build.
#[derive(Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Byte for byte the same.
    Fresh,
    /// The committed file does not exist.
    Missing,
    /// They differ; the first differing line (1-based) with both versions of it.
    Stale {
        line: usize,
        committed: String,
        built: String,
    },
}

/// Compares the committed IDL text (if any) with a freshly built one.
pub fn compare(committed: Option<&str>, built: &str) -> Freshness {
    let Some(committed) = committed else {
        return Freshness::Missing;
    };
    if committed == built {
        return Freshness::Fresh;
    }
    let mut old = committed.lines();
    let mut new = built.lines();
    let mut line = 1;
    loop {
        match (old.next(), new.next()) {
            (Some(a), Some(b)) if a == b => line += 1,
            (None, None) => {
                return Freshness::Stale {
                    line,
                    committed: "<end of file; only line endings differ>".to_string(),
                    built: "<end of file; only line endings differ>".to_string(),
                }
            }
            (a, b) => {
                return Freshness::Stale {
                    line,
                    committed: a.unwrap_or("<end of file>").to_string(),
                    built: b.unwrap_or("<end of file>").to_string(),
                }
            }
        }
    }
}

/// Reads a file that may not exist.
pub fn read_optional(path: &Path) -> Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_reports_the_first_differing_line() {
        assert_eq!(compare(Some("a\nb\n"), "a\nb\n"), Freshness::Fresh);
        assert_eq!(compare(None, "a\n"), Freshness::Missing);
        assert_eq!(
            compare(Some("a\nb\nc\n"), "a\nx\nc\n"),
            Freshness::Stale {
                line: 2,
                committed: "b".into(),
                built: "x".into()
            }
        );
        assert_eq!(
            compare(Some("a\n"), "a\nb\n"),
            Freshness::Stale {
                line: 2,
                committed: "<end of file>".into(),
                built: "b".into()
            }
        );
    }

    #[test]
    fn a_trailing_newline_difference_is_stale() {
        assert!(matches!(compare(Some("a"), "a\n"), Freshness::Stale { .. }));
    }
}
