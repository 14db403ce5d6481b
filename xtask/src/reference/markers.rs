//! The generated blocks of a Markdown file: everything between a line
//! `<!-- generated:NAME -->` and the next line `<!-- /generated:NAME -->` belongs to the
//! generator; everything else is hand-written and kept byte for byte.

use std::collections::{BTreeMap, BTreeSet};

/// What a marker line says.
#[derive(Debug, PartialEq, Eq)]
enum Marker<'a> {
    Start(&'a str),
    End(&'a str),
}

fn marker(line: &str) -> Option<Marker<'_>> {
    let inner = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    if let Some(name) = inner.strip_prefix("/generated:") {
        return Some(Marker::End(name.trim()));
    }
    inner
        .strip_prefix("generated:")
        .map(|name| Marker::Start(name.trim()))
}

/// The start marker line of block `name`.
pub fn start_marker(name: &str) -> String {
    format!("<!-- generated:{name} -->")
}

/// The end marker line of block `name`.
pub fn end_marker(name: &str) -> String {
    format!("<!-- /generated:{name} -->")
}

/// A generated block found in a file.
#[derive(Debug, PartialEq, Eq)]
pub struct Block<'a> {
    pub name: &'a str,
    /// 0-based line numbers of its start and end markers.
    pub start: usize,
    pub end: usize,
}

/// The generated blocks of `doc`, in order, or what is wrong with its markers.
pub fn blocks(doc: &str) -> Result<Vec<Block<'_>>, Vec<String>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut open: Option<(&str, usize)> = None;
    for (i, line) in doc.lines().enumerate() {
        match (marker(line), open) {
            (None, _) => {}
            (Some(Marker::Start(name)), None) => open = Some((name, i)),
            (Some(Marker::Start(name)), Some((outer, at))) => {
                problems.push(format!(
                    "line {}: block `{name}` starts inside block `{outer}` (opened on line {})",
                    i + 1,
                    at + 1
                ));
                open = Some((name, i));
            }
            (Some(Marker::End(name)), Some((opened, at))) if name == opened => {
                out.push(Block {
                    name,
                    start: at,
                    end: i,
                });
                open = None;
            }
            (Some(Marker::End(name)), _) => problems.push(format!(
                "line {}: `{}` closes no open block",
                i + 1,
                end_marker(name)
            )),
        }
    }
    if let Some((name, at)) = open {
        problems.push(format!(
            "line {}: block `{name}` is never closed (`{}`)",
            at + 1,
            end_marker(name)
        ));
    }
    let mut seen = BTreeSet::new();
    for b in &out {
        if !seen.insert(b.name) {
            problems.push(format!(
                "line {}: block `{}` appears twice",
                b.start + 1,
                b.name
            ));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// `doc` with the content of every block replaced by `generated[name]` (which starts and ends
/// with a blank line, so that Markdown sees the block's tables apart from the markers). Fails,
/// listing every problem, if a marker is malformed, if `doc` has a block the generator does not
/// know, or lacks one it must have.
pub fn splice(doc: &str, generated: &BTreeMap<String, String>) -> Result<String, Vec<String>> {
    let found = blocks(doc)?;
    let mut problems = Vec::new();
    for b in &found {
        if !generated.contains_key(b.name) {
            problems.push(format!(
                "line {}: block `{}` is not generated any more (the IDL has no such item): \
                 remove it and its section",
                b.start + 1,
                b.name
            ));
        }
    }
    let present: BTreeSet<&str> = found.iter().map(|b| b.name).collect();
    for name in generated.keys() {
        if !present.contains(name.as_str()) {
            problems.push(format!(
                "block `{name}` is missing: add the two lines\n        {}\n        {}\n    \
                 where it belongs (see \"About this file\" in docs/REFERENCE.md)",
                start_marker(name),
                end_marker(name)
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let lines: Vec<&str> = doc.lines().collect();
    let mut out = String::with_capacity(doc.len());
    let mut next = 0;
    for b in &found {
        for line in &lines[next..=b.start] {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(&generated[b.name]);
        next = b.end;
    }
    for line in &lines[next..] {
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// The hand-written part of `doc`: every line outside the generated blocks (markers dropped).
pub fn hand_written(doc: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in doc.lines() {
        match marker(line) {
            Some(Marker::Start(_)) => inside = true,
            Some(Marker::End(_)) => inside = false,
            None if !inside => {
                out.push_str(line);
                out.push('\n');
            }
            None => {}
        }
    }
    out
}

/// The name of the block that holds 1-based line `line` of `doc`, if any.
pub fn block_at(doc: &str, line: usize) -> Option<String> {
    let found = blocks(doc).ok()?;
    found
        .iter()
        .find(|b| b.start < line && line <= b.end + 1)
        .map(|b| b.name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn replaces_block_contents_and_keeps_the_rest() {
        let doc = "# T\nkeep\n<!-- generated:a -->\nold\nold\n<!-- /generated:a -->\ntail\n";
        let out = splice(doc, &generated(&[("a", "\nnew\n\n")])).unwrap();
        assert_eq!(
            out,
            "# T\nkeep\n<!-- generated:a -->\n\nnew\n\n<!-- /generated:a -->\ntail\n"
        );
        // Idempotent.
        assert_eq!(
            splice(&out, &generated(&[("a", "\nnew\n\n")])).unwrap(),
            out
        );
        assert_eq!(hand_written(&out), "# T\nkeep\ntail\n");
        assert_eq!(block_at(&out, 5).as_deref(), Some("a"));
        assert_eq!(block_at(&out, 2), None);
    }

    #[test]
    fn missing_unknown_and_broken_blocks_are_reported() {
        let doc = "<!-- generated:gone -->\n<!-- /generated:gone -->\n";
        let problems = splice(doc, &generated(&[("new", "\n")])).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("`gone` is not generated"));
        assert!(problems[1].contains("<!-- generated:new -->"));

        assert!(blocks("<!-- generated:a -->\n").is_err());
        assert!(blocks("<!-- /generated:a -->\n").is_err());
        assert!(blocks("<!-- generated:a -->\n<!-- generated:b -->\n").is_err());
        assert!(blocks(
            "<!-- generated:a -->\n<!-- /generated:a -->\n<!-- generated:a -->\n<!-- /generated:a -->\n"
        )
        .is_err());
    }
}
