//! The `replyguard` binary: parses the command line and hands over to the library.

// mimalloc instead of the system allocator: a submission makes many small, short-lived
// allocations (the JSON body, the comment's fields, its reasons, the request's headers),
// and mimalloc takes 4.5 % off its instructions (bench/request_instructions.sh, counts
// before and after in BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    replyguard::cli::main()
}
