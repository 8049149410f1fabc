//! Returning memory to the operating system after bursts (imports, compiles).

/// Hands freed heap pages back to the OS. glibc keeps what a burst of allocations (parsing a
/// large definition, compiling a deployment) freed, so without this the idle RSS stays at the
/// burst's peak. A no-op on other allocators.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only inspects and releases the allocator's own free lists; it has no
    // preconditions and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
