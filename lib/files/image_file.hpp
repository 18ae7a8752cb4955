#pragma once
// An image read whole from one open descriptor: what weshopd hashes, keeps
// and uploads is exactly these bytes, never the file read again by name.

#include <cstdint>
#include <optional>
#include <string>

namespace weshopd::files {

struct image_file {
  std::string bytes;
  std::string content_type; // image/png, image/jpeg, image/webp (by magic bytes)
  std::string sha256;       // hex, of `bytes`
};

struct image_read {
  std::optional<image_file> image;
  std::string problem; // for the client when !image: "is not a regular file", ...
  explicit operator bool() const { return image.has_value(); }
};

// fstat decides: only a non-empty regular file of at most `max_size` bytes
// is read (a FIFO, socket, device or folder is refused without a read).
image_read read_image(int fd, std::uint64_t max_size);

// The same checks for bytes already in memory (a browser upload).
image_read image_of(std::string bytes, std::uint64_t max_size);

} // namespace weshopd::files
