//! The repository stands on its own: no file of it refers to a folder beside the clone.

use std::path::Path;

/// Every file below `dir` but the build output and git's own, with its path.
fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "target" && name != ".git" {
                files(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

#[test]
fn no_file_refers_to_the_shelf_beside_the_repository() {
    // Spelt in two parts, so that this file does not name it either.
    let beside = format!("{}/{}", "..", "shared");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    files(root, &mut all);
    assert!(
        all.len() > 50,
        "the repository's files are found: {}",
        all.len()
    );
    let naming: Vec<_> = all
        .iter()
        .filter(|path| {
            std::fs::read(path).is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(&beside))
        })
        .map(|path| path.strip_prefix(root).unwrap().display().to_string())
        .collect();
    assert!(naming.is_empty(), "{naming:?} refer to {beside}");
}
