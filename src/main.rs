//! The `replyguard` binary: parses the command line and hands over to the library.

// mimalloc instead of the system allocator: a submission makes many small, short-lived
// allocations (the JSON body, the comment's fields, its reasons, the request's headers),
// and glibc's malloc and free were about a tenth of its instructions (callgrind under
// bench/request_instructions.sh; BENCHMARKS.md has the count before and after).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    replyguard::cli::main()
}
