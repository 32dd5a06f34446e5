//! Rules of the code's shape that a reviewer would otherwise have to remember.

use std::path::{Path, PathBuf};

/// The `.rs` files under `folder`, recursively, in a stable order.
fn rust_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![folder.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Where `text` runs SQL: `sqlx::query*` (the functions and the macros), or an import of
/// them or of `Executor` (raw SQL strings); as `(line number, line)`.
fn sql_statements(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut import: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.contains("sqlx::query") {
            found.push((number, line.trim().to_owned()));
        }
        // `use sqlx::{…};` may span lines: read it whole.
        if import.is_none() && line.trim_start().starts_with("use sqlx") {
            import = Some((number, String::new()));
        }
        if let Some((start, statement)) = import.as_mut() {
            statement.push_str(line);
            if line.contains(';') {
                let imports_sql = statement
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|word| word.starts_with("query") || word == "Executor");
                if imports_sql {
                    found.push((*start, statement.trim().to_owned()));
                }
                import = None;
            }
        }
    }
    found
}

/// `api` is the transport: it parses, authorises, calls `commands`, `projections` or
/// `workers`, and maps. Its SQL lives in those crates, behind functions named after what
/// they do; a pool may pass through.
#[test]
fn api_runs_no_sql_of_its_own() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mut offences = Vec::new();
    for file in rust_files(&root.join("api/src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (line, statement) in sql_statements(&text) {
            let file = file.strip_prefix(root).unwrap_or(&file).display();
            offences.push(format!("{file}:{line}: {statement}"));
        }
    }
    assert!(
        offences.is_empty(),
        "api/src runs SQL; move it to a function of commands (writes), projections (reads) or \
         workers (jobs):\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_sql_finder_sees_calls_macros_and_imports() {
    let found = sql_statements(
        "let a = sqlx::query_scalar(\"select 1\");\n\
         let b = sqlx::query_as!(Row, \"select 1\");\n\
         use sqlx::{\n    PgPool,\n    query_as,\n};\n\
         use sqlx::Executor;\n\
         use sqlx::PgPool;\n\
         let pool: sqlx::PgPool = todo!();\n",
    );
    let lines: Vec<usize> = found.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [1, 2, 3, 7]);
}

/// The modules a crate's `lib.rs` declares (`mod x;`, `pub mod x;`, `pub(crate) mod x;`).
fn declared_modules(lib: &str) -> Vec<String> {
    lib.lines()
        .map(str::trim_start)
        .filter_map(|line| {
            let line = line
                .strip_prefix("pub(crate) ")
                .or_else(|| line.strip_prefix("pub "))
                .unwrap_or(line);
            let name = line.strip_prefix("mod ")?;
            let name = name.trim_end_matches(|c: char| c == ';' || c == '{' || c.is_whitespace());
            Some(name.to_owned())
        })
        .collect()
}

/// The code map's line of `krate` (`- \`krate\` — …` up to the next `- ` item), its
/// backticked snake_case words, which name modules.
fn code_map_modules(architecture: &str, krate: &str) -> Option<Vec<String>> {
    let map = architecture
        .split("## Code map")
        .nth(1)?
        .split("\n## ")
        .next()?;
    let start = format!("- `{krate}` ");
    let entry = map.split("\n- ").find_map(|item| {
        let item = format!("- {}", item.trim_start_matches("- "));
        item.starts_with(&start).then_some(item)
    })?;
    let words = entry
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|word| {
            !word.is_empty()
                && *word != krate
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_owned)
        .collect();
    Some(words)
}

/// ARCHITECTURE.md's code map is true: every module a crate declares is named in its line,
/// and every module named there exists.
#[test]
fn the_code_map_names_every_module() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut problems = Vec::new();
    for krate in ["domain", "commands", "projections", "workers", "api"] {
        let lib = std::fs::read_to_string(root.join(krate).join("src/lib.rs")).unwrap();
        let declared = declared_modules(&lib);
        let Some(named) = code_map_modules(&architecture, krate) else {
            problems.push(format!("the code map has no line for `{krate}`"));
            continue;
        };
        for module in &declared {
            if !named.contains(module) {
                problems.push(format!("{krate}::{module} is not in the code map"));
            }
        }
        for module in &named {
            if !declared.contains(module) {
                problems.push(format!(
                    "the code map names {krate}::{module}, which does not exist"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "ARCHITECTURE.md:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_code_map_reader_reads_modules_of_one_crate() {
    let architecture = "# A\n## Code map\n- `domain` — pure: `money`, `limits` (`Stamped`).\n\
                        - `api` — `app`, `graphql` (`types`).\n## Invariants\n- `x`\n";
    assert_eq!(
        code_map_modules(architecture, "domain").unwrap(),
        ["money", "limits"]
    );
    assert_eq!(
        code_map_modules(architecture, "api").unwrap(),
        ["app", "graphql", "types"]
    );
    assert_eq!(
        declared_modules("mod a;\npub mod b;\npub(crate) mod c;\n// mod d\nuse e;\n"),
        ["a", "b", "c"]
    );
}

/// `domain` is pure: without a database, HTTP or runtime crate among its dependencies, the
/// compiler refuses any I/O there.
#[test]
fn domain_depends_on_no_io_crate() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let manifest = std::fs::read_to_string(root.join("domain/Cargo.toml")).unwrap();
    let dependencies = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    for crate_name in [
        "sqlx",
        "tokio",
        "axum",
        "hyper",
        "reqwest",
        "lettre",
        "postgres-es",
        "object_store",
    ] {
        assert!(
            !dependencies
                .lines()
                .any(|line| line.trim_start().starts_with(crate_name)),
            "domain depends on {crate_name}"
        );
    }
}

/// Lines of `text` before its unit tests (`#[cfg(test)]` at the start of a line).
fn lines_before_tests(text: &str) -> usize {
    text.lines()
        .take_while(|line| !line.starts_with("#[cfg(test)]"))
        .count()
}

/// The transport layer stays readable: a file of `api/src` that grows past this holds
/// more than one resource or concern, and is split (`graphql/<resource>/…`).
const API_FILE_LINES: usize = 500;

#[test]
fn no_file_of_api_outgrows_one_concern() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let long: Vec<String> = rust_files(&root.join("api/src"))
        .into_iter()
        .filter(|file| !file.ends_with("tests.rs"))
        .filter_map(|file| {
            let lines = lines_before_tests(&std::fs::read_to_string(&file).unwrap());
            let file = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .display()
                .to_string();
            (lines > API_FILE_LINES).then(|| format!("{file}: {lines} lines"))
        })
        .collect();
    assert!(
        long.is_empty(),
        "api/src files over {API_FILE_LINES} lines outside their tests; split them by \
         concern:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_line_counter_stops_at_the_unit_tests() {
    let text = "use a;\nfn f() {}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {}\n}\n";
    assert_eq!(lines_before_tests(text), 2);
    assert_eq!(lines_before_tests("fn f() {}\n"), 1);
}
