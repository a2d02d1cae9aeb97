// deflate_compare: src/deflate side by side with zlib (lesson 14; RFC 1951).
//
// For each corpus file and overall: the compressed size (ratio = compressed / original) and the
// compress and decompress speed in MB/s of uncompressed data, for our levels 1 (fast) and 6
// (default) and zlib's levels 1 and 6, raw deflate, window 15. Decompression speed is measured
// on the same streams for both inflaters (zlib's level-6 stream and ours), so the inflaters are
// compared on equal input. Every stream is also checked across implementations (zlib inflates
// ours at every level and window size, ours inflates zlib's); a mismatch exits with status 1.
//
// `--write-interop DIR` writes the small zlib-made raw streams that tests/deflate inflates in
// `make test` (the test binary never links zlib).
//
// This program links zlib and is never part of the server or the test binary: the Makefile
// leaves tests/bench/deflate_compare.cpp out of TEST_SRCS and builds it through
// tests/bench/deflate.mk (`make deflate-compare`).
// @lesson 14
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "src/deflate/deflater.hpp"
#include "src/deflate/inflater.hpp"

namespace {

using duplex::deflate::Deflater;
using duplex::deflate::DeflaterOptions;
using duplex::deflate::Flush;
using duplex::deflate::Inflater;
using duplex::deflate::InflaterOptions;

std::string read_file(const std::string& path) {
  std::string data;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    char chunk[65536];
    for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, f)) > 0;) data.append(chunk, n);
    std::fclose(f);
  }
  return data;
}

std::string ours_deflate(std::string_view data, int level, int window_bits) {
  Deflater d(DeflaterOptions{level, window_bits});
  std::string out;
  d.deflate(data, Flush::kFinish, out);
  return out;
}

bool ours_inflate(std::string_view stream, std::string& out, int window_bits = 15) {
  Inflater inf(InflaterOptions{window_bits, std::size_t{1} << 30});
  out.clear();
  std::vector<char> piece(64 * 1024);
  for (;;) {
    auto r = inf.inflate(stream, piece);
    out.append(piece.data(), r.produced);
    stream.remove_prefix(r.consumed);
    if (r.done()) return true;
    if (r.failed()) return false;
    if (stream.empty() && r.produced < piece.size()) return false;  // truncated
  }
}

std::string zlib_deflate(std::string_view data, int level, int window_bits = 15) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, -window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    std::abort();
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

bool zlib_inflate(std::string_view stream, std::string& out, std::size_t size,
                  int window_bits = 15) {
  z_stream z{};
  if (inflateInit2(&z, -window_bits) != Z_OK) std::abort();
  out.assign(size + 1, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(stream.data()));
  z.avail_in = static_cast<uInt>(stream.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return rc == Z_STREAM_END;
}

// MB/s of `bytes` per call of `work`, repeated for at least `seconds`; the best of 3 rounds.
double speed(std::size_t bytes, const std::function<void()>& work, double seconds = 0.3) {
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    const auto start = std::chrono::steady_clock::now();
    int calls = 0;
    double elapsed = 0;
    do {
      work();
      ++calls;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } while (elapsed < seconds / 3);
    best = std::max(best, static_cast<double>(bytes) * calls / elapsed / 1e6);
  }
  return best;
}

struct Row {
  std::size_t original = 0;
  std::size_t compressed = 0;
  double compress_seconds = 0;    // per byte sums, for the overall speed
  double decompress_seconds = 0;  // inflating this row's own stream with the same library
};

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::printf("MISMATCH: %s\n", what.c_str());
    ++failures;
  }
}

void interop(const std::string& name, const std::string& data) {
  std::string back;
  for (int level : {1, 6, 9}) {
    for (int bits = 8; bits <= 15; ++bits) {
      const std::string ours = ours_deflate(data, level, bits);
      check(zlib_inflate(ours, back, data.size(), std::max(bits, 8)) && back == data,
            name + ": zlib inflating ours, level " + std::to_string(level) + " window " +
                std::to_string(bits));
      if (bits >= 9) {
        const std::string theirs = zlib_deflate(data, level, bits);
        check(ours_inflate(theirs, back, bits) && back == data,
              name + ": ours inflating zlib's, level " + std::to_string(level) + " window " +
                  std::to_string(bits));
      }
    }
  }
}

int write_interop(const std::string& dir) {
  std::filesystem::create_directories(dir);
  struct Sample {
    std::string name;
    std::string data;
    int level;
    int window_bits;
  };
  std::string text;
  for (int i = 0; i < 40; ++i) {
    text += "{\"type\":\"message\",\"id\":\"" + std::to_string(1000 + i) +
            "\",\"nick\":\"alice\",\"text\":\"hello, permessage-deflate #" + std::to_string(i % 7) +
            "\"}\n";
  }
  std::string binary;
  std::uint32_t x = 2463534242u;
  for (int i = 0; i < 3000; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    binary.push_back(static_cast<char>(i % 5 == 0 ? x : i & 0x3f));
  }
  const std::vector<Sample> samples = {
      {"zlib-empty", "", 6, 15},
      {"zlib-hello", "hello, hello, hello world\n", 6, 15},
      {"zlib-chat-l1", text, 1, 15},
      {"zlib-chat-l9-w9", text, 9, 9},
      {"zlib-binary-l6", binary, 6, 15},
      {"zlib-runs-l6", std::string(5000, 'a') + std::string(3000, 'b'), 6, 15},
  };
  for (const Sample& s : samples) {
    std::ofstream(dir + "/" + s.name + ".deflate", std::ios::binary)
        << zlib_deflate(s.data, s.level, s.window_bits);
    std::ofstream(dir + "/" + s.name + ".raw", std::ios::binary) << s.data;
    std::printf("wrote %s/%s.{deflate,raw} (level %d, window %d)\n", dir.c_str(), s.name.c_str(),
                s.level, s.window_bits);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--write-interop" && i + 1 < argc) return write_interop(argv[i + 1]);
    files.push_back(arg);
  }
  if (files.empty()) {
    for (const auto& entry :
         std::filesystem::directory_iterator(DUPLEX_SOURCE_DIR "/tests/bench/corpus")) {
      if (entry.path().extension() != ".md") files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
  }

  const char* names[] = {"ours-1", "ours-6", "zlib-1", "zlib-6"};
  Row total[4];
  double inflate_ours_on_zlib6 = 0, inflate_zlib_on_zlib6 = 0;
  double inflate_ours_on_ours6 = 0, inflate_zlib_on_ours6 = 0;
  std::size_t total_bytes = 0;

  std::printf("%-14s %-7s %9s %9s %7s %12s %12s\n", "file", "codec", "bytes", "deflated", "ratio",
              "deflate MB/s", "inflate MB/s");
  for (const std::string& path : files) {
    const std::string data = read_file(path);
    const std::string name = std::filesystem::path(path).filename().string();
    total_bytes += data.size();
    std::string streams[4];
    std::string back;
    for (int c = 0; c < 4; ++c) {
      const int level = c % 2 == 0 ? 1 : 6;
      const bool ours = c < 2;
      double compress_speed;
      if (ours) {
        compress_speed = speed(data.size(), [&] { streams[c] = ours_deflate(data, level, 15); });
      } else {
        compress_speed = speed(data.size(), [&] { streams[c] = zlib_deflate(data, level); });
      }
      double inflate_speed;
      if (ours) {
        check(ours_inflate(streams[c], back) && back == data,
              name + " " + names[c] + " round trip");
        inflate_speed = speed(data.size(), [&] { ours_inflate(streams[c], back); });
      } else {
        check(zlib_inflate(streams[c], back, data.size()) && back == data,
              name + " " + names[c] + " round trip");
        inflate_speed = speed(data.size(), [&] { zlib_inflate(streams[c], back, data.size()); });
      }
      Row& t = total[c];
      t.original += data.size();
      t.compressed += streams[c].size();
      t.compress_seconds += static_cast<double>(data.size()) / 1e6 / compress_speed;
      t.decompress_seconds += static_cast<double>(data.size()) / 1e6 / inflate_speed;
      std::printf("%-14s %-7s %9zu %9zu %6.2f%% %12.1f %12.1f\n", name.c_str(), names[c],
                  data.size(), streams[c].size(), 100.0 * streams[c].size() / data.size(),
                  compress_speed, inflate_speed);
    }
    // Both inflaters on the same two streams.
    const auto secs = [&](double mbps) { return static_cast<double>(data.size()) / 1e6 / mbps; };
    inflate_ours_on_zlib6 += secs(speed(data.size(), [&] { ours_inflate(streams[3], back); }));
    inflate_zlib_on_zlib6 +=
        secs(speed(data.size(), [&] { zlib_inflate(streams[3], back, data.size()); }));
    check(zlib_inflate(streams[1], back, data.size()) && back == data, name + ": zlib on ours-6");
    check(ours_inflate(streams[3], back) && back == data, name + ": ours on zlib-6");
    inflate_ours_on_ours6 += secs(speed(data.size(), [&] { ours_inflate(streams[1], back); }));
    inflate_zlib_on_ours6 +=
        secs(speed(data.size(), [&] { zlib_inflate(streams[1], back, data.size()); }));
    interop(name, data);
  }

  std::printf("\noverall (%zu bytes in %zu files)\n", total_bytes, files.size());
  for (int c = 0; c < 4; ++c) {
    const Row& t = total[c];
    std::printf("%-14s %-7s %9zu %9zu %6.2f%% %12.1f %12.1f\n", "all", names[c], t.original,
                t.compressed, 100.0 * t.compressed / t.original,
                static_cast<double>(t.original) / 1e6 / t.compress_seconds,
                static_cast<double>(t.original) / 1e6 / t.decompress_seconds);
  }
  const double mb = static_cast<double>(total_bytes) / 1e6;
  std::printf("\ndefault level size vs zlib -6: %+.2f%% (goal: within 5%%)\n",
              100.0 * (static_cast<double>(total[1].compressed) / total[3].compressed - 1));
  std::printf(
      "inflate on zlib -6 streams: ours %.1f MB/s, zlib %.1f MB/s, ours/zlib %.2f (goal >= 0.70)\n",
      mb / inflate_ours_on_zlib6, mb / inflate_zlib_on_zlib6,
      inflate_zlib_on_zlib6 / inflate_ours_on_zlib6);
  std::printf("inflate on our -6 streams:  ours %.1f MB/s, zlib %.1f MB/s, ours/zlib %.2f\n",
              mb / inflate_ours_on_ours6, mb / inflate_zlib_on_ours6,
              inflate_zlib_on_ours6 / inflate_ours_on_ours6);
  std::printf("memory per instance, window 15: deflater %zu bytes, inflater %zu bytes\n",
              Deflater::memory_bytes_for(15), Inflater::memory_bytes_for(15));
  if (failures != 0) std::printf("%d mismatches\n", failures);
  // One line for `make bench` (tests/bench/run), in duplex-bench's result format
  // (src/bench/result.hpp): the report puts it in docs/benchmarks.md.
  std::printf(
      "result row=deflate-zlib mode=deflate-compare files=%zu bytes=%zu ours1_ratio=%.4f "
      "zlib1_ratio=%.4f ours6_ratio=%.4f zlib6_ratio=%.4f ours1_mb_per_s=%.1f "
      "zlib1_mb_per_s=%.1f ours6_mb_per_s=%.1f zlib6_mb_per_s=%.1f inflate_ours_mb_per_s=%.1f "
      "inflate_zlib_mb_per_s=%.1f errors=%d\n",
      files.size(), total_bytes,
      static_cast<double>(total[0].compressed) / static_cast<double>(total[0].original),
      static_cast<double>(total[2].compressed) / static_cast<double>(total[2].original),
      static_cast<double>(total[1].compressed) / static_cast<double>(total[1].original),
      static_cast<double>(total[3].compressed) / static_cast<double>(total[3].original),
      static_cast<double>(total[0].original) / 1e6 / total[0].compress_seconds,
      static_cast<double>(total[2].original) / 1e6 / total[2].compress_seconds,
      static_cast<double>(total[1].original) / 1e6 / total[1].compress_seconds,
      static_cast<double>(total[3].original) / 1e6 / total[3].compress_seconds,
      mb / inflate_ours_on_zlib6, mb / inflate_zlib_on_zlib6, failures == 0 ? 0 : 1);
  return failures == 0 ? 0 : 1;
}
