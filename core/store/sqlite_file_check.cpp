#include "core/store/sqlite_file_check.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "core/base/error.h"

namespace qs {
namespace {

constexpr char kMagic[16] = "SQLite format 3";  // 15 characters and the terminating NUL
constexpr size_t kHeaderBytes = 100;

uint32_t bigEndian(const unsigned char* p, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

// The first bytes of a file, printable, for "it starts with ..." messages.
std::string preview(const unsigned char* p, size_t n) {
  std::string out;
  for (size_t i = 0; i < n && i < 16; ++i) {
    unsigned char c = p[i];
    if (c >= 32 && c < 127 && c != '"') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

// A WAL file with frames may hold pages the main file does not have yet (an interrupted
// checkpoint); SQLite recovers those, so size checks are only sound without one.
bool hasPendingWal(const std::filesystem::path& file) {
  std::error_code ec;
  auto wal = file;
  wal += "-wal";
  auto size = std::filesystem::file_size(wal, ec);
  return !ec && size > 0;
}

void checkSizes(const std::filesystem::path& file, const unsigned char* header, uintmax_t size) {
  uint32_t pageSize = bigEndian(header + 16, 2);
  if (pageSize == 1) pageSize = 65536;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) != 0)
    throw Error(file.string() + ": the SQLite header is damaged (page size " + std::to_string(pageSize) + ")");
  if (hasPendingWal(file)) return;
  if (size % pageSize != 0)
    throw Error(file.string() + ": the database is truncated or damaged: its " + std::to_string(size) +
                " bytes are not a whole number of " + std::to_string(pageSize) + "-byte pages");
  uint32_t changeCounter = bigEndian(header + 24, 4);
  uint32_t pages = bigEndian(header + 28, 4);
  uint32_t validFor = bigEndian(header + 92, 4);
  uintmax_t declared = static_cast<uintmax_t>(pages) * pageSize;
  if (pages > 0 && changeCounter == validFor && size < declared)
    throw Error(file.string() + ": the database is truncated: its header declares " + std::to_string(pages) +
                " pages (" + std::to_string(declared) + " bytes) but the file holds " + std::to_string(size) +
                " bytes");
}

}  // namespace

void checkSqliteFile(const std::filesystem::path& file) {
  std::error_code ec;
  auto status = std::filesystem::status(file, ec);
  if (ec || !std::filesystem::exists(status)) throw Error(file.string() + ": no such file");
  if (!std::filesystem::is_regular_file(status)) throw Error(file.string() + ": not a regular file");
  uintmax_t size = std::filesystem::file_size(file, ec);
  if (ec) throw Error(file.string() + ": cannot read its size: " + ec.message());
  if (size == 0) return;

  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot be read (permission denied?)");
  std::array<unsigned char, kHeaderBytes> header{};
  in.read(reinterpret_cast<char*>(header.data()), header.size());
  size_t got = static_cast<size_t>(in.gcount());

  size_t magicBytes = sizeof kMagic;
  if (got < magicBytes ? std::memcmp(header.data(), kMagic, got) != 0
                       : std::memcmp(header.data(), kMagic, magicBytes) != 0)
    throw Error(file.string() + ": not an SQLite database (it starts with \"" + preview(header.data(), got) +
                "\")");
  if (got < kHeaderBytes)
    throw Error(file.string() + ": the database is truncated: " + std::to_string(size) +
                " bytes, shorter than an SQLite header");
  checkSizes(file, header.data(), size);
}

}  // namespace qs
