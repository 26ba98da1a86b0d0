//! The domain's modules form layers: no module reaches back to one that
//! depends on it (the import cycle between eligibility, rules and i18n is
//! how text crept into the engine). Read from the sources, so a new `use`
//! that closes a loop fails here.

use std::collections::{BTreeMap, BTreeSet};

fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    // Code only: no comments, no test module (always last in a file here).
    let code_of = |path: &std::path::Path| -> String {
        let text = std::fs::read_to_string(path).unwrap();
        text.split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap()
            .lines()
            .map(|l| l.split("//").next().unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    };
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" {
            continue;
        }
        // A module with files of its own (`review/`) is one node: all its files.
        let code: String = if path.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()).collect();
            files.sort();
            files.iter().map(|f| code_of(f)).collect::<Vec<_>>().join("\n")
        } else {
            code_of(&path)
        };
        let ident = |s: &str| s.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
        let mut deps = BTreeSet::new();
        for rest in code.split("crate::").skip(1) {
            match rest.strip_prefix('{') {
                // `use crate::{a, b::C}`: every first segment inside the braces.
                Some(group) => deps.extend(group.split('}').next().unwrap().split(',').map(ident)),
                None => {
                    deps.insert(ident(rest));
                }
            }
        }
        deps.retain(|d| *d != name && !d.is_empty());
        out.insert(name, deps);
    }
    out
}

#[test]
fn no_domain_module_depends_on_itself_through_others() {
    let graph = imports();
    assert!(graph.contains_key("eligibility") && graph.contains_key("i18n"), "{graph:?}");
    assert!(graph["i18n"].contains("eligibility") && graph["gate"].contains("i18n"), "imports are read: {graph:?}");
    // Depth-first search for a path from each module back to itself.
    for start in graph.keys() {
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for dep in graph.get(&node).into_iter().flatten() {
                assert!(dep != start, "an import cycle: {} -> {start}", path.join(" -> "));
                if graph.contains_key(dep) && seen.insert(dep.clone()) {
                    let mut next = path.clone();
                    next.push(dep.clone());
                    stack.push((dep.clone(), next));
                }
            }
        }
    }
}
