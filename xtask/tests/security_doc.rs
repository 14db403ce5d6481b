//! SECURITY.md (and every other document that cites tests) against the code.
//!
//! - Every test cited as `module::test_name` exists: `module` is a test file — a module of the
//!   program tests (`tests/tests/program/<module>.rs`) or another integration test file of the
//!   workspace (`app/cli/tests/e2e.rs` for `e2e::…`) — holding a test `fn test_name`; a unit test
//!   cited by its path, `state::job::tests::name`, is a test `fn name` of
//!   `programs/spice/src/state/job.rs`. Paths that name no test file (`token::payee_accepts`,
//!   `spice::state::…`) are code, not citations, and are left alone.
//! - SECURITY.md's instruction × attack-class matrix has one row per instruction of the program
//!   (`programs/spice/src/lib.rs`, in its order), one cell per class, each cell a test citation,
//!   `n/a: <reason>` or `untested`, and the counts it states are the counts of its cells.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Directories whose `<module>.rs` files are integration tests that documents cite.
const TEST_DIRS: &[&str] = &[
    "tests/tests/program",
    "app/cli/tests",
    "app/ledger/tests",
    "app/serve/tests",
    "app/sdk/tests",
    "xtask/tests",
];

/// Where the program's unit tests live: `a::b::tests::name` is in `<PROGRAM_SRC>/a/b.rs`.
const PROGRAM_SRC: &str = "programs/spice/src";

const MATRIX_HEADING: &str = "## Instruction × attack-class matrix";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `a::b[::c…]` path in `text` whose segments are identifiers, the first lower-case (a
/// module: `NetworkParams::validate` is not a citation), with its line number.
fn paths(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut token = String::new();
        for ch in line.chars().chain(std::iter::once(' ')) {
            if ch.is_ascii_alphanumeric() || ch == '_' || ch == ':' {
                token.push(ch);
                continue;
            }
            let t = token.trim_matches(':');
            if t.contains("::") {
                let segments: Vec<&str> = t.split("::").collect();
                let ident = |s: &&str| {
                    s.chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                };
                let module = segments[0]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                if segments.len() >= 2 && module && segments.iter().all(ident) {
                    out.push((n + 1, t.to_string()));
                }
            }
            token.clear();
        }
    }
    out
}

/// Whether `source` holds a test function `name`: `fn name(` under a test attribute, or a
/// function a test macro lists (alone on its line, as `app/cli/tests/e2e.rs`'s stories).
fn has_test_fn(source: &str, name: &str) -> bool {
    let lines: Vec<&str> = source.lines().collect();
    let wanted = [format!("fn {name}("), format!("fn {name}<")];
    for (i, line) in lines.iter().enumerate() {
        if !wanted.iter().any(|w| line.contains(w.as_str())) {
            continue;
        }
        // Attributes and doc comments right above the function.
        let attributed = lines[..i]
            .iter()
            .rev()
            .map(|l| l.trim())
            .take_while(|l| l.starts_with("#[") || l.starts_with("//"))
            .any(|l| l.starts_with("#[") && l.contains("test"));
        // A test macro's list entry: the name alone on its line.
        let listed = lines.iter().any(|l| l.trim().trim_end_matches(',') == name);
        if attributed || listed {
            return true;
        }
    }
    false
}

/// What a cited path refers to.
#[derive(Debug, PartialEq, Eq)]
enum Citation {
    /// A test that exists.
    Test,
    /// A path into a test file or a unit-test module whose test does not exist.
    Missing(String),
    /// Not a test citation (code).
    Code,
}

/// Resolves `path` against the workspace at `root`.
fn resolve(root: &Path, path: &str) -> Citation {
    let segments: Vec<&str> = path.split("::").collect();
    let name = segments[segments.len() - 1];
    // A unit test by its module path: `state::job::tests::name`.
    if let Some(k) = segments.iter().position(|s| *s == "tests") {
        if k == 0 || k != segments.len() - 2 {
            return Citation::Code;
        }
        let module = segments[..k].join("/");
        let candidates = [
            root.join(PROGRAM_SRC).join(format!("{module}.rs")),
            root.join(PROGRAM_SRC).join(&module).join("mod.rs"),
        ];
        return match candidates.iter().find(|p| p.is_file()) {
            Some(file) if has_test_fn(&read(file), name) => Citation::Test,
            Some(file) => Citation::Missing(format!("no test fn {name} in {}", file.display())),
            None => Citation::Missing(format!(
                "no source file for module {module} under {PROGRAM_SRC}"
            )),
        };
    }
    // An integration test: `<test file>::[…::]name`.
    for dir in TEST_DIRS {
        let file = root.join(dir).join(format!("{}.rs", segments[0]));
        if file.is_file() {
            return if has_test_fn(&read(&file), name) {
                Citation::Test
            } else if is_code(root, segments[0], name) {
                // A test module and a source module may share a name (`lifecycle`): a function
                // of the source module is code, not a stale test.
                Citation::Code
            } else {
                Citation::Missing(format!("no test fn {name} in {dir}/{}.rs", segments[0]))
            };
        }
    }
    Citation::Code
}

/// Source trees whose modules documents name as code (`lifecycle::possible_actions`).
const SOURCE_DIRS: &[&str] = &[PROGRAM_SRC, "app/sdk/src", "app/ledger/src"];

/// Whether a source module `module` (a file `<module>.rs` or `<module>/mod.rs` anywhere under
/// [`SOURCE_DIRS`]) defines a function `name`.
fn is_code(root: &Path, module: &str, name: &str) -> bool {
    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut all = Vec::new();
    for dir in SOURCE_DIRS {
        files(&root.join(dir), &mut all);
    }
    let wanted = format!("fn {name}");
    all.iter()
        .filter(|p| {
            p.file_stem().is_some_and(|s| s == module)
                || (p.file_name().is_some_and(|f| f == "mod.rs")
                    && p.parent()
                        .and_then(|d| d.file_name())
                        .is_some_and(|d| d == module))
        })
        .any(|p| {
            let source = read(p);
            source.match_indices(&wanted).any(|(i, _)| {
                let rest = &source[i + wanted.len()..];
                rest.starts_with('(') || rest.starts_with('<')
            })
        })
}

/// Every cited test of `text` that does not exist, as `line: path (why)`.
fn stale_citations(root: &Path, text: &str) -> Vec<String> {
    paths(text)
        .into_iter()
        .filter_map(|(line, path)| match resolve(root, &path) {
            Citation::Missing(why) => Some(format!("line {line}: {path} ({why})")),
            _ => None,
        })
        .collect()
}

/// The documents that may cite tests: SECURITY.md, README.md and docs/*.md.
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut docs = vec![root.join("SECURITY.md"), root.join("README.md")];
    let mut md: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    md.sort();
    docs.extend(md);
    docs
}

#[test]
fn every_cited_test_exists() {
    let root = root();
    let mut stale = Vec::new();
    let mut cited = BTreeSet::new();
    for doc in documents(&root) {
        let text = read(&doc);
        for (_, path) in paths(&text) {
            if resolve(&root, &path) == Citation::Test {
                cited.insert(path);
            }
        }
        for s in stale_citations(&root, &text) {
            stale.push(format!(
                "{}: {s}",
                doc.strip_prefix(&root).unwrap_or(&doc).display()
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "documents cite tests that do not exist (renamed or deleted? update the document):\n{}",
        stale.join("\n")
    );
    // SECURITY.md cites the program tests by the dozen: a parser that found none is broken.
    assert!(
        cited.len() > 100,
        "only {} test citations found",
        cited.len()
    );
}

/// The instructions of the `#[program]` module, in order.
fn instructions(lib: &str) -> Vec<String> {
    let program = lib
        .split("#[program]")
        .nth(1)
        .expect("lib.rs has a #[program] module");
    program
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub fn "))
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

/// A matrix row: the instruction and its cells.
struct Row {
    instruction: String,
    cells: Vec<String>,
}

/// The matrix section of SECURITY.md: its header's class names, its rows and its count line.
fn matrix(security: &str) -> (Vec<String>, Vec<Row>, String) {
    let section = security
        .split(MATRIX_HEADING)
        .nth(1)
        .expect("SECURITY.md has the matrix section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let split = |line: &str| -> Vec<String> {
        let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
        inner.split('|').map(|c| c.trim().to_string()).collect()
    };
    let header = section
        .lines()
        .find(|l| l.starts_with("| Instruction |"))
        .map(split)
        .expect("matrix header row");
    let rows = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let mut cells = split(l);
            let instruction = cells.remove(0).trim_matches('`').to_string();
            Row { instruction, cells }
        })
        .collect();
    let count = section
        .lines()
        .find(|l| l.starts_with("**Count:"))
        .expect("matrix count line (**Count: …**)")
        .to_string();
    (header[1..].to_vec(), rows, count)
}

/// Cell kinds.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    tests: usize,
    na: usize,
    untested: usize,
}

/// Classifies the matrix's cells; errors name the cells that are none of the three kinds.
fn count_cells(root: &Path, rows: &[Row]) -> (Counts, Vec<String>) {
    let mut counts = Counts::default();
    let mut errors = Vec::new();
    for row in rows {
        for (i, cell) in row.cells.iter().enumerate() {
            let where_ = format!("{} column {}", row.instruction, i + 2);
            if let Some(reason) = cell.strip_prefix("n/a:") {
                if reason.trim().is_empty() {
                    errors.push(format!("{where_}: n/a without a reason"));
                }
                counts.na += 1;
            } else if cell.starts_with("untested") {
                counts.untested += 1;
            } else if paths(cell)
                .iter()
                .any(|(_, p)| resolve(root, p) == Citation::Test)
            {
                counts.tests += 1;
            } else {
                errors.push(format!(
                    "{where_}: neither a test citation, `n/a: <reason>` nor `untested`: {cell}"
                ));
            }
        }
    }
    (counts, errors)
}

/// The integers of the count line, in order.
fn numbers(line: &str) -> Vec<usize> {
    line.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("a number"))
        .collect()
}

#[test]
fn the_matrix_has_one_row_per_instruction_and_its_counts_are_right() {
    let root = root();
    let security = read(&root.join("SECURITY.md"));
    let lib = read(&root.join("programs/spice/src/lib.rs"));
    let program = instructions(&lib);
    assert!(program.len() > 30, "lib.rs parsed: {program:?}");
    let (classes, rows, count_line) = matrix(&security);
    let documented: Vec<String> = rows.iter().map(|r| r.instruction.clone()).collect();
    assert_eq!(
        documented, program,
        "the matrix's rows must be the instructions of programs/spice/src/lib.rs, in order"
    );
    for row in &rows {
        assert_eq!(
            row.cells.len(),
            classes.len(),
            "{}: {} cells for {} classes",
            row.instruction,
            row.cells.len(),
            classes.len()
        );
    }
    let (counts, errors) = count_cells(&root, &rows);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let cells = rows.len() * classes.len();
    let stated = numbers(&count_line);
    let actual = vec![
        rows.len(),
        classes.len(),
        cells,
        counts.tests,
        counts.na,
        counts.untested,
    ];
    assert_eq!(
        stated, actual,
        "SECURITY.md's count line must read: **Count: {} instructions × {} classes = {} cells — \
         {} cite a test, {} n/a, {} untested.**\nit reads: {count_line}",
        actual[0], actual[1], actual[2], actual[3], actual[4], actual[5]
    );
}

// ------------------------------------------------------------------ the checker itself

#[test]
fn a_stale_name_is_caught() {
    let root = root();
    // A test that exists, one that no longer does (v1's), a unit test that exists and one that
    // does not, an e2e story, and code paths that are not citations.
    let text = "`security::the_same_vault_twice_is_refused`, \
                `job::error_create_job_same_id_twice`, `security::the_same_vault_twice_is_refusedX`,\n\
                `state::job::tests::a_dispute_never_shortens_an_audit_vote_deadline`, \
                state::job::tests::no_such_unit_test,\n\
                `e2e::audit_fails_on_a_tampered_ledger_file`, `token::payee_accepts`, \
                NetworkParams::validate, `spice::state::lifecycle::possible_actions`";
    let stale = stale_citations(&root, text);
    assert_eq!(stale.len(), 3, "{stale:#?}");
    assert!(stale[0].contains("job::error_create_job_same_id_twice"));
    assert!(stale[1].contains("security::the_same_vault_twice_is_refusedX"));
    assert!(stale[2].contains("state::job::tests::no_such_unit_test"));
    assert_eq!(
        resolve(&root, "security::the_same_vault_twice_is_refused"),
        Citation::Test
    );
    assert_eq!(resolve(&root, "token::payee_accepts"), Citation::Code);
    // A source module that shares a test module's name: its functions are code.
    assert_eq!(
        resolve(&root, "lifecycle::possible_actions"),
        Citation::Code
    );
    assert!(matches!(
        resolve(&root, "lifecycle::no_such_test_or_function"),
        Citation::Missing(_)
    ));
    // A helper of a test module is not a test.
    assert!(matches!(
        resolve(&root, "security::finalized_epoch"),
        Citation::Missing(_)
    ));
}

#[test]
fn a_wrong_count_or_an_unclassified_cell_is_caught() {
    let root = root();
    let doc = format!(
        "{MATRIX_HEADING}\n\n**Count: 2 instructions × 2 classes = 4 cells — 2 cite a test, 1 n/a, \
         1 untested.**\n\n| Instruction | A | B |\n|---|---|---|\n\
         | `stake` | `provider::error_stake_wrong_mint` | n/a: no reason needed here |\n\
         | `begin_unbond` | `provider::no_such_test` | untested |\n\n## Next\n"
    );
    let (classes, rows, count) = matrix(&doc);
    assert_eq!(classes, ["A", "B"]);
    let (counts, errors) = count_cells(&root, &rows);
    assert_eq!(
        counts,
        Counts {
            tests: 1,
            na: 1,
            untested: 1
        }
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_ne!(numbers(&count)[3], counts.tests);
}
