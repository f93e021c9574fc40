//! Reader tests on real paths: directory listing as HAProxy does it, and paths that
//! cannot be read.

use super::super::*;

/// A scratch directory removed on drop.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("rampart-reader-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            panic!("{e}");
        }
        Scratch(dir)
    }
    fn path(&self) -> String {
        self.0.to_string_lossy().into_owned()
    }
    fn write(&self, name: &str, text: &str) {
        if let Err(e) = std::fs::write(self.0.join(name), text) {
            panic!("{e}");
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn directories_are_read_like_haproxy() {
    let dir = Scratch::new("dir");
    dir.write("b.cfg", "backend b\n");
    dir.write("a.cfg", "global\n.notice \"$.FILE\"\n");
    dir.write("B.cfg", "backend B\n");
    dir.write(".hidden.cfg", "hidden\n");
    dir.write("x.cfg.bak", "bak\n");
    dir.write("c.cfg.cfg", "double\n");
    dir.write("notes.txt", "txt\n");
    if let Err(e) = std::fs::create_dir(dir.0.join("sub.cfg")) {
        panic!("{e}");
    }
    #[cfg(unix)]
    if let Err(e) = std::os::unix::fs::symlink(dir.0.join("b.cfg"), dir.0.join("link.cfg")) {
        panic!("{e}");
    }
    let path = dir.path();
    let listed: Vec<String> = match list_config_files(&format!("{path}/")) {
        Ok(files) => files.into_iter().map(|f| f.name).collect(),
        Err(e) => panic!("{e}"),
    };
    let mut expected = vec![
        format!("{path}//B.cfg"),
        format!("{path}//a.cfg"),
        format!("{path}//b.cfg"),
    ];
    if cfg!(unix) {
        expected.push(format!("{path}//link.cfg"));
    }
    assert_eq!(listed, expected);

    let mut env = Env::empty();
    let mut reader = Reader::new(&mut env);
    reader.read_paths(&[&path]);
    let (config, diags) = reader.finish();
    let names: Vec<&str> = config.sources.names().collect();
    assert_eq!(names[0], format!("{path}/B.cfg"));
    assert_eq!(names.len(), if cfg!(unix) { 4 } else { 3 });
    let notice: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
    assert_eq!(notice, [format!("'{path}/a.cfg'.")]);
}

#[test]
fn paths_that_cannot_be_read() {
    let dir = Scratch::new("bad");
    dir.write("a.cfg", "global\n");
    let path = dir.path();
    let mut env = Env::empty();
    let mut reader = Reader::new(&mut env);
    reader.read_paths(&[&format!("{path}/a.cfg"), &format!("{path}/missing.cfg")]);
    assert!(reader.aborted());
    let (config, diags) = reader.finish();
    assert_eq!(
        config.sources.names().count(),
        0,
        "nothing is read when a path is missing"
    );
    let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [format!(
            "Cannot open configuration file/directory {path}/missing.cfg : No such file or directory"
        )]
    );
    #[cfg(unix)]
    {
        if let Err(e) =
            std::os::unix::fs::symlink(dir.0.join("nowhere"), dir.0.join("dangling.cfg"))
        {
            panic!("{e}");
        }
        match list_config_files(&path) {
            Ok(f) => panic!("{f:?}"),
            Err(e) => assert_eq!(
                e,
                format!("Cannot open configuration file {path} : No such file or directory")
            ),
        }
    }
}
