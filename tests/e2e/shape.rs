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
