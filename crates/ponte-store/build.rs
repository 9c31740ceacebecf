//! Embeds `ontology/` and `seed-data/` into the crate so `ponte serve` can seed a new store from
//! any working directory, and rebuilds when one of their files changes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    // At run time, not compile time: a build-script binary cached from another checkout must
    // read this checkout's files.
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest_dir.join("../..");
    let mut out = String::from(
        "/// The RDF files of `ontology/` and `seed-data/`, embedded at build time.\npub static SEED_FILES: &[SeedFile] = &[\n",
    );
    for dir in ["ontology", "seed-data"] {
        let dir_path = root.join(dir);
        println!("cargo:rerun-if-changed={}", dir_path.display());
        let mut files = Vec::new();
        collect(&dir_path, &mut files);
        files.sort();
        for file in files {
            let relative = file.strip_prefix(&root).expect("inside the repository");
            let relative = relative.to_string_lossy().replace('\\', "/");
            let absolute = fs::canonicalize(&file).expect("readable seed file");
            writeln!(
                out,
                "    SeedFile {{ path: {relative:?}, content: include_bytes!({:?}) }},",
                absolute.display().to_string()
            )
            .expect("write to string");
        }
    }
    out.push_str("];\n");
    let target = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("seed_files.rs");
    fs::write(target, out).expect("write seed_files.rs");
}

/// Collects the RDF files (by extension) under `dir`, recursively; a missing folder is empty.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("ttl" | "nt" | "rdf" | "jsonld")
        ) {
            files.push(path);
        }
    }
}
