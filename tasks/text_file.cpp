#include "tasks/text_file.h"

#include <bzlib.h>
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/base/error.h"

namespace qs {
namespace {

std::string readPlain(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open data file " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error("error reading data file " + path.string());
  return ss.str();
}

std::string readGzip(const std::filesystem::path& path) {
  gzFile f = gzopen(path.string().c_str(), "rb");
  if (!f) throw Error("cannot open data file " + path.string());
  std::string out;
  char buf[1 << 16];
  while (true) {
    int n = gzread(f, buf, sizeof(buf));
    if (n < 0) {
      int err = 0;
      std::string msg = gzerror(f, &err);
      gzclose(f);
      throw Error("corrupt gzip data in " + path.string() + ": " + msg);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  gzclose(f);
  return out;
}

std::string readBzip2(const std::filesystem::path& path) {
  std::string compressed = readPlain(path);
  bz_stream s{};
  if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK) throw Error("cannot start bzip2 decoder for " + path.string());
  s.next_in = compressed.data();
  s.avail_in = static_cast<unsigned>(compressed.size());
  std::string out;
  char buf[1 << 16];
  while (true) {
    s.next_out = buf;
    s.avail_out = sizeof(buf);
    int rc = BZ2_bzDecompress(&s);
    out.append(buf, sizeof(buf) - s.avail_out);
    if (rc == BZ_STREAM_END) {
      // Concatenated streams (pbzip2 output): restart on the remaining input.
      if (s.avail_in == 0) break;
      char* rest = s.next_in;
      unsigned restLen = s.avail_in;
      BZ2_bzDecompressEnd(&s);
      s = bz_stream{};
      if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK) throw Error("cannot restart bzip2 decoder for " + path.string());
      s.next_in = rest;
      s.avail_in = restLen;
      continue;
    }
    if (rc != BZ_OK) {
      BZ2_bzDecompressEnd(&s);
      throw Error("corrupt bzip2 data in " + path.string() + " (code " + std::to_string(rc) + ")");
    }
    if (s.avail_in == 0 && s.avail_out != 0) {
      BZ2_bzDecompressEnd(&s);
      throw Error("truncated bzip2 data in " + path.string());
    }
  }
  BZ2_bzDecompressEnd(&s);
  return out;
}

}  // namespace

std::string readTextFile(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) throw Error("data file not found: " + path.string());
  auto ext = path.extension().string();
  if (ext == ".gz") return readGzip(path);
  if (ext == ".bz2") return readBzip2(path);
  return readPlain(path);
}

std::vector<std::string> splitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    size_t len = end - start;
    if (len > 0 && text[start + len - 1] == '\r') --len;
    lines.emplace_back(text.substr(start, len));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return lines;
}

}  // namespace qs
