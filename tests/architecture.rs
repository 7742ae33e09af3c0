//! The crate boundaries of DESIGN.md, checked against `cargo metadata`.

use std::process::Command;

use serde_json::Value;

fn metadata() -> Value {
    let out = Command::new(env!("CARGO"))
        // The workspace's own manifests say all this test asks; resolving the whole graph
        // would need every platform's crates downloaded.
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--no-deps",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON")
}

fn normal_dependencies(meta: &Value, package: &str) -> Vec<String> {
    let pkg = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == package)
        .unwrap_or_else(|| panic!("package {package} not in the workspace"));
    pkg["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"].is_null())
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn crm_core_stays_free_of_io_crates() {
    let deps = normal_dependencies(&metadata(), "crm-core");
    assert!(
        deps.contains(&"serde".to_owned()),
        "metadata read wrongly: {deps:?}"
    );
    for forbidden in ["sea-orm", "sqlx", "tokio", "csv", "calamine"] {
        assert!(
            !deps.iter().any(|d| d == forbidden),
            "crm-core depends on {forbidden}: {deps:?}"
        );
    }
}

#[test]
fn dependencies_point_towards_the_core() {
    let meta = metadata();
    let store = normal_dependencies(&meta, "crm-store");
    assert!(store.contains(&"crm-core".to_owned()));
    assert!(!store.contains(&"crm".to_owned()));
    let core = normal_dependencies(&meta, "crm-core");
    assert!(
        !core.iter().any(|d| d.starts_with("crm")),
        "crm-core depends on {core:?}"
    );
    // The import and the rules engine see only the core: no store, no database, no runtime.
    for leaf in ["crm-import", "crm-rules"] {
        let deps = normal_dependencies(&meta, leaf);
        assert!(deps.contains(&"crm-core".to_owned()), "{leaf}: {deps:?}");
        for forbidden in ["crm", "crm-store", "crm-import", "sea-orm", "sqlx", "tokio"] {
            assert!(
                !deps.iter().any(|d| d == forbidden),
                "{leaf} depends on {forbidden}: {deps:?}"
            );
        }
    }
}
