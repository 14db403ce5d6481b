//! `cargo run -p xtask -- <task>`: see `cargo run -p xtask -- help`.

use std::fs;
use std::process::ExitCode;

use anyhow::{Context, Result};
use xtask::{
    build_idl, compare, idl_target_dir, prepare_idl_build_env, read_optional, workspace_root,
    Freshness, IDL_FILE, REGENERATE_COMMAND,
};

const USAGE: &str = "\
usage: cargo run -p xtask -- <task>

tasks:
  idl            build the program's IDL on the host and write idl/spice.json
  idl --check    build it and fail if idl/spice.json differs (writes nothing under idl/)
  reference      rewrite the generated blocks of docs/REFERENCE.md from idl/spice.json
  reference --check
                 fail if those blocks are stale (writes nothing)
  costs          run every instruction on the local runtime and rewrite the generated blocks
                 of docs/COSTS.md (bytes, accounts, write locks, CPIs, rent, CU estimates)
  costs --check  fail if those blocks are stale (writes nothing)
  bench [...]    job lifecycles/s of `spice simulate` with and without signature checks (and
                 an older binary's), the program test binary's wall time; `bench --help`
  serve-bench [...]
                 getAccountInfo requests/s and sendTransaction transactions/s of `spice serve`,
                 with a client in the same run; `serve-bench --help`
  help           this text

The IDL build runs `cargo test --features idl-build` on programs/spice in its own target dir
(target/idl, or $SPICE_IDL_TARGET_DIR), so it never invalidates the main target/.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    if args.first() == Some(&"idl") {
        // Before any thread exists: the nested cargo inherits this environment. Only for the
        // IDL build: `bench` runs cargo on the main target dir, where a changed environment
        // would rebuild crates that read it.
        prepare_idl_build_env();
    }
    let result = match args.as_slice() {
        ["idl"] => idl(false),
        ["idl", "--check"] => idl(true),
        ["reference"] => xtask::reference::run(&workspace_root(), false),
        ["reference", "--check"] => xtask::reference::run(&workspace_root(), true),
        ["costs"] => xtask::costs::run(&workspace_root(), false),
        ["costs", "--check"] => xtask::costs::run(&workspace_root(), true),
        ["bench", rest @ ..] => xtask::bench::BenchArgs::parse(rest)
            .and_then(|a| xtask::bench::bench(&workspace_root(), &a).map(|()| true)),
        ["serve-bench", rest @ ..] => {
            xtask::serve_bench::ServeBenchArgs::parse(rest).and_then(xtask::serve_bench::run)
        }
        [] | ["help"] | ["-h"] | ["--help"] => {
            println!("{USAGE}");
            Ok(true)
        }
        _ => {
            eprintln!("{USAGE}");
            Err(anyhow::anyhow!("unknown task: {}", args.join(" ")))
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Builds the IDL; writes it, or (with `check`) compares it with the committed one.
/// Returns whether the task succeeded.
fn idl(check: bool) -> Result<bool> {
    let root = workspace_root();
    let path = root.join(IDL_FILE);
    let built = build_idl(&root)?;

    if !check {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        fs::write(&path, &built).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {IDL_FILE} ({} bytes)", built.len());
        return Ok(true);
    }

    // Keep the fresh build beside the other IDL artifacts so a stale file can be diffed.
    let fresh = idl_target_dir(&root).join("spice.json");
    if let Err(e) = fs::write(&fresh, &built) {
        eprintln!("warning: could not write {}: {e}", fresh.display());
    }
    match compare(read_optional(&path)?.as_deref(), &built) {
        Freshness::Fresh => {
            println!("{IDL_FILE} is up to date");
            Ok(true)
        }
        Freshness::Missing => {
            eprintln!("{IDL_FILE} does not exist. Generate it with:\n\n    {REGENERATE_COMMAND}\n");
            Ok(false)
        }
        Freshness::Stale {
            line,
            committed,
            built,
        } => {
            eprintln!(
                "{IDL_FILE} is stale: it differs from the IDL the program builds now.\n\
                 first difference, line {line}:\n  \
                 committed: {}\n  built:     {}\n\
                 the fresh IDL is at {}\n\n\
                 Regenerate it with:\n\n    {REGENERATE_COMMAND}\n",
                committed.trim(),
                built.trim(),
                fresh.display(),
            );
            Ok(false)
        }
    }
}
