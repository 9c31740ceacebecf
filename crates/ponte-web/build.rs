//! Embeds the analyst queries of `docs/queries/` as the SPARQL console's examples, so a new
//! query file is one click away in the console without a list to keep in step.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time, not with env!: a build script compiled for one checkout may be run
    // for another that shares the target directory.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("../../docs/queries");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("docs/queries exists")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "rq"))
        .collect();
    files.sort();
    let mut code = String::from("/// The analyst queries of `docs/queries/`: (file stem, text).\n");
    code.push_str("pub(crate) const EXAMPLES: &[(&str, &str)] = &[\n");
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 file name");
        let absolute = path.canonicalize().expect("readable query file");
        writeln!(
            code,
            "    ({stem:?}, include_str!({:?})),",
            absolute.display()
        )
        .expect("string");
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("examples.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
