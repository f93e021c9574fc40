//! Fuzz target: whole configuration files through the reader. A 0xFE byte splits the
//! input into several files, so per-file state (sections, `.if` blocks, scopes, aborts)
//! is exercised across file boundaries too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_config::env::Env;
use rampart_config::reader::Reader;

fuzz_target!(|data: &[u8]| {
    let mut env = Env::empty();
    env.set("A", "1");
    env.set("B", "x y");
    let mut reader = Reader::new(&mut env);
    for (i, file) in data.split(|&b| b == 0xfe).take(8).enumerate() {
        reader.read_bytes(&format!("f{i}.cfg"), file);
    }
    let aborted = reader.aborted();
    let (config, diags) = reader.finish();
    for d in diags.iter() {
        let _ = d.render(1, &config.sources);
    }
    for section in &config.sections {
        assert!(!section.header.words.is_empty());
        for line in &section.lines {
            assert!(!line.words.is_empty());
        }
    }
    let _ = aborted;
});
