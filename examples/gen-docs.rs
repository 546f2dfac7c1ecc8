//! Regenerates the committed `completions/` and `man/` from `src/cli.rs`:
//! `cargo run --example gen-docs`.

fn main() -> std::io::Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    ado_scm::commands::completions::write_all(root)?;
    println!(
        "wrote {} and {}",
        root.join("completions").display(),
        root.join("man").display()
    );
    Ok(())
}
