//! The `replyguard` binary: parses the command line and hands over to the library.

// mimalloc instead of the system allocator: a submission makes a few hundred small
// allocations (the JSON body, the comment's fields, its reasons, the request's headers).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    replyguard::cli::main()
}
