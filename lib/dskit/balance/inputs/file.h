// Reading dsbalance's input files safely: opened with O_NONBLOCK so that a FIFO never blocks the open, their
// type checked before any read, and a regular file read (not mapped) into memory, bounded by its size at
// stat time, so that a file truncated or grown by another process while it is read is an error, never a
// SIGBUS or a mix of two versions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace dskit {

// Reads a regular file's `size` bytes (its size when it was stat'ed) from fd into out, followed by `padding`
// zero bytes (out.size() == size + padding). Errors: "PATH: CAUSE" for a failed read, "PATH: the file shrank
// while it was read" when it ends early, "PATH: the file grew while it was read" when it goes on.
std::optional<std::string> read_regular_fd(int fd, const std::string& path, std::size_t size,
                                           std::size_t padding, std::string& out);

// Opens PATH without blocking and reads it whole into out (plus `padding` zero bytes; the content is
// out.size() - padding bytes). A directory is an error ("PATH: is a directory"); so is any other
// non-regular file ("PATH: not a regular file") unless `stream`, which reads a FIFO or character device to
// its end as a stream.
std::optional<std::string> read_input_file(const std::string& path, bool stream, std::size_t padding,
                                           std::string& out);

}  // namespace dskit
