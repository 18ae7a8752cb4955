#pragma once
// What weshopd asks of the kernel for its own process at start.

namespace weshopd {

// No core dumps and no ptrace by other processes of our user: memory holds
// the key. A failure is logged (not_dumpable_failed), not fatal.
void forbid_core_dumps();

// Every connection and stream is a file descriptor: use all the system grants
// (the soft limit is often 1,024 while the hard one is far higher).
void raise_file_limit();

} // namespace weshopd
