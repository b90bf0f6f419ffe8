//! Finding NVIDIA's libraries the way the CUDA tools do: NVML by the name the driver installs
//! (`libnvidia-ml.so.1`; driver-only installs and containers often lack the unversioned
//! development link), and cuBLAS by whatever major version the toolkit installed
//! (`libcublas.so.13` on CUDA 13), not only the names the bindings were built for.

use std::path::{Path, PathBuf};

/// NVML's names, the driver's first.
pub const NVML_NAMES: [&str; 2] = ["libnvidia-ml.so.1", "libnvidia-ml.so"];

/// Where the driver and toolkit install libraries, in the order the loader and CUDA's own
/// tools look: `LD_LIBRARY_PATH`, `$CUDA_HOME`/`$CUDA_PATH`, `/usr/local/cuda*`, the
/// distribution's library directories.
pub fn search_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var("LD_LIBRARY_PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .collect();
    let mut roots: Vec<PathBuf> = ["CUDA_HOME", "CUDA_PATH"]
        .iter()
        .filter_map(|v| std::env::var_os(v).map(PathBuf::from))
        .collect();
    roots.push(PathBuf::from("/usr/local/cuda"));
    if let Ok(entries) = std::fs::read_dir("/usr/local") {
        let mut versions: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("cuda-"))
            })
            .collect();
        versions.sort();
        roots.extend(versions.into_iter().rev());
    }
    for root in roots {
        dirs.push(root.join("lib64"));
        dirs.push(root.join("targets/x86_64-linux/lib"));
    }
    dirs.extend(["/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"].map(PathBuf::from));
    dirs
}

/// The major version in a `libcublas.so.N…` file name.
fn cublas_major(name: &str) -> Option<u32> {
    let rest = name.strip_prefix("libcublas.so.")?;
    rest.split('.').next()?.parse().ok()
}

/// The newest `libcublas.so.N` among `ldconfig -p`'s output and the files in `dirs`.
pub fn find_cublas(ldconfig: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    let cached = ldconfig.lines().filter_map(|line| {
        let (name, path) = line.trim().split_once(" => ")?;
        let name = name.split_whitespace().next()?;
        Some((cublas_major(name)?, PathBuf::from(path.trim())))
    });
    let files = dirs.iter().flat_map(|dir| {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|e| Some((cublas_major(&e.file_name().to_string_lossy())?, e.path())))
    });
    cached
        .chain(files)
        .max_by_key(|(major, _)| *major)
        .map(|(_, path)| path)
}

/// `ldconfig -p`'s output, or nothing where it cannot run.
pub fn ldconfig() -> String {
    ["ldconfig", "/sbin/ldconfig"]
        .iter()
        .find_map(|cmd| std::process::Command::new(cmd).arg("-p").output().ok())
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default()
}

/// A directory in `under` holding `libcublas.so`, a link to `cublas`: on the benchmark
/// worker's `LD_LIBRARY_PATH`, the unversioned name the CUDA bindings try first finds the
/// installed cuBLAS whatever its major version.
pub fn cublas_link_dir(under: &Path, cublas: &Path) -> std::io::Result<PathBuf> {
    let dir = under.join("cublas");
    std::fs::create_dir_all(&dir)?;
    let link = dir.join("libcublas.so");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(cublas, &link)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_cublas_is_found_in_the_loader_cache_or_the_toolkit() {
        let ldconfig = "\tlibcublas.so.12 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcublas.so.12\n\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1\n";
        assert_eq!(
            find_cublas(ldconfig, &[]),
            Some(PathBuf::from("/usr/lib/x86_64-linux-gnu/libcublas.so.12"))
        );
        // A CUDA 13 toolkit with no unversioned development link.
        let toolkit = tempfile::tempdir().unwrap();
        let so13 = toolkit.path().join("libcublas.so.13.0.0.19");
        std::fs::write(&so13, b"").unwrap();
        std::fs::write(toolkit.path().join("libcublasLt.so.13"), b"").unwrap();
        let dirs = [toolkit.path().to_path_buf()];
        assert_eq!(find_cublas(ldconfig, &dirs), Some(so13.clone()));
        assert_eq!(find_cublas("", &[]), None);
        let data = tempfile::tempdir().unwrap();
        let dir = cublas_link_dir(data.path(), &so13).unwrap();
        assert_eq!(std::fs::read_link(dir.join("libcublas.so")).unwrap(), so13);
    }

    #[test]
    fn nvml_is_loaded_by_the_name_the_driver_installs_first() {
        assert_eq!(NVML_NAMES[0], "libnvidia-ml.so.1");
    }
}
