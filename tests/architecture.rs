//! Dependencies flow one way (STYLE.md §2.9): plain data at the bottom, then schema, views and
//! rules, then the configuration, the pipeline, the linter and the run, then the renderers. This
//! test reads `src/**/*.rs`, collects each module's `crate::…` paths (in `use` lines and in code,
//! test code left out) and fails on an import of a higher layer, on a circle between modules,
//! and on a pipeline stage that reaches a stage above it. A new module gets a line in
//! [`LAYERS`]; a new pipeline stage a place in [`STAGES`].

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may import modules of its own layer or of layers below;
/// never above. Modules are the crate's top-level ones (`src/x.rs` or `src/x/`).
const LAYERS: &[(&str, &[&str])] = &[
    // JSON pointers, spans and parsing; exact money; ISO code tables; API versions and payload
    // kinds; status buckets. They import nothing of the crate.
    ("plain data", &["json", "money", "iso", "payload", "status"]),
    // `Diagnostic`, `Severity`, `RuleMeta`, `Category`, and the built-in codes.
    ("diagnostics", &["diagnostic", "codes", "fix"]),
    // The JSON Schemas; typed views of objects; the ids seen across a file; the facts a run
    // remembers across files.
    (
        "schema and views",
        &["schema", "view", "seen_ids", "references"],
    ),
    // The `Rule` trait, `Context`, `Settings`; revenue recomputed from views.
    ("rule engine", &["rule", "revenue"]),
    // The registry and one file per rule.
    ("rules", &["rules"]),
    // `Config`: checks rule names against the registry, holds the settings rules read.
    ("configuration", &["config"]),
    // One file's way: source, document, stream, JSON Lines, object, finish.
    ("pipeline", &["pipeline"]),
    // The public `Linter` facade.
    ("linter", &["linter"]),
    // Many files checked together: order, totals, cross-file state.
    ("run", &["run"]),
    // Request bodies cut from exports as a run reads them (`klar-lint split`).
    ("split", &["split"]),
    // Output formats.
    ("renderers", &["render"]),
    // The Python module (feature `python`): a thin layer over the linter and the renderers.
    ("bindings", &["python"]),
];

/// The stages of `src/pipeline/`, lowest first: a stage may use those before it in this list,
/// and the hub (`pipeline/mod.rs`: `Pipeline`, the chunk sizes), never one after it.
const STAGES: &[&str] = &[
    "report", "locate", "decode", "guard", "finish", "tap", "object", "envelope", "stream",
    "document", "jsonl", "source",
];

struct Import {
    file: String,
    line: usize,
    /// The path as written, after `crate::` or `super::`, each segment.
    path: Vec<String>,
    /// Whether it was `super::` (only followed inside the pipeline).
    relative: bool,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/`, except the binary's (a crate of its own) and files that are
/// test modules (`tests.rs`, declared `#[cfg(test)] mod tests;`).
fn files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![src()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path != src().join("bin") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs")
                && path.file_name().is_some_and(|n| n != "tests.rs")
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The module a file belongs to: `src/rules/zero_date.rs` is in `rules`, `src/lib.rs` in none.
fn module_of(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?.to_owned();
    match first.strip_suffix(".rs") {
        Some("lib") => None,
        Some(stem) => Some(stem.to_owned()),
        None => Some(first),
    }
}

/// The code of a file with comments and the contents of string and char literals blanked out
/// (newlines kept, so offsets and lines still match), and then `#[cfg(test)]` items blanked too.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in out.iter_mut().take(to).skip(from) {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |n| i + n);
                blank(&mut out, i, end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
                blank(&mut out, i, end);
                i = end;
            }
            b'r' if (i == 0 || !ident(b[i - 1]) || b[i - 1] == b'b')
                && matches!(b.get(i + 1), Some(b'"' | b'#')) =>
            {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + 1 + hashes) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let body = i + 2 + hashes;
                let end = text[body..]
                    .find(&close)
                    .map_or(b.len(), |n| body + n + close.len());
                blank(&mut out, body, end - close.len());
                i = end;
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                blank(&mut out, i + 1, j.min(b.len()));
                i = j + 1;
            }
            b'\'' => {
                // A char literal ('x', '\n', '\u{7f}'), or a lifetime ('a).
                let end = if b.get(i + 1) == Some(&b'\\') {
                    b[i + 2..]
                        .iter()
                        .position(|&c| c == b'\'')
                        .map(|n| i + 2 + n)
                } else {
                    text[i + 1..]
                        .chars()
                        .next()
                        .map(|c| i + 1 + c.len_utf8())
                        .filter(|&e| b.get(e) == Some(&b'\''))
                };
                match end {
                    Some(e) => {
                        blank(&mut out, i + 1, e);
                        i = e + 1;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    let mut code = String::from_utf8(out).unwrap();
    // `#[cfg(test)]` items: up to the `;` or through the matching `}`.
    while let Some(at) = code.find("#[cfg(test)]") {
        let bytes = code.as_bytes();
        let mut j = at;
        let mut depth = 0usize;
        loop {
            match bytes.get(j) {
                None => break,
                Some(b';') if depth == 0 => {
                    j += 1;
                    break;
                }
                Some(b'{') => depth += 1,
                Some(b'}') => {
                    depth -= 1;
                    if depth == 0 {
                        j += 1;
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        let mut raw = code.into_bytes();
        blank(&mut raw, at, j);
        code = String::from_utf8(raw).unwrap();
    }
    code
}

/// Parses a use-tree (or a plain path) at `i`: `a::b`, `a::{b, c::{d as e}}`, `a::*`.
fn use_tree(b: &[u8], i: &mut usize) -> Vec<Vec<String>> {
    let skip_ws = |i: &mut usize| {
        while b.get(*i).is_some_and(u8::is_ascii_whitespace) {
            *i += 1;
        }
    };
    let word = |i: &mut usize| {
        let start = *i;
        while b
            .get(*i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            *i += 1;
        }
        String::from_utf8_lossy(&b[start..*i]).into_owned()
    };
    skip_ws(i);
    match b.get(*i) {
        Some(b'{') => {
            *i += 1;
            let mut out = Vec::new();
            loop {
                skip_ws(i);
                match b.get(*i) {
                    None => break,
                    Some(b'}') => {
                        *i += 1;
                        break;
                    }
                    Some(b',') => *i += 1,
                    _ => {
                        let before = *i;
                        out.extend(use_tree(b, i));
                        if *i == before {
                            *i += 1;
                        }
                    }
                }
            }
            out
        }
        Some(b'*') => {
            *i += 1;
            vec![Vec::new()]
        }
        _ => {
            let name = word(i);
            if name.is_empty() {
                return Vec::new();
            }
            if b.get(*i..*i + 2) == Some(b"::") {
                *i += 2;
                let rest = use_tree(b, i);
                if rest.is_empty() {
                    return vec![vec![name]];
                }
                return rest
                    .into_iter()
                    .map(|mut p| {
                        p.insert(0, name.clone());
                        p
                    })
                    .collect();
            }
            let mut j = *i;
            skip_ws(&mut j);
            if b.get(j..j + 3) == Some(b"as ") {
                j += 3;
                skip_ws(&mut j);
                word(&mut j);
                *i = j;
            }
            vec![vec![name]]
        }
    }
}

/// Every `crate::…` (and `$crate::…`) path of a file, and its `super::…` paths.
fn imports(file: &Path) -> Vec<Import> {
    let text = std::fs::read_to_string(file).unwrap();
    let code = code_only(&text);
    let b = code.as_bytes();
    let name = file
        .strip_prefix(src().parent().unwrap())
        .unwrap()
        .display()
        .to_string();
    let mut out = Vec::new();
    for (keyword, relative) in [("crate::", false), ("super::", true)] {
        for (at, _) in code.match_indices(keyword) {
            if at > 0 && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_') {
                continue;
            }
            let line = code[..at].matches('\n').count() + 1;
            let mut i = at + keyword.len();
            for path in use_tree(b, &mut i) {
                out.push(Import {
                    file: name.clone(),
                    line,
                    path,
                    relative,
                });
            }
        }
    }
    out
}

/// What the crate root re-exports, and the macros it exports: name → module.
fn root_names() -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let lib = code_only(&std::fs::read_to_string(src().join("lib.rs")).unwrap());
    for (at, _) in lib.match_indices("pub use ") {
        let mut i = at + "pub use ".len();
        for path in use_tree(lib.as_bytes(), &mut i) {
            if let (Some(module), Some(item)) = (path.first(), path.last()) {
                names.insert(item.clone(), module.clone());
            }
        }
    }
    for (at, _) in lib.match_indices("pub type ") {
        let rest = &lib[at + "pub type ".len()..];
        let (alias, target) = rest.split_once('=').unwrap();
        let target = target.trim().trim_end_matches(';').trim();
        if let Some(module) = names.get(target).cloned() {
            names.insert(alias.trim().to_owned(), module);
        }
    }
    for file in files() {
        let Some(module) = module_of(&file) else {
            continue;
        };
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        for (at, _) in code.match_indices("#[macro_export]") {
            if let Some(m) = code[at..].find("macro_rules!") {
                let rest = code[at + m + "macro_rules!".len()..].trim_start();
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap();
                names.insert(rest[..end].to_owned(), module.clone());
            }
        }
    }
    names
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, ms)| ms.contains(&module))
}

/// Each import resolved to the top-level module it names: (importing module, imported module,
/// the import).
fn edges() -> Vec<(String, String, Import)> {
    let roots = root_names();
    let mut out = Vec::new();
    for file in files() {
        let Some(from) = module_of(&file) else {
            continue;
        };
        for import in imports(&file) {
            if import.relative {
                continue;
            }
            let Some(first) = import.path.first() else {
                continue;
            };
            let to = if src().join(format!("{first}.rs")).exists() || src().join(first).is_dir() {
                first.clone()
            } else if let Some(module) = roots.get(first) {
                module.clone()
            } else {
                panic!(
                    "{}:{}: `crate::{}` names neither a module nor a root re-export",
                    import.file,
                    import.line,
                    import.path.join("::")
                );
            };
            out.push((from.clone(), to, import));
        }
    }
    out
}

#[test]
fn every_module_has_a_layer() {
    let missing: BTreeSet<String> = files()
        .iter()
        .filter_map(|f| module_of(f))
        .filter(|m| layer_of(m).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a layer: {missing:?}; add each to LAYERS in tests/architecture.rs"
    );
}

#[test]
fn no_module_imports_one_above_it() {
    let mut report = String::new();
    for (from, to, import) in edges() {
        let (Some(a), Some(b)) = (layer_of(&from), layer_of(&to)) else {
            continue;
        };
        if b > a {
            let _ = writeln!(
                report,
                "{}:{}: `crate::{}`: `{from}` ({}) imports `{to}` ({}), a higher layer",
                import.file,
                import.line,
                import.path.join("::"),
                LAYERS[a].0,
                LAYERS[b].0,
            );
        }
    }
    assert!(
        report.is_empty(),
        "imports against the layers (see LAYERS in tests/architecture.rs):\n{report}"
    );
}

/// Depth-first, keeping the path: a module met again on the path closes a circle.
fn visit(
    node: &str,
    graph: &BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
    circles: &mut Vec<String>,
) {
    if let Some(at) = path.iter().position(|n| n == node) {
        let mut circle = path[at..].to_vec();
        circle.push(node.to_owned());
        circles.push(circle.join(" → "));
        return;
    }
    if !done.insert(node.to_owned()) {
        return;
    }
    path.push(node.to_owned());
    for next in graph.get(node).into_iter().flatten() {
        visit(next, graph, path, done, circles);
    }
    path.pop();
}

#[test]
fn no_circle_between_modules() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to, _) in edges() {
        if from != to {
            graph.entry(from).or_default().insert(to);
        }
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done, &mut circles);
    }
    assert!(
        circles.is_empty(),
        "modules import each other in a circle: {circles:#?}"
    );
}

#[test]
fn pipeline_stages_use_only_the_stages_below_them() {
    let mut report = String::new();
    let dir = src().join("pipeline");
    for file in files().iter().filter(|f| f.parent() == Some(dir.as_path())) {
        let stem = file.file_stem().unwrap().to_str().unwrap();
        if stem == "mod" {
            continue;
        }
        let Some(own) = STAGES.iter().position(|s| *s == stem) else {
            let _ = writeln!(report, "src/pipeline/{stem}.rs: not in STAGES");
            continue;
        };
        for import in imports(file) {
            let stage = match (import.relative, import.path.as_slice()) {
                (true, [first, ..]) => first,
                (false, [pipeline, second, ..]) if pipeline == "pipeline" => second,
                _ => continue,
            };
            if let Some(other) = STAGES.iter().position(|s| s == stage) {
                if other > own {
                    let _ = writeln!(
                        report,
                        "{}:{}: `{}`: stage `{stem}` uses `{stage}`, a later stage",
                        import.file,
                        import.line,
                        import.path.join("::")
                    );
                }
            }
        }
    }
    assert!(
        report.is_empty(),
        "pipeline stages against their order (see STAGES in tests/architecture.rs):\n{report}"
    );
}

#[test]
fn the_scanner_sees_what_it_must() {
    let code = code_only(
        "use crate::{a::B, c::{d::E as F, g}};\n// crate::comment\nlet s = \"crate::string\";\n\
         let c = '{'; fn f<'a>() { crate::h::i(); }\n#[cfg(test)]\nmod tests { use crate::j; }\n",
    );
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let mut i = at + "crate::".len();
        found.extend(
            use_tree(code.as_bytes(), &mut i)
                .into_iter()
                .map(|p| p.join("::")),
        );
    }
    assert_eq!(found, ["a::B", "c::d::E", "c::g", "h::i"]);
}
