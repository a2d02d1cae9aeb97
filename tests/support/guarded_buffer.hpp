// A buffer that ends right before an unreadable page (lesson 04; an idea from picohttpparser).
//
// A parser that reads even one byte past the end of its input crashes the test with SIGSEGV
// here, in every build, not only under AddressSanitizer.
#pragma once

#include <cstddef>
#include <string_view>

namespace duplex::testing {

class GuardedBuffer {
 public:
  explicit GuardedBuffer(std::string_view contents);
  ~GuardedBuffer();
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  // The copy of `contents`; the byte after its last one is on a PROT_NONE page.
  std::string_view view() const { return {data_, size_}; }

 private:
  char* mapping_ = nullptr;
  std::size_t mapping_size_ = 0;
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace duplex::testing
